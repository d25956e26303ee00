package wire

import (
	"encoding/binary"
	"net/netip"
)

// icmpError holds what time exceeded and destination unreachable share:
// the layout of RFC 792 / RFC 4443 error messages with the RFC 4884 length.
type icmpError struct {
	v6     bool
	code   uint8
	csum   uint16
	length uint8
	mtu    uint16 // ICMPv4 bytes 6-7 (next-hop MTU of "fragmentation needed")
	body   []byte
}

func (m *icmpError) appendBinary(b []byte, t4, t6 uint8) []byte {
	t := t4
	if m.v6 {
		t = t6
	}
	b = append(b, t, m.code)
	b = binary.BigEndian.AppendUint16(b, m.csum)
	if m.v6 {
		b = append(b, m.length, 0, 0, 0)
	} else {
		b = append(b, 0, m.length)
		b = binary.BigEndian.AppendUint16(b, m.mtu)
	}
	return append(b, m.body...)
}

func (m *icmpError) decode(op string, b []byte, t4, t6 uint8) error {
	v6, err := icmpHeader(op, b, t4, t6, ICMPHeaderLen)
	if err != nil {
		return err
	}
	*m = icmpError{v6: v6, code: b[1], csum: binary.BigEndian.Uint16(b[2:])}
	if v6 {
		m.length = b[4]
	} else {
		m.length, m.mtu = b[5], binary.BigEndian.Uint16(b[6:])
	}
	if len(b) > ICMPHeaderLen {
		m.body = b[ICMPHeaderLen:]
	}
	return nil
}

// split returns the original datagram and the RFC 4884 extension structure
// of an error body: with a length field set (in 32-bit words for ICMPv4,
// 64-bit words for ICMPv6) and within the body, the original datagram is
// that long and extensions follow; otherwise the whole body is the
// original datagram.
func splitOriginal(v6 bool, length uint8, body []byte) (orig, ext []byte) {
	unit := 4
	if v6 {
		unit = 8
	}
	n := int(length) * unit
	if length == 0 || n > len(body) {
		return body, nil
	}
	return body[:n], body[n:]
}

// checksum returns the message's checksum, computed with the checksum
// field zero; src and dst form the pseudo-header for ICMPv6.
func (m icmpError) checksum(t4, t6 uint8, src, dst netip.Addr) uint16 {
	var hdr [ICMPHeaderLen]byte
	body := m.body
	m.csum, m.body = 0, nil
	enc := m.appendBinary(hdr[:0], t4, t6)
	var acc uint64
	if m.v6 {
		acc = pseudoSum(ProtoICMPv6, src, dst, len(enc)+len(body))
	}
	return ^fold(sum(sum(acc, enc), body))
}

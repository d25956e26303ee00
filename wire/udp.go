package wire

import (
	"encoding/binary"
	"net/netip"
)

// UDPHeaderLen is the length of the UDP header (RFC 768).
const UDPHeaderLen = 8

// UDP is a UDP header (RFC 768). The payload is not part of it: it follows
// the header in the packet and is passed to SetChecksum and SteerChecksum.
type UDP struct {
	SrcPort, DstPort uint16
	Length           uint16 // header plus payload
	Checksum         uint16 // as on the wire; 0 means none (IPv4 only)
}

// Len returns 8.
func (u *UDP) Len() int { return UDPHeaderLen }

// AppendBinary appends the encoded header to b, length and checksum as
// given.
func (u *UDP) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint16(b, u.SrcPort)
	b = binary.BigEndian.AppendUint16(b, u.DstPort)
	b = binary.BigEndian.AppendUint16(b, u.Length)
	return binary.BigEndian.AppendUint16(b, u.Checksum), nil
}

// Decode decodes the header at the start of b into u.
func (u *UDP) Decode(b []byte) error {
	if len(b) < UDPHeaderLen {
		return short("decode UDP header", len(b), UDPHeaderLen)
	}
	u.SrcPort = binary.BigEndian.Uint16(b)
	u.DstPort = binary.BigEndian.Uint16(b[2:])
	u.Length = binary.BigEndian.Uint16(b[4:])
	u.Checksum = binary.BigEndian.Uint16(b[6:])
	return nil
}

// sum returns the unfolded checksum sum of u (checksum field zero) and
// payload, with the pseudo-header for src and dst.
func (u *UDP) sum(src, dst netip.Addr, payload []byte) uint64 {
	acc := pseudoSum(ProtoUDP, src, dst, int(u.Length))
	acc += uint64(u.SrcPort) + uint64(u.DstPort) + uint64(u.Length)
	return sum(acc, payload)
}

// SetChecksum sets u.Length to 8+len(payload) and u.Checksum to the
// checksum over the pseudo-header for src and dst (IPv4 or IPv6), u and
// payload; a computed 0 is sent as 0xffff (RFC 768).
func (u *UDP) SetChecksum(src, dst netip.Addr, payload []byte) error {
	if err := u.setLength("compute UDP checksum", src, dst, payload); err != nil {
		return err
	}
	u.Checksum = ^fold(u.sum(src, dst, payload))
	if u.Checksum == 0 {
		u.Checksum = 0xffff
	}
	return nil
}

// SteerChecksum overwrites the first two payload bytes so that the UDP
// checksum equals want, and sets u.Length and u.Checksum — Paris traceroute's
// way to keep the checksum constant or make it carry a probe identifier
// while the ports (the flow) stay fixed. The payload needs at least two
// bytes; want 0 (meaning "no checksum") is refused.
func (u *UDP) SteerChecksum(src, dst netip.Addr, payload []byte, want uint16) error {
	const op = "steer UDP checksum"
	if len(payload) < 2 {
		return errf(op, ErrInvalid, "payload of %d bytes, need 2 to steer", len(payload))
	}
	if want == 0 {
		return errf(op, ErrInvalid, "checksum 0 means no checksum")
	}
	if err := u.setLength(op, src, dst, payload); err != nil {
		return err
	}
	payload[0], payload[1] = 0, 0
	target := want
	if want == 0xffff {
		target = 0 // a computed 0 is sent as 0xffff
	}
	x, ok := solveWord(u.sum(src, dst, payload), target)
	if !ok {
		return errf(op, ErrChecksum, "no payload yields checksum %#04x", want)
	}
	binary.BigEndian.PutUint16(payload, x)
	u.Checksum = want
	return nil
}

func (u *UDP) setLength(op string, src, dst netip.Addr, payload []byte) error {
	if src.Is4() != dst.Is4() || !src.IsValid() || !dst.IsValid() {
		return errf(op, ErrInvalid, "addresses %s and %s are not of one family", src.String(), dst.String())
	}
	n := UDPHeaderLen + len(payload)
	if n > 0xffff {
		return errf(op, ErrInvalid, "datagram of %d bytes exceeds 65535", n)
	}
	u.Length = uint16(n)
	return nil
}

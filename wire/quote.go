package wire

import (
	"encoding/binary"
	"net/netip"
)

// Quote is the original packet quoted in an ICMP error (time exceeded,
// destination unreachable): its IPv4 header with options, or its IPv6
// header, and the first bytes of its transport header — at least 8 (RFC
// 792), usually as many as fit (RFC 1812, RFC 4443). Its accessors give what
// a prober matches a reply to its probe by: addresses, protocol, ICMP
// identifier and sequence, ports, UDP or ICMP checksum, TCP sequence.
// Transport aliases the decoded buffer.
type Quote struct {
	V6        bool
	IPv4      IPv4   // the quoted header when !V6
	IPv6      IPv6   // the quoted header when V6
	Transport []byte // quoted bytes after the IP header, cut at its length field
}

// Len returns the encoded length.
func (q *Quote) Len() int {
	if q.V6 {
		return q.IPv6.Len() + len(q.Transport)
	}
	return q.IPv4.Len() + len(q.Transport)
}

// AppendBinary appends the quoted header and transport bytes to b.
func (q *Quote) AppendBinary(b []byte) ([]byte, error) {
	var err error
	if q.V6 {
		b, err = q.IPv6.AppendBinary(b)
	} else {
		b, err = q.IPv4.AppendBinary(b)
	}
	if err != nil {
		return b, err
	}
	return append(b, q.Transport...), nil
}

// Decode decodes the original datagram b (TimeExceeded.Original,
// DstUnreach.Original) into q. The IP version comes from the datagram.
func (q *Quote) Decode(b []byte) error {
	if len(b) == 0 {
		return short("decode quoted packet", 0, IPv4HeaderLen)
	}
	switch b[0] >> 4 {
	case 4:
		q.V6, q.IPv6 = false, IPv6{}
		if err := q.IPv4.Decode(b); err != nil {
			return err
		}
		q.Transport = q.IPv4.Payload(b)
	case 6:
		q.V6, q.IPv4 = true, IPv4{}
		if err := q.IPv6.Decode(b); err != nil {
			return err
		}
		q.Transport = q.IPv6.Payload(b)
	default:
		return errf("decode quoted packet", ErrMalformed, "IP version %d", b[0]>>4)
	}
	if len(q.Transport) == 0 {
		q.Transport = nil
	}
	return nil
}

// Src returns the probe's source address.
func (q *Quote) Src() netip.Addr {
	if q.V6 {
		return q.IPv6.Src
	}
	return q.IPv4.Src
}

// Dst returns the probe's destination address.
func (q *Quote) Dst() netip.Addr {
	if q.V6 {
		return q.IPv6.Dst
	}
	return q.IPv4.Dst
}

// Proto returns the probe's protocol (IPv6: the next header).
func (q *Quote) Proto() Proto {
	if q.V6 {
		return q.IPv6.NextHeader
	}
	return q.IPv4.Protocol
}

// TTL returns the quoted TTL or hop limit: what was left of it when the
// packet reached the router that quoted it (1 or 0 for a time exceeded).
func (q *Quote) TTL() uint8 {
	if q.V6 {
		return q.IPv6.HopLimit
	}
	return q.IPv4.TTL
}

// isICMP reports whether the quoted probe is ICMP of q's version.
func (q *Quote) isICMP() bool {
	p := q.Proto()
	return (!q.V6 && p == ProtoICMP) || (q.V6 && p == ProtoICMPv6)
}

// Ports returns the UDP or TCP source and destination ports; ok is false
// for other protocols or when fewer than 4 bytes are quoted.
func (q *Quote) Ports() (src, dst uint16, ok bool) {
	if p := q.Proto(); (p != ProtoUDP && p != ProtoTCP) || len(q.Transport) < 4 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint16(q.Transport), binary.BigEndian.Uint16(q.Transport[2:]), true
}

// Echo returns the identifier and sequence number of a quoted ICMP or
// ICMPv6 echo request; ok is false for anything else.
func (q *Quote) Echo() (id, seq uint16, ok bool) {
	t := q.Transport
	if !q.isICMP() || len(t) < ICMPHeaderLen {
		return 0, 0, false
	}
	if (q.V6 && t[0] != uint8(ICMPv6Echo)) || (!q.V6 && t[0] != uint8(ICMPv4Echo)) {
		return 0, 0, false
	}
	return binary.BigEndian.Uint16(t[4:]), binary.BigEndian.Uint16(t[6:]), true
}

// Checksum returns the quoted transport checksum — of an ICMP/ICMPv6, UDP
// or TCP probe — in which Paris-style probers encode probe identifiers; ok
// is false for other protocols or when it is not quoted.
func (q *Quote) Checksum() (uint16, bool) {
	off := -1
	switch p := q.Proto(); {
	case q.isICMP():
		off = 2
	case p == ProtoUDP:
		off = 6
	case p == ProtoTCP:
		off = 16
	}
	if off < 0 || len(q.Transport) < off+2 {
		return 0, false
	}
	return binary.BigEndian.Uint16(q.Transport[off:]), true
}

// TCPSeq returns the sequence number of a quoted TCP probe.
func (q *Quote) TCPSeq() (uint32, bool) {
	if q.Proto() != ProtoTCP || len(q.Transport) < 8 {
		return 0, false
	}
	return binary.BigEndian.Uint32(q.Transport[4:]), true
}

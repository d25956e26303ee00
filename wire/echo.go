package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Echo is an ICMPv4 (RFC 792) or ICMPv6 (RFC 4443) echo request or reply.
// Decode tells the version and direction from the type (8/0 for ICMPv4,
// 128/129 for ICMPv6). Data aliases the decoded buffer.
type Echo struct {
	V6       bool // ICMPv6 (types 128/129) rather than ICMPv4 (8/0)
	Reply    bool // echo reply rather than request
	Code     uint8
	Checksum uint16 // as on the wire; SetChecksum computes it
	ID, Seq  uint16
	Data     []byte
}

// Type returns the ICMP type number of e for its version and direction.
func (e *Echo) Type() uint8 {
	switch {
	case e.V6 && e.Reply:
		return uint8(ICMPv6EchoReply)
	case e.V6:
		return uint8(ICMPv6Echo)
	case e.Reply:
		return uint8(ICMPv4EchoReply)
	}
	return uint8(ICMPv4Echo)
}

// Len returns the encoded length: 8 plus the data.
func (e *Echo) Len() int { return ICMPHeaderLen + len(e.Data) }

// AppendBinary appends the encoded message to b, checksum as given.
func (e *Echo) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, e.Type(), e.Code)
	b = binary.BigEndian.AppendUint16(b, e.Checksum)
	b = binary.BigEndian.AppendUint16(b, e.ID)
	b = binary.BigEndian.AppendUint16(b, e.Seq)
	return append(b, e.Data...), nil
}

// Decode decodes the echo request or reply in b into e. Other types give
// ErrType.
func (e *Echo) Decode(b []byte) error {
	const op = "decode ICMP echo"
	if len(b) < ICMPHeaderLen {
		return short(op, len(b), ICMPHeaderLen)
	}
	var v6, reply bool
	switch b[0] {
	case uint8(ICMPv4Echo):
	case uint8(ICMPv4EchoReply):
		reply = true
	case uint8(ICMPv6Echo):
		v6 = true
	case uint8(ICMPv6EchoReply):
		v6, reply = true, true
	default:
		return errf(op, ErrType, "ICMP type %d, want 8 or 0 (ICMPv4), 128 or 129 (ICMPv6)", b[0])
	}
	e.V6, e.Reply, e.Code = v6, reply, b[1]
	e.Checksum = binary.BigEndian.Uint16(b[2:])
	e.ID = binary.BigEndian.Uint16(b[4:])
	e.Seq = binary.BigEndian.Uint16(b[6:])
	e.Data = nil
	if len(b) > ICMPHeaderLen {
		e.Data = b[ICMPHeaderLen:]
	}
	return nil
}

// sum returns the unfolded checksum sum of e with the checksum field zero,
// including the ICMPv6 pseudo-header for src and dst.
func (e *Echo) sum(src, dst netip.Addr) uint64 {
	acc := uint64(e.Type())<<8 | uint64(e.Code)
	acc += uint64(e.ID) + uint64(e.Seq)
	if e.V6 {
		acc += pseudoSum(ProtoICMPv6, src, dst, e.Len())
	}
	return sum(acc, e.Data)
}

// SetChecksum computes e's checksum and stores it in e.Checksum. src and
// dst are the IPv6 addresses of the packet (ICMPv6 checksums cover a
// pseudo-header); they are ignored for ICMPv4.
func (e *Echo) SetChecksum(src, dst netip.Addr) {
	e.Checksum = ^fold(e.sum(src, dst))
}

// EchoField names the echo field that Echo.SteerChecksum may change.
type EchoField uint8

// Fields that carry the checksum adjustment.
const (
	SteerID   EchoField = iota // the identifier
	SteerSeq                   // the sequence number
	SteerData                  // the first two data bytes
)

func (f EchoField) String() string {
	switch f {
	case SteerID:
		return "id"
	case SteerSeq:
		return "seq"
	case SteerData:
		return "data"
	}
	return fmt.Sprintf("echofield(%d)", uint8(f))
}

// SteerChecksum sets the field via so that e's checksum equals want, and
// sets e.Checksum. Paris traceroute uses this to keep the checksum (hashed
// by some load balancers) constant while identifiers vary, and the two-host
// responder to carry the flow in it. With SteerData, e.Data must hold at
// least two bytes, which are overwritten. want 0xffff is reached as the
// one's complement negative zero: the rest of the message sums to 0xffff,
// which a computed checksum would write as 0x0000 and the two-host
// reference server writes as 0xffff; receivers accept either.
func (e *Echo) SteerChecksum(src, dst netip.Addr, want uint16, via EchoField) error {
	const op = "steer ICMP echo checksum"
	var field *uint16
	var data uint16
	switch via {
	case SteerID:
		field = &e.ID
	case SteerSeq:
		field = &e.Seq
	case SteerData:
		if len(e.Data) < 2 {
			return errf(op, ErrInvalid, "%d data bytes, need 2 to steer", len(e.Data))
		}
		field = &data
		e.Data[0], e.Data[1] = 0, 0
	default:
		return errf(op, ErrInvalid, "field %v", via)
	}
	*field = 0
	target := want
	if want == 0xffff {
		target = 0 // negative zero: the same sum as a computed 0
	}
	x, ok := solveWord(e.sum(src, dst), target)
	if !ok {
		return errf(op, ErrChecksum, "no %v value yields checksum %#04x", via, want)
	}
	*field = x
	if via == SteerData {
		binary.BigEndian.PutUint16(e.Data, x)
	}
	e.Checksum = want
	return nil
}

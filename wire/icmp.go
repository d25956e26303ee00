package wire

import (
	"encoding/binary"
	"fmt"
)

// ICMPv4Type is an ICMPv4 message type (RFC 792).
type ICMPv4Type uint8

// ICMPv4 message types.
const (
	ICMPv4EchoReply    ICMPv4Type = 0
	ICMPv4DstUnreach   ICMPv4Type = 3
	ICMPv4Echo         ICMPv4Type = 8
	ICMPv4TimeExceeded ICMPv4Type = 11
	ICMPv4ParamProblem ICMPv4Type = 12
)

func (t ICMPv4Type) String() string {
	switch t {
	case ICMPv4EchoReply:
		return "echo-reply"
	case ICMPv4DstUnreach:
		return "dest-unreach"
	case ICMPv4Echo:
		return "echo"
	case ICMPv4TimeExceeded:
		return "time-exceeded"
	case ICMPv4ParamProblem:
		return "param-problem"
	}
	return fmt.Sprintf("icmp-type(%d)", uint8(t))
}

// ICMPv6Type is an ICMPv6 message type (RFC 4443).
type ICMPv6Type uint8

// ICMPv6 message types.
const (
	ICMPv6DstUnreach   ICMPv6Type = 1
	ICMPv6PacketTooBig ICMPv6Type = 2
	ICMPv6TimeExceeded ICMPv6Type = 3
	ICMPv6ParamProblem ICMPv6Type = 4
	ICMPv6Echo         ICMPv6Type = 128
	ICMPv6EchoReply    ICMPv6Type = 129
)

func (t ICMPv6Type) String() string {
	switch t {
	case ICMPv6DstUnreach:
		return "dest-unreach"
	case ICMPv6PacketTooBig:
		return "packet-too-big"
	case ICMPv6TimeExceeded:
		return "time-exceeded"
	case ICMPv6ParamProblem:
		return "param-problem"
	case ICMPv6Echo:
		return "echo"
	case ICMPv6EchoReply:
		return "echo-reply"
	}
	return fmt.Sprintf("icmpv6-type(%d)", uint8(t))
}

// ICMPHeaderLen is the length of the ICMP header: type, code, checksum and
// the 4-byte type-specific word.
const ICMPHeaderLen = 8

// ICMP is any ICMPv4 or ICMPv6 message in raw form, for dispatching on the
// type before decoding the message proper (Echo, TimeExceeded, DstUnreach,
// TwoHostRequest, TwoHostResponse). The wire does not say which ICMP
// version a message is: the socket does, so read Type as an ICMPv4Type or
// an ICMPv6Type accordingly. Unknown types are kept, not rejected. Body
// aliases the decoded buffer.
type ICMP struct {
	Type     uint8
	Code     uint8
	Checksum uint16
	Rest     [4]byte // the type-specific word: echo identifier and sequence, RFC 4884 length, MTU
	Body     []byte  // everything after the 8-byte header
}

// Len returns the encoded length.
func (m *ICMP) Len() int { return ICMPHeaderLen + len(m.Body) }

// AppendBinary appends the encoded message to b, checksum as given.
func (m *ICMP) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, m.Type, m.Code)
	b = binary.BigEndian.AppendUint16(b, m.Checksum)
	b = append(b, m.Rest[:]...)
	return append(b, m.Body...), nil
}

// Decode decodes the message in b into m.
func (m *ICMP) Decode(b []byte) error {
	if len(b) < ICMPHeaderLen {
		return short("decode ICMP message", len(b), ICMPHeaderLen)
	}
	m.Type, m.Code = b[0], b[1]
	m.Checksum = binary.BigEndian.Uint16(b[2:])
	m.Rest = [4]byte(b[4:8])
	m.Body = nil
	if len(b) > ICMPHeaderLen {
		m.Body = b[ICMPHeaderLen:]
	}
	return nil
}

// ID returns the first half of the type-specific word: the identifier of
// an echo request or reply.
func (m *ICMP) ID() uint16 { return binary.BigEndian.Uint16(m.Rest[0:]) }

// Seq returns the second half of the type-specific word: the sequence
// number of an echo request or reply.
func (m *ICMP) Seq() uint16 { return binary.BigEndian.Uint16(m.Rest[2:]) }

// icmpHeader decodes and checks the common header for a message decoder:
// the type must be v4 or v6 (which tells the version) and b at least min
// bytes long.
func icmpHeader(op string, b []byte, v4, v6 uint8, minLen int) (isV6 bool, err error) {
	if len(b) < minLen {
		return false, short(op, len(b), minLen)
	}
	switch b[0] {
	case v4:
		return false, nil
	case v6:
		return true, nil
	}
	return false, errf(op, ErrType, "ICMP type %d, want %d (ICMPv4) or %d (ICMPv6)", b[0], v4, v6)
}

// Original returns the original datagram quoted by an error message (time
// exceeded, destination unreachable, parameter problem) without decoding
// it as one: the part of Body before any RFC 4884 extensions, whose length
// octet is byte 5 of ICMPv4 errors and byte 4 of ICMPv6 ones. v6 says which
// the message is. Decode the result with Quote.Decode.
func (m *ICMP) Original(v6 bool) []byte {
	length := m.Rest[1]
	if v6 {
		length = m.Rest[0]
	}
	o, _ := splitOriginal(v6, length, m.Body)
	return o
}

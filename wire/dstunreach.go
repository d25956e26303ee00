package wire

import "net/netip"

// Destination unreachable codes for ICMPv4 (RFC 792; Linux answers a UDP
// probe to a closed port with CodePortUnreach).
const (
	CodeNetUnreach   uint8 = 0
	CodeHostUnreach  uint8 = 1
	CodeProtoUnreach uint8 = 2
	CodePortUnreach  uint8 = 3
	CodeFragNeeded   uint8 = 4
	CodeAdminProhib  uint8 = 13
)

// Destination unreachable codes for ICMPv6 (RFC 4443).
const (
	CodeV6NoRoute      uint8 = 0
	CodeV6AdminProhib  uint8 = 1
	CodeV6AddrUnreach  uint8 = 3
	CodeV6PortUnreach  uint8 = 4
	CodeV6RejectRoute  uint8 = 6
	CodeV6PolicyFailed uint8 = 5
)

// DstUnreach is an ICMPv4 (type 3, RFC 792) or ICMPv6 (type 1, RFC 4443)
// destination unreachable message, quoting the packet that could not be
// delivered. A destination answers a UDP probe to a closed port with one.
// Decode tells the version from the type; since ICMPv6 type 3 is time
// exceeded, dispatch on the socket's family first (see ICMP). Body aliases
// the decoded buffer.
type DstUnreach struct {
	V6       bool
	Code     uint8
	Checksum uint16 // as on the wire; SetChecksum computes it
	// Length is the RFC 4884 length of the original datagram field, in
	// 32-bit (ICMPv4) or 64-bit (ICMPv6) words; 0 when unused.
	Length uint8
	// MTU is the next-hop MTU of an ICMPv4 "fragmentation needed" (code 4,
	// RFC 1191); always 0 for ICMPv6.
	MTU uint16
	// Body is everything after the 8-byte header: the original datagram
	// (see Original) followed by any RFC 4884 extension structure.
	Body []byte
}

func (m *DstUnreach) fields() icmpError {
	return icmpError{v6: m.V6, code: m.Code, csum: m.Checksum, length: m.Length, mtu: m.MTU, body: m.Body}
}

// Len returns the encoded length.
func (m *DstUnreach) Len() int { return ICMPHeaderLen + len(m.Body) }

// AppendBinary appends the encoded message to b, checksum as given. An MTU
// on an ICMPv6 message is an error: that is packet too big.
func (m *DstUnreach) AppendBinary(b []byte) ([]byte, error) {
	if m.V6 && m.MTU != 0 {
		return b, errf("encode ICMP destination unreachable", ErrInvalid, "ICMPv6 has no MTU field (got %d)", m.MTU)
	}
	f := m.fields()
	return f.appendBinary(b, uint8(ICMPv4DstUnreach), uint8(ICMPv6DstUnreach)), nil
}

// Decode decodes the destination unreachable message in b into m. Other
// types give ErrType.
func (m *DstUnreach) Decode(b []byte) error {
	var f icmpError
	if err := f.decode("decode ICMP destination unreachable", b, uint8(ICMPv4DstUnreach), uint8(ICMPv6DstUnreach)); err != nil {
		return err
	}
	*m = DstUnreach{V6: f.v6, Code: f.code, Checksum: f.csum, Length: f.length, MTU: f.mtu, Body: f.body}
	return nil
}

// Original returns the quoted original datagram: the part of Body before
// any RFC 4884 extensions. Decode it with Quote.Decode.
func (m *DstUnreach) Original() []byte {
	o, _ := splitOriginal(m.V6, m.Length, m.Body)
	return o
}

// Extensions returns the RFC 4884 extension structure, nil when absent;
// golang.org/x/net/icmp parses its objects.
func (m *DstUnreach) Extensions() []byte {
	_, e := splitOriginal(m.V6, m.Length, m.Body)
	return e
}

// SetChecksum computes m's checksum into m.Checksum; src and dst matter
// for ICMPv6 only (pseudo-header).
func (m *DstUnreach) SetChecksum(src, dst netip.Addr) {
	m.Checksum = m.fields().checksum(uint8(ICMPv4DstUnreach), uint8(ICMPv6DstUnreach), src, dst)
}

package wire

import "net/netip"

// Time exceeded codes.
const (
	CodeTTLExceeded        uint8 = 0 // hop limit exceeded in transit
	CodeReassemblyExceeded uint8 = 1 // fragment reassembly time exceeded
)

// TimeExceeded is an ICMPv4 (type 11, RFC 792) or ICMPv6 (type 3, RFC
// 4443) time exceeded message: what a router sends when a probe's TTL runs
// out, quoting the probe. Decode tells the version from the type; since
// ICMPv4 type 3 is destination unreachable, dispatch on the socket's family
// first (see ICMP). Body aliases the decoded buffer.
type TimeExceeded struct {
	V6       bool
	Code     uint8
	Checksum uint16 // as on the wire; SetChecksum computes it
	// Length is the RFC 4884 length of the original datagram field, in
	// 32-bit (ICMPv4) or 64-bit (ICMPv6) words; 0 when the sender does not
	// use extensions.
	Length uint8
	// Body is everything after the 8-byte header: the original datagram
	// (see Original) followed by any RFC 4884 extension structure.
	Body []byte
}

func (m *TimeExceeded) fields() icmpError {
	return icmpError{v6: m.V6, code: m.Code, csum: m.Checksum, length: m.Length, body: m.Body}
}

// Len returns the encoded length.
func (m *TimeExceeded) Len() int { return ICMPHeaderLen + len(m.Body) }

// AppendBinary appends the encoded message to b, checksum as given.
func (m *TimeExceeded) AppendBinary(b []byte) ([]byte, error) {
	f := m.fields()
	return f.appendBinary(b, uint8(ICMPv4TimeExceeded), uint8(ICMPv6TimeExceeded)), nil
}

// Decode decodes the time exceeded message in b into m. Other types give
// ErrType.
func (m *TimeExceeded) Decode(b []byte) error {
	var f icmpError
	if err := f.decode("decode ICMP time exceeded", b, uint8(ICMPv4TimeExceeded), uint8(ICMPv6TimeExceeded)); err != nil {
		return err
	}
	*m = TimeExceeded{V6: f.v6, Code: f.code, Checksum: f.csum, Length: f.length, Body: f.body}
	return nil
}

// Original returns the quoted original datagram: the part of Body before
// any RFC 4884 extensions. Decode it with Quote.Decode.
func (m *TimeExceeded) Original() []byte {
	o, _ := splitOriginal(m.V6, m.Length, m.Body)
	return o
}

// Extensions returns the RFC 4884 extension structure, nil when absent;
// golang.org/x/net/icmp parses its objects.
func (m *TimeExceeded) Extensions() []byte {
	_, e := splitOriginal(m.V6, m.Length, m.Body)
	return e
}

// SetChecksum computes m's checksum into m.Checksum; src and dst matter
// for ICMPv6 only (pseudo-header).
func (m *TimeExceeded) SetChecksum(src, dst netip.Addr) {
	m.Checksum = m.fields().checksum(uint8(ICMPv4TimeExceeded), uint8(ICMPv6TimeExceeded), src, dst)
}

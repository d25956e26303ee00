package ipasn

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
)

// Annotation is the IP-to-AS annotation of one hop in an archive record:
// the "cidr" and "asn" fields, both JSON null when the address is not
// mapped. Embedded in a hop struct, its fields marshal alongside the hop's.
type Annotation struct {
	CIDR CIDR `json:"cidr"`
	ASN  ASN  `json:"asn"`
}

// Annotate returns the annotation of addr: the longest matching prefix and
// its first origin (Lookup gives all origins of a multi-origin prefix), or
// the zero Annotation (null, null) when no prefix matches. It does not
// allocate.
func (m *Map) Annotate(addr netip.Addr) Annotation {
	p, o, ok := m.Lookup(addr)
	if !ok {
		return Annotation{}
	}
	return Annotation{CIDR: CIDR{p}, ASN: ASN(o.First())}
}

// CIDR is the "cidr" field of an archive hop: a prefix, or JSON null when
// the prefix is invalid (unknown).
type CIDR struct{ Prefix netip.Prefix }

// String returns the prefix, or "" when unknown.
func (c CIDR) String() string {
	if !c.Prefix.IsValid() {
		return ""
	}
	return c.Prefix.String()
}

// MarshalJSON encodes the prefix as a string, or null when unknown.
func (c CIDR) MarshalJSON() ([]byte, error) {
	if !c.Prefix.IsValid() {
		return []byte("null"), nil
	}
	return strconv.AppendQuote(nil, c.Prefix.String()), nil
}

// UnmarshalJSON decodes a prefix string or null.
func (c *CIDR) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*c = CIDR{}
		return nil
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("unmarshal cidr %s: want a string or null", b)
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return fmt.Errorf("unmarshal cidr: %w", err)
	}
	*c = CIDR{p}
	return nil
}

// ASN is the "asn" field of an archive hop: an AS number, or JSON null when
// it is 0 (unknown; RFC 7607 reserves AS 0, so no prefix has it as origin).
type ASN uint32

// MarshalJSON encodes the number, or null for 0.
func (a ASN) MarshalJSON() ([]byte, error) {
	if a == 0 {
		return []byte("null"), nil
	}
	return strconv.AppendUint(nil, uint64(a), 10), nil
}

// UnmarshalJSON decodes a number or null.
func (a *ASN) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*a = 0
		return nil
	}
	n, err := strconv.ParseUint(string(b), 10, 32)
	if err != nil {
		return fmt.Errorf("unmarshal asn %s: want an integer in 0-4294967295 or null", b)
	}
	*a = ASN(n)
	return nil
}

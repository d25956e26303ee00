package ipasn

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/gaissmai/bart"
)

// SpecialRange is one special-purpose address block.
type SpecialRange struct {
	Prefix netip.Prefix
	Name   string // the registry's name for it, e.g. "Private-Use"
	RFC    string // the RFC that reserves it, e.g. "RFC 1918"
}

// String returns "192.168.0.0/16 (Private-Use, RFC 1918)".
func (s SpecialRange) String() string {
	return fmt.Sprintf("%v (%s, %s)", s.Prefix, s.Name, s.RFC)
}

// SpecialPurpose returns the ranges Bogons refuses unless allowed: the
// blocks of the IANA IPv4 and IPv6 Special-Purpose Address Registries
// (RFC 6890 and its updates) that are not globally reachable, the
// NAT64 well-known prefix, and multicast. The slice is new on every call.
func SpecialPurpose() []SpecialRange {
	r := func(p, name, rfc string) SpecialRange {
		return SpecialRange{netip.MustParsePrefix(p), name, rfc}
	}
	return []SpecialRange{
		r("0.0.0.0/8", "This network", "RFC 791"),
		r("10.0.0.0/8", "Private-Use", "RFC 1918"),
		r("100.64.0.0/10", "Shared Address Space", "RFC 6598"),
		r("127.0.0.0/8", "Loopback", "RFC 1122"),
		r("169.254.0.0/16", "Link Local", "RFC 3927"),
		r("172.16.0.0/12", "Private-Use", "RFC 1918"),
		r("192.0.0.0/24", "IETF Protocol Assignments", "RFC 6890"),
		r("192.0.2.0/24", "Documentation (TEST-NET-1)", "RFC 5737"),
		r("192.168.0.0/16", "Private-Use", "RFC 1918"),
		r("198.18.0.0/15", "Benchmarking", "RFC 2544"),
		r("198.51.100.0/24", "Documentation (TEST-NET-2)", "RFC 5737"),
		r("203.0.113.0/24", "Documentation (TEST-NET-3)", "RFC 5737"),
		r("224.0.0.0/4", "Multicast", "RFC 5771"),
		r("240.0.0.0/4", "Reserved", "RFC 1112"),
		r("255.255.255.255/32", "Limited Broadcast", "RFC 919"),
		r("::/128", "Unspecified Address", "RFC 4291"),
		r("::1/128", "Loopback Address", "RFC 4291"),
		r("::ffff:0:0/96", "IPv4-mapped Address", "RFC 4291"),
		r("64:ff9b::/96", "IPv4-IPv6 Translation", "RFC 6052"),
		r("64:ff9b:1::/48", "IPv4-IPv6 Translation (local use)", "RFC 8215"),
		r("100::/64", "Discard-Only Address Block", "RFC 6666"),
		r("2001::/23", "IETF Protocol Assignments", "RFC 2928"),
		r("2001:db8::/32", "Documentation", "RFC 3849"),
		r("3fff::/20", "Documentation", "RFC 9637"),
		r("5f00::/16", "Segment Routing (SRv6) SIDs", "RFC 9602"),
		r("fc00::/7", "Unique-Local", "RFC 4193"),
		r("fe80::/10", "Link-Local Unicast", "RFC 4291"),
		r("ff00::/8", "Multicast", "RFC 4291"),
	}
}

// ErrBogon is matched (errors.Is) by every *BogonError.
var ErrBogon = errors.New("bogon address")

// BogonError says that an address is not a valid measurement target.
type BogonError struct {
	Addr  netip.Addr
	Range SpecialRange // zero when Addr is invalid or Bogons was not made by NewBogons
}

// Error names the address and the special-purpose range it lies in.
func (e *BogonError) Error() string {
	switch {
	case !e.Addr.IsValid():
		return fmt.Sprintf("bogon address %v: not a valid IP address", e.Addr)
	case !e.Range.Prefix.IsValid():
		return fmt.Sprintf("bogon address %v: no bogon list (use NewBogons)", e.Addr)
	}
	return fmt.Sprintf("bogon address %v: in %v, not in the allow-list", e.Addr, e.Range)
}

// Is reports whether target is ErrBogon.
func (e *BogonError) Is(target error) bool { return target == ErrBogon }

// Bogons decides which addresses are bogons: those in a special-purpose
// range (SpecialPurpose) and not in the allow-list it was made with.
//
// Make one with NewBogons. The zero value fails closed: every address is a
// bogon. A Bogons is immutable and safe for concurrent use.
type Bogons struct {
	ranges  []SpecialRange
	special bart.Table[int] // index into ranges
	allow   bart.Lite
}

// NewBogons returns a Bogons that refuses the special-purpose ranges except
// addresses inside the allow-list, e.g. the prefixes a lab numbers itself
// from. Allow-list prefixes must be valid, masked and not IPv4-mapped.
func NewBogons(allow ...netip.Prefix) (*Bogons, error) {
	b := &Bogons{ranges: SpecialPurpose()}
	for i, s := range b.ranges {
		b.special.Insert(s.Prefix, i)
	}
	for _, p := range allow {
		if err := checkPrefix(p); err != nil {
			return nil, fmt.Errorf("bogon allow-list %v: %w", p, err)
		}
		b.allow.Insert(p)
	}
	return b, nil
}

// Allowed returns the allow-list, IPv4 before IPv6, in address order.
func (b *Bogons) Allowed() []netip.Prefix {
	if b == nil {
		return nil
	}
	return slices.Collect(b.allow.AllSorted())
}

// IsBogon reports whether addr is a bogon: invalid, or in a special-purpose
// range and not in the allow-list. Zones are ignored. An IPv4-mapped IPv6
// address is judged as IPv6, where ::ffff:0:0/96 makes it a bogon: callers
// that mean IPv4 unmap it first. IsBogon does not allocate.
func (b *Bogons) IsBogon(addr netip.Addr) bool {
	_, bogon := b.find(addr)
	return bogon
}

// Check returns nil for an address that is not a bogon, and a *BogonError
// (matching ErrBogon) naming the special-purpose range for one that is.
func (b *Bogons) Check(addr netip.Addr) error {
	s, bogon := b.find(addr)
	if !bogon {
		return nil
	}
	return &BogonError{Addr: addr, Range: s}
}

func (b *Bogons) find(addr netip.Addr) (SpecialRange, bool) {
	if !addr.IsValid() || b == nil || len(b.ranges) == 0 {
		return SpecialRange{}, true
	}
	addr = addr.WithZone("")
	i, special := b.special.Lookup(addr)
	if !special || b.allow.Contains(addr) {
		return SpecialRange{}, false
	}
	return b.ranges[i], true
}

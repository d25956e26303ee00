package eval

import (
	"net/netip"

	"github.com/gaissmai/bart"

	"github.com/revtr/revtr/topo"
)

// PrefixASMap is an IP-to-AS map of the announced AS aggregates, as a
// RouteViews prefix-to-AS file of the topology would give (the addresses
// of an inter-AS link map to the AS that numbers the link, on both of its
// routers: the border ambiguity of the real thing). Package ipasn will
// replace it.
type PrefixASMap struct {
	t *bart.Table[uint32]
}

// NewPrefixASMap builds the map from t's AS prefixes (IPv4 and IPv6).
func NewPrefixASMap(t *topo.Topology) *PrefixASMap {
	m := &PrefixASMap{t: new(bart.Table[uint32])}
	for _, as := range t.ASes {
		for _, p := range []netip.Prefix{as.Prefix, as.Prefix6} {
			if p.IsValid() {
				m.t.Insert(p, as.Number)
			}
		}
	}
	return m
}

// Lookup returns the longest announced prefix covering addr and its AS.
func (m *PrefixASMap) Lookup(addr netip.Addr) (netip.Prefix, uint32, bool) {
	if !addr.IsValid() {
		return netip.Prefix{}, 0, false
	}
	p, as, ok := m.t.LookupPrefixLPM(netip.PrefixFrom(addr, addr.BitLen()))
	return p, as, ok
}

// Prefix returns the announced prefix covering addr, else its /24.
func (m *PrefixASMap) Prefix(addr netip.Addr) netip.Prefix {
	if p, _, ok := m.Lookup(addr); ok {
		return p
	}
	bits := 24
	if addr.Is6() {
		bits = 48
	}
	p, _ := addr.Prefix(bits)
	return p
}

package atlas

import "net/netip"

// aliasSet is alias knowledge as disjoint sets of addresses. Every
// address of a set of two or more points at its set's root directly (a
// union repoints the smaller set's members), so that finding the root,
// which every intersection check does, is one map look-up. Not safe for
// concurrent use: the Index guards it.
type aliasSet struct {
	parent map[netip.Addr]netip.Addr   // member → root
	member map[netip.Addr][]netip.Addr // root → members
}

func newAliasSet() *aliasSet {
	return &aliasSet{parent: make(map[netip.Addr]netip.Addr), member: make(map[netip.Addr][]netip.Addr)}
}

func (s *aliasSet) root(a netip.Addr) netip.Addr {
	if r, ok := s.parent[a]; ok {
		return r
	}
	return a
}

// union records that a and b are one router.
func (s *aliasSet) union(a, b netip.Addr) {
	ra, rb := s.root(a), s.root(b)
	if ra == rb {
		return
	}
	ma, mb := s.members(ra), s.members(rb)
	if len(ma) < len(mb) {
		ra, rb, ma, mb = rb, ra, mb, ma
	}
	for _, m := range mb {
		s.parent[m] = ra
	}
	s.parent[ra] = ra
	s.member[ra] = append(ma, mb...)
	delete(s.member, rb)
}

func (s *aliasSet) members(r netip.Addr) []netip.Addr {
	if m, ok := s.member[r]; ok {
		return m
	}
	return []netip.Addr{r}
}

// of returns a's known aliases, a included.
func (s *aliasSet) of(a netip.Addr) []netip.Addr { return s.members(s.root(a)) }

// same reports whether a and b are known aliases.
func (s *aliasSet) same(a, b netip.Addr) bool { return a == b || s.root(a) == s.root(b) }

// inferAliases learns aliases from a path's Record Route pings: when the
// reverse slots from hop j are x followed by exactly what the slots from
// hop j+1 start with, x is the interface hop j+1's router stamped, an
// alias of the address traceroute showed for it. (A router that does not
// stamp makes the two start alike instead, and teaches nothing.)
func inferAliases(s *aliasSet, p *Path) {
	for j := 0; j+1 < len(p.Hops); j++ {
		a, b, next := p.RR[j], p.RR[j+1], p.Hops[j+1]
		if !next.IsValid() || next == p.Src || len(a) < 2 || len(b) < 1 {
			continue
		}
		if a[1] == b[0] && a[0] != b[0] {
			s.union(a[0], next)
		}
	}
}

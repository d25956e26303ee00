// Package apar infers router aliases from traceroute paths alone, with no
// extra probes, in the manner of APAR (Gunes and Sarac, "Resolving IP
// aliases in building traceroute-based Internet maps", IEEE/ACM ToN 2009),
// as the two-host reference client does for two-way traces.
//
// The inference rests on how traceroute sees a router: each hop shows the
// interface the probe arrived on (the Linux icmp_errors_use_inbound_ifaddr
// behaviour), and a point-to-point link is numbered out of one /31 (RFC
// 3021) or the two host addresses of one /30 (taken as such only when no
// address of the input is a /30's network or broadcast address, which
// /30 numbering never hands out: in /31-numbered networks the /30 partner
// is on another link). When a path shows u then v,
// the probe crossed the link from u's router P into v's router R, so v is
// R's end of that link. An address w that shares v's point-to-point subnet
// is the other end of the link: P's. So u and w are aliases — whichever
// path showed w. A two-way measurement shows most links from both sides,
// the forward path entering a router from one link and the reverse path
// from another, which is where the pairs come from.
//
// A pair is refused when it would put two addresses of one path into one
// router (a router appears once on a loop-free path). IPv4 only: IPv6
// links are often numbered /64 and no subnet pairs them.
package apar

import (
	"cmp"
	"net/netip"
	"slices"
)

// Resolve returns the alias sets that paths reveal: each set holds two or
// more addresses of one router, sorted; sets are sorted by their first
// address. Each path lists the addresses of consecutive TTLs in the order
// the probes went, the path's source first; a zero address is a silent
// hop. Paths of both directions of a measurement go in together, in any
// order.
func Resolve(paths [][]netip.Addr) [][]netip.Addr {
	u := newUnion()
	onPath := pathsOf(paths)
	for _, c := range candidates(paths) {
		u.join(c[0], c[1], onPath)
	}
	return u.sets()
}

// Pairs returns every pair of aliases the sets name, each pair ordered.
func Pairs(sets [][]netip.Addr) [][2]netip.Addr {
	var out [][2]netip.Addr
	for _, s := range sets {
		for i := range s {
			for _, b := range s[i+1:] {
				out = append(out, [2]netip.Addr{s[i], b})
			}
		}
	}
	return out
}

// candidates returns the alias pairs the links of paths imply, sorted and
// without repeats: for each link u -> v and each address w seen anywhere
// that is v's point-to-point peer, (u, w).
func candidates(paths [][]netip.Addr) [][2]netip.Addr {
	seen := map[netip.Addr]bool{}
	slash30 := true // every address a /30 host address
	for _, p := range paths {
		for _, a := range p {
			if a.Is4() {
				seen[a] = true
				if pos := a.As4()[3] & 3; pos == 0 || pos == 3 {
					slash30 = false
				}
			}
		}
	}
	var out [][2]netip.Addr
	for _, p := range paths {
		for i := 1; i < len(p); i++ {
			u, v := p[i-1], p[i]
			if !u.Is4() || !v.Is4() {
				continue
			}
			for _, w := range peers(v, slash30) {
				if seen[w] && w != u {
					out = append(out, ordered(u, w))
				}
			}
		}
	}
	slices.SortFunc(out, comparePairs)
	return slices.Compact(out)
}

// peers returns the addresses that may be the other end of a
// point-to-point link numbered with a: its /31 partner, and with slash30
// its /30 partner.
func peers(a netip.Addr, slash30 bool) []netip.Addr {
	b := a.As4()
	last := b[3]
	var out []netip.Addr
	b[3] = last ^ 1
	out = append(out, netip.AddrFrom4(b))
	if pos := last & 3; slash30 && (pos == 1 || pos == 2) {
		b[3] = last&^3 | (3 - pos)
		out = append(out, netip.AddrFrom4(b))
	}
	return out
}

func ordered(a, b netip.Addr) [2]netip.Addr {
	if b.Less(a) {
		a, b = b, a
	}
	return [2]netip.Addr{a, b}
}

func comparePairs(x, y [2]netip.Addr) int {
	return cmp.Or(x[0].Compare(y[0]), x[1].Compare(y[1]))
}

// pathsOf maps each address to the paths it is on.
func pathsOf(paths [][]netip.Addr) map[netip.Addr][]int {
	on := map[netip.Addr][]int{}
	for i, p := range paths {
		for _, a := range p {
			if a.IsValid() && !slices.Contains(on[a], i) {
				on[a] = append(on[a], i)
			}
		}
	}
	return on
}

// union is a union-find over addresses whose sets never hold two
// addresses of one path.
type union struct {
	parent map[netip.Addr]netip.Addr
	paths  map[netip.Addr][]int // of each root: the paths its set is on
}

func newUnion() *union {
	return &union{parent: map[netip.Addr]netip.Addr{}, paths: map[netip.Addr][]int{}}
}

func (u *union) find(a netip.Addr) netip.Addr {
	for {
		p, ok := u.parent[a]
		if !ok || p == a {
			return a
		}
		a = p
	}
}

// join merges a's and b's sets unless the merged set would be on one
// path twice.
func (u *union) join(a, b netip.Addr, onPath map[netip.Addr][]int) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return
	}
	pa, pb := u.pathsOfSet(ra, onPath), u.pathsOfSet(rb, onPath)
	for _, p := range pa {
		if slices.Contains(pb, p) {
			return
		}
	}
	u.parent[ra], u.parent[rb] = ra, ra
	u.paths[ra] = append(slices.Clone(pa), pb...)
}

func (u *union) pathsOfSet(root netip.Addr, onPath map[netip.Addr][]int) []int {
	if ps, ok := u.paths[root]; ok {
		return ps
	}
	return onPath[root]
}

// sets returns the sets of two or more addresses, sorted.
func (u *union) sets() [][]netip.Addr {
	by := map[netip.Addr][]netip.Addr{}
	for a := range u.parent {
		r := u.find(a)
		by[r] = append(by[r], a)
	}
	var out [][]netip.Addr
	for _, s := range by {
		if len(s) > 1 {
			slices.SortFunc(s, netip.Addr.Compare)
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(x, y []netip.Addr) int { return x[0].Compare(y[0]) })
	return out
}

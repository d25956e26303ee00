package atlas

import "net/netip"

// rrHit is the rest of path p after the Record Route interface at, seen
// in slot ref.slot of the ping to hop ref.hop: the slots after it, then,
// unless they reach the source, the traceroute from the router of the
// last slot on. Where that router sits on the traceroute is known exactly
// when the last slot is a known alias of a traceroute hop; otherwise it
// is bounded (see position), and the traceroute hops inside the bounds
// are candidates.
func (x *Index) rrHit(p *Path, at netip.Addr, ref rrRef) Hit {
	h := Hit{Kind: OnRR, PathID: p.ID, Time: p.Time, At: at}
	slots := p.RR[ref.hop]
	for _, a := range slots[ref.slot+1:] {
		h.Hops = append(h.Hops, Hop{Addr: a})
	}
	lo, hi, ok := x.join(p, ref)
	if !ok {
		return h
	}
	for q := lo + 1; q < len(p.Hops); q++ {
		if a := p.Hops[q]; a.IsValid() {
			h.Hops = append(h.Hops, Hop{Addr: a, Candidate: q <= hi})
		}
	}
	return h
}

// join bounds where the router of the last slot of the ping to hop
// ref.hop sits on the traceroute; ok is false when the slots reach the
// source and need no join.
func (x *Index) join(p *Path, ref rrRef) (lo, hi int, ok bool) {
	slots := p.RR[ref.hop]
	last := slots[len(slots)-1]
	if last == p.Src {
		return 0, 0, false
	}
	lo, hi = x.position(p, last, ref.hop+len(slots))
	return lo, hi, true
}

// rrCandidates counts the candidate hops rrHit would return.
func (x *Index) rrCandidates(p *Path, ref rrRef) int {
	lo, hi, ok := x.join(p, ref)
	if !ok {
		return 0
	}
	n := 0
	for q := lo + 1; q <= hi && q < len(p.Hops); q++ {
		if p.Hops[q].IsValid() {
			n++
		}
	}
	return n
}

// position bounds the traceroute hop whose router stamped r: exactly
// where r is a known alias of a hop; otherwise no earlier than every
// Record Route ping that saw it implies (a stamp in slot k after hop j
// comes from hop j+1+k or later, later when routers do not stamp), at
// least lo, and no later than the first hop from which a Record Route ping
// reached the source without seeing r.
func (x *Index) position(p *Path, r netip.Addr, lo int) (int, int) {
	if _, aliased := x.aliases.parent[r]; aliased {
		root := x.aliases.root(r)
		for q, a := range p.Hops {
			if a.IsValid() && x.aliases.root(a) == root {
				return q, q
			}
		}
	}
	last := len(p.Hops) - 2 // the last router before the source
	for j, slots := range p.RR {
		for k, a := range slots {
			if a == r {
				lo = max(lo, j+1+k)
			}
		}
	}
	lo = min(lo, last)
	hi := last
	for j := lo; j <= last; j++ {
		if s := p.RR[j]; len(s) > 0 && s[len(s)-1] == p.Src && !contains(s, r) {
			hi = j
			break
		}
	}
	return lo, hi
}

func contains(s []netip.Addr, a netip.Addr) bool {
	for _, x := range s {
		if x == a {
			return true
		}
	}
	return false
}

package revtr

import (
	"net/netip"
	"sync"
	"time"
)

// DefaultPathEntries bounds the addresses a PathAtlas indexes: ~40 MiB at
// most.
const DefaultPathEntries = 1 << 19

// PathAtlas holds the reverse paths engines measured toward each source —
// a reverse path from D to S is a path toward S from each of its hops —
// so that a later reverse traceroute toward S that reaches one of those
// hops takes the rest of the path from there (HopPathAtlas) instead of
// measuring it, as it would from an atlas traceroute. Only the part of a
// path measured hop by hop is kept: the hops after its last assumed
// (symmetry) or candidate hop. An address through which two kept paths
// toward one source went on to different routers splits: routers
// balancing load per flow, or a route that changed, make the next hop of
// another flow unknown there, so no path is taken through it — a reused
// path ends at its first split address (measuring goes on from there),
// and none is taken from a split address. It indexes at most a bounded
// number of (source, address) pairs, the newest path through each; past
// the bound the older half is forgotten. Safe for concurrent use.
type PathAtlas struct {
	mu sync.Mutex
	m  bounded[pathKey, pathRef]
}

// pathKey is an address on a path toward a source.
type pathKey struct{ src, addr netip.Addr }

// pathRef is where an address is on a kept path, and whether kept paths
// through it went on to different routers.
type pathRef struct {
	p     *keptPath
	at    int
	split bool
}

// next is the address after the referenced one on its path.
func (r pathRef) next() netip.Addr { return r.p.hops[r.at+1] }

// keptPath is the measured part of a reverse path toward its source:
// hops ends at the source.
type keptPath struct {
	id   uint64    // the reverse traceroute that measured it
	date time.Time // when its oldest part was measured
	hops []netip.Addr
}

// NewPathAtlas returns an empty path atlas indexing at most entries
// addresses (0: DefaultPathEntries).
func NewPathAtlas(entries int) *PathAtlas {
	if entries <= 0 {
		entries = DefaultPathEntries
	}
	return &PathAtlas{m: newBounded[pathKey, pathRef](entries)}
}

// add keeps the measured part of a reverse path that reached src, dated
// at (the start of the oldest measurement in it); same tells whether two
// addresses are one router's.
func (a *PathAtlas) add(id uint64, src netip.Addr, hops []Hop, at time.Time, same func(x, y netip.Addr) bool) {
	first := measuredFrom(hops)
	if first >= len(hops)-1 {
		return
	}
	p := &keptPath{id: id, date: at, hops: make([]netip.Addr, 0, len(hops)-first)}
	for _, h := range hops[first:] {
		p.hops = append(p.hops, h.Addr)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, addr := range p.hops[:len(p.hops)-1] {
		k := pathKey{src, addr}
		ref := pathRef{p: p, at: i}
		if old, ok := a.m.get(k); ok {
			ref.split = old.split || !same(old.next(), p.hops[i+1])
			if old.p.date.After(at) {
				ref.p, ref.at = old.p, old.at
			}
		}
		a.m.put(k, ref)
	}
}

// measuredFrom returns the first hop of the measured tail of a path
// ending at its source: every hop after it was measured, none assumed or
// a candidate. An assumed hop starts the tail (its address is a real
// router's, the path after it measured); a candidate does not.
func measuredFrom(hops []Hop) int {
	for i := len(hops) - 1; i > 0; i-- {
		switch {
		case hops[i].Candidate:
			return i + 1
		case hops[i].Type.Symmetry():
			return i
		}
	}
	return 0
}

// Intersect returns the rest of the newest path toward src through addr
// measured at or after notBefore, up to its first split address, the ID
// of the reverse traceroute that measured it and when; none through a
// split address.
func (a *PathAtlas) Intersect(src, addr netip.Addr, notBefore time.Time) (rest []netip.Addr, id uint64, at time.Time, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.m.get(pathKey{src, addr})
	if !ok || r.split || r.p.date.Before(notBefore) {
		return nil, 0, time.Time{}, false
	}
	rest = r.p.hops[r.at+1:]
	for i, h := range rest[:len(rest)-1] {
		if hr, ok := a.m.get(pathKey{src, h}); ok && hr.split {
			rest = rest[:i+1]
			break
		}
	}
	return rest, r.p.id, r.p.date, true
}

// Len is how many (source, address) pairs the atlas indexes.
func (a *PathAtlas) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.m.len()
}

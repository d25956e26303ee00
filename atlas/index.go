package atlas

import (
	"net/netip"
	"sync"
	"time"
)

// DefaultStaleness is how long an atlas traceroute stays usable (the
// reference's default).
const DefaultStaleness = 24 * time.Hour

// Index answers intersection queries over the atlases of many sources and
// holds the aliases they taught. It is safe for concurrent use; Set
// replaces a source's atlas (a refresh).
type Index struct {
	mu      sync.RWMutex
	sources map[netip.Addr]*sourceIndex
	aliases *aliasSet
}

// sourceIndex is the atlas toward one source.
type sourceIndex struct {
	paths []*Path
	trace map[netip.Addr][]traceRef
	rr    map[netip.Addr][]rrRef
}

type traceRef struct{ path, hop int }

type rrRef struct{ path, hop, slot int }

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{sources: make(map[netip.Addr]*sourceIndex), aliases: newAliasSet()}
}

// Set makes paths the atlas toward src, replacing any older one, and
// learns the aliases they reveal. Only complete paths (reaching src) are
// used.
func (x *Index) Set(src netip.Addr, paths []*Path) {
	si := &sourceIndex{trace: make(map[netip.Addr][]traceRef), rr: make(map[netip.Addr][]rrRef)}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, p := range paths {
		if p.Src != src || !p.Complete() {
			continue
		}
		pi := len(si.paths)
		si.paths = append(si.paths, p)
		for j, a := range p.Hops {
			if a.IsValid() {
				si.trace[a] = append(si.trace[a], traceRef{pi, j})
			}
			for k, r := range p.RR[j] {
				si.rr[r] = append(si.rr[r], rrRef{pi, j, k})
			}
		}
		inferAliases(x.aliases, p)
	}
	x.sources[src] = si
}

// AddAlias records alias knowledge from elsewhere (alias resolution).
func (x *Index) AddAlias(a, b netip.Addr) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.aliases.union(a, b)
}

// SameRouter reports whether a and b are known aliases.
func (x *Index) SameRouter(a, b netip.Addr) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.aliases.same(a, b)
}

// Aliases returns the known aliases of a, a included.
func (x *Index) Aliases(a netip.Addr) []netip.Addr {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return append([]netip.Addr(nil), x.aliases.of(a)...)
}

// Fresh reports whether src has an atlas whose newest path is not older
// than maxAge at now (0 means DefaultStaleness): false means it needs a
// (re)build.
func (x *Index) Fresh(src netip.Addr, now time.Time, maxAge time.Duration) bool {
	if maxAge <= 0 {
		maxAge = DefaultStaleness
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	si := x.sources[src]
	if si == nil {
		return false
	}
	for _, p := range si.paths {
		if !p.Time.Before(now.Add(-maxAge)) {
			return true
		}
	}
	return false
}

// Intersect looks addr, and its known aliases, up on the atlas toward src,
// ignoring paths measured before notBefore. Among the hits it returns the
// one from the freshest path, a traceroute hit before a Record Route one,
// then the one with fewest candidate hops. Only the winner is built.
func (x *Index) Intersect(src, addr netip.Addr, notBefore time.Time) (Hit, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	si := x.sources[src]
	if si == nil {
		return Hit{}, false
	}
	single := [1]netip.Addr{addr}
	cands := x.aliases.member[x.aliases.root(addr)]
	if cands == nil {
		cands = single[:]
	}
	tp, tAt, tRef := si.bestTrace(cands, notBefore)
	rp, rAt, rRef := x.bestRR(si, cands, notBefore, tp)
	switch {
	case rp != nil:
		return x.rrHit(rp, rAt, rRef), true
	case tp != nil:
		return traceHit(tp, tAt, tRef.hop), true
	}
	return Hit{}, false
}

// bestTrace returns the freshest traceroute hit among the candidates.
func (si *sourceIndex) bestTrace(cands []netip.Addr, notBefore time.Time) (*Path, netip.Addr, traceRef) {
	var best *Path
	var at netip.Addr
	var ref traceRef
	for _, a := range cands {
		for _, r := range si.trace[a] {
			p := si.paths[r.path]
			if !p.Time.Before(notBefore) && (best == nil || p.Time.After(best.Time)) {
				best, at, ref = p, a, r
			}
		}
	}
	return best, at, ref
}

// bestRR returns the Record Route hit that beats the traceroute hit from
// path tp (nil: none): fresher than it, then with fewest candidates.
func (x *Index) bestRR(si *sourceIndex, cands []netip.Addr, notBefore time.Time, tp *Path) (*Path, netip.Addr, rrRef) {
	var best *Path
	var at netip.Addr
	var ref rrRef
	bestC := 0
	for _, a := range cands {
		for _, r := range si.rr[a] {
			p := si.paths[r.path]
			if p.Time.Before(notBefore) || tp != nil && !p.Time.After(tp.Time) {
				continue
			}
			if best != nil && p.Time.Before(best.Time) {
				continue
			}
			c := x.rrCandidates(p, r)
			if best == nil || p.Time.After(best.Time) || c < bestC {
				best, at, ref, bestC = p, a, r, c
			}
		}
	}
	return best, at, ref
}

// traceHit is the rest of path p after hop j.
func traceHit(p *Path, at netip.Addr, j int) Hit {
	h := Hit{Kind: OnTrace, PathID: p.ID, Time: p.Time, At: at}
	for _, a := range p.Hops[j+1:] {
		if a.IsValid() {
			h.Hops = append(h.Hops, Hop{Addr: a})
		}
	}
	return h
}

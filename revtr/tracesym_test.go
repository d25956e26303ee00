package revtr_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/revtr/revtr/atlas"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
)

// TestShortTraces: the traceroute that assumed symmetry needs starts, for
// our policy, at the TTL before the one at which an earlier traceroute
// from the source entered the hop's prefix; when that was too late to
// show a hop before it, a full one follows. The reference always traces
// from TTL 1.
func TestShortTraces(t *testing.T) {
	d1, d2, d3 := ip("10.7.0.1"), ip("10.7.0.2"), ip("10.7.0.3")
	r1, r2, r3, r4 := ip("10.3.0.1"), ip("10.3.0.2"), ip("10.4.0.1"), ip("10.4.0.2")
	hops := map[netip.Addr][]netip.Addr{d1: {r1, r2, r3, r4, ip("10.7.9.1"), d1}, d2: {r1, r2, r3, r4, ip("10.7.9.2"), d2},
		d3: {r1, ip("10.7.9.3"), d3}}
	for _, tc := range []struct {
		pol    revtr.Policy
		firsts []int
		probes []int
	}{
		{revtr.DefaultPolicy(), []int{1, 4, 4, 0}, []int{6, 3, 4}},
		{revtr.ReferencePolicy(), []int{0, 0, 0}, []int{6, 6, 3}},
	} {
		var firsts []int
		p := traceScript{slowScript: &slowScript{}, hops: hops, firsts: &firsts}
		home := fakeAtlas{} // the penultimate hops are on atlas traceroutes: one symmetry step each
		for _, d := range []netip.Addr{d1, d2, d3} {
			home[hops[d][len(hops[d])-2]] = atlas.Hit{Kind: atlas.OnTrace, Hops: []atlas.Hop{{Addr: fSrc}}}
		}
		e := cacheEngineWith(t, p, tc.pol, func(c *revtr.Config) { c.Atlas = home })
		var probes []int
		for _, d := range []netip.Addr{d1, d2, d3} {
			res := runAt(t, e, 0, revtr.Request{Src: fSrc, Dst: d, Symmetry: revtr.SymmetryAllowInter})
			if len(res.Hops) < 2 || res.Hops[1].Addr != hops[d][len(hops[d])-2] {
				t.Errorf("%s: toward %v: hops %v, want the penultimate hop assumed", tc.pol.Name, d, addrsOf(res.Hops))
			}
			probes = append(probes, res.Cost.Trace)
		}
		if !slices.Equal(firsts, tc.firsts) || !slices.Equal(probes, tc.probes) {
			t.Errorf("%s: first TTLs %v, traceroute probes %v; want %v, %v", tc.pol.Name, firsts, probes, tc.firsts, tc.probes)
		}
	}
}

// TestPreferAtlas: a Record Route segment that reaches the source is cut,
// for our policy, at its first hop on an atlas traceroute where the
// traceroute's continuation only adds to the segment's rest — it is no
// shorter and shows an AS the rest does not (a router that did not
// stamp), or it has every hop of the rest, aliases resolved; the
// reference keeps the segment. A continuation that lacks a hop of the rest
// and adds no AS (its router sent no time exceeded; the traceroute shows
// another in its place) would swap a router of the reply's path for
// another: the segment is kept.
func TestPreferAtlas(t *testing.T) {
	a, b, b2, x, y, y2 := ip("10.4.0.1"), ip("10.2.0.1"), ip("10.2.0.2"), ip("10.3.0.9"), ip("10.2.0.7"), ip("10.2.0.8")
	p := &slowScript{script: script{rr: map[netip.Addr][]netip.Addr{fDst: {fDst, fDst, a, b, fSrc}}}}
	kept := []netip.Addr{fDst, a, b, fSrc}
	for _, tc := range []struct {
		name string
		pol  revtr.Policy
		cont []netip.Addr // the atlas traceroute after a
		want []netip.Addr
	}{
		{"new AS", revtr.DefaultPolicy(), []netip.Addr{x, b2, fSrc}, []netip.Addr{fDst, a, x, b2, fSrc}},
		{"new AS, reference", revtr.ReferencePolicy(), []netip.Addr{x, b2, fSrc}, kept},
		{"as long, an AS the rest lacks", revtr.DefaultPolicy(), []netip.Addr{x, fSrc}, []netip.Addr{fDst, a, x, fSrc}},
		{"shorter", revtr.DefaultPolicy(), []netip.Addr{fSrc}, kept},
		{"a hop swapped", revtr.DefaultPolicy(), []netip.Addr{y, fSrc}, kept},
		{"longer, no new AS, a hop lacking", revtr.DefaultPolicy(), []netip.Addr{y, y2, fSrc}, kept},
		{"every hop, aliases resolved", revtr.DefaultPolicy(), []netip.Addr{y, b2, fSrc}, []netip.Addr{fDst, a, y, b2, fSrc}},
	} {
		hops := make([]atlas.Hop, len(tc.cont))
		for i, h := range tc.cont {
			hops[i] = atlas.Hop{Addr: h}
		}
		at := fakeAtlas{a: {Kind: atlas.OnTrace, PathID: 9, Hops: hops}}
		e := cacheEngineWith(t, p, tc.pol, func(c *revtr.Config) { c.Atlas, c.Aliases = at, aliasPair{b, b2} })
		if res := runAt(t, e, 0, revtr.Request{Src: fSrc, Dst: fDst}); !slices.Equal(addrsOf(res.Hops), tc.want) {
			t.Errorf("%s (%s): hops %v, want %v", tc.name, tc.pol.Name, addrsOf(res.Hops), tc.want)
		}
	}
}

// aliasPair knows that its two addresses are one router.
type aliasPair [2]netip.Addr

func (p aliasPair) SameRouter(a, b netip.Addr) bool {
	return a == b || (a == p[0] && b == p[1]) || (a == p[1] && b == p[0])
}

// traceScript answers traceroutes from the source with fixed paths (the
// destination last, answering every TTL from its distance on), and
// records the first TTL of each.
type traceScript struct {
	*slowScript
	hops   map[netip.Addr][]netip.Addr
	firsts *[]int
}

func (s traceScript) Traceroute(_ context.Context, r meas.TraceRequest) (meas.Trace, error) {
	if s.firsts != nil {
		*s.firsts = append(*s.firsts, r.FirstTTL)
	}
	tr := meas.Trace{Src: r.Src, Dst: r.Dst, Stop: meas.StopCompleted}
	path := s.hops[r.Dst]
	if len(path) == 0 {
		return meas.Trace{Src: r.Src, Dst: r.Dst, Stop: meas.StopGapLimit, Probes: 5}, nil
	}
	first := max(r.FirstTTL, 1)
	for ttl := first; ttl <= len(path); ttl++ {
		tr.Hops = append(tr.Hops, meas.Hop{TTL: ttl, Addr: path[ttl-1]})
	}
	if first > len(path) {
		tr.Hops = append(tr.Hops, meas.Hop{TTL: first, Addr: r.Dst})
	}
	tr.Probes = len(tr.Hops)
	return tr, nil
}

// TestSymmetryNames: every stance's name parses back to it; others are
// refused.
func TestSymmetryNames(t *testing.T) {
	for _, s := range []revtr.Symmetry{revtr.SymmetryPolicy, revtr.SymmetryRefuseInter, revtr.SymmetryAllowInter, revtr.SymmetryNever} {
		if got, err := revtr.ParseSymmetry(s.String()); err != nil || got != s {
			t.Errorf("%v: parsed %v, %v", s, got, err)
		}
	}
	if _, err := revtr.ParseSymmetry("Allow-Inter"); err == nil {
		t.Error(`"Allow-Inter" parsed`)
	}
	if got := revtr.Symmetry(9).String(); got != "Symmetry(9)" {
		t.Errorf("Symmetry(9) = %q", got)
	}
}

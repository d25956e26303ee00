package revtr_test

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/revtr/revtr/revtr"
)

// TestPathReuse: a reverse traceroute that gets stuck at a hop an earlier
// one's reverse path went through takes the rest of that path (type 21,
// measured by the earlier reverse traceroute: its ID), no symmetry
// traceroute sent; once the earlier path is older than ReusePaths it
// assumes symmetry instead. The reference reuses no path.
func TestPathReuse(t *testing.T) {
	d2, h, g := ip("10.6.0.1"), ip("10.4.0.1"), ip("10.2.0.1")
	p := &slowScript{script: script{rr: map[netip.Addr][]netip.Addr{fDst: {fDst, fDst, h, g, fSrc}, d2: {d2, d2, h}}}}
	e := cacheEngine(t, p, revtr.DefaultPolicy(), nil)
	first := runAt(t, e, 0, revtr.Request{Src: fSrc, Dst: fDst})
	// After the cache's TTL, so that the Record Route ping toward h goes
	// out and gets nothing: the path atlas is what answers.
	at := revtr.DefaultCacheTTL + time.Minute
	res := runAt(t, e, at, revtr.Request{Src: fSrc, Dst: d2})
	if want := []netip.Addr{d2, h, g, fSrc}; res.Stop != revtr.Reaches || !slices.Equal(addrsOf(res.Hops), want) {
		t.Fatalf("stuck at h: %v %v, want %v", res.Stop, addrsOf(res.Hops), want)
	}
	if got := types(res.Hops); !slices.Equal(got, []revtr.HopType{revtr.HopDestination, revtr.HopRR, revtr.HopPathAtlas, revtr.HopPathAtlas}) ||
		res.Hops[2].MeasurementID != first.ID || res.Cost.Trace != 0 {
		t.Errorf("types %v, measurement %d (first revtr %d), cost %+v; want the first's path, no traceroute", got, res.Hops[2].MeasurementID, first.ID, res.Cost)
	}
	stale := runAt(t, e, revtr.DefaultPolicy().ReusePaths+time.Minute, revtr.Request{Src: fSrc, Dst: d2, Symmetry: revtr.SymmetryNever})
	if stale.Stop == revtr.Reaches {
		t.Errorf("a path older than ReusePaths reused: %v", addrsOf(stale.Hops))
	}
	ref := cacheEngine(t, p, revtr.ReferencePolicy(), nil)
	runAt(t, ref, 0, revtr.Request{Src: fSrc, Dst: fDst})
	if res := runAt(t, ref, at, revtr.Request{Src: fSrc, Dst: d2, Symmetry: revtr.SymmetryNever}); res.Stop == revtr.Reaches || ref.Paths() != nil {
		t.Errorf("the reference reused a path: %v", addrsOf(res.Hops))
	}
}

// TestPathAtlasKeepsMeasured: of a reverse path, only the part after its
// last assumed hop is kept (the assumed hop's own address included), and
// it is indexed in bounded memory.
func TestPathAtlasKeepsMeasured(t *testing.T) {
	a, b, c := ip("10.4.0.1"), ip("10.3.0.1"), ip("10.2.0.1")
	p := &slowScript{script: script{rr: map[netip.Addr][]netip.Addr{fDst: {fDst, fDst, a}, b: {b, b, c, fSrc}}}}
	tr := traceScript{slowScript: p, hops: map[netip.Addr][]netip.Addr{a: {c, b, a}}}
	pol := revtr.DefaultPolicy()
	pol.RefuseInterdomainSymmetry = false
	e := cacheEngine(t, tr, pol, nil)
	res := runAt(t, e, 0, revtr.Request{Src: fSrc, Dst: fDst})
	if got := types(res.Hops); res.Stop != revtr.Reaches || !slices.Equal(got, []revtr.HopType{1, 5, 12, 5, 5}) {
		t.Fatalf("%v types %v hops %v, want dst, rr, sym-inter, rr, rr", res.Stop, got, addrsOf(res.Hops))
	}
	pa := e.Paths()
	for _, tc := range []struct {
		addr netip.Addr
		kept bool
	}{{fDst, false}, {a, false}, {b, true}, {c, true}} {
		if _, _, _, ok := pa.Intersect(fSrc, tc.addr, epoch); ok != tc.kept {
			t.Errorf("%v kept %v, want %v", tc.addr, ok, tc.kept)
		}
	}
	small := revtr.NewPathAtlas(4)
	e = cacheEngineWith(t, p, revtr.DefaultPolicy(), func(c *revtr.Config) { c.Paths = small })
	for i := range 50 {
		d := netip.AddrFrom4([4]byte{10, 7, 0, byte(i)})
		p.rr[d] = []netip.Addr{d, d, netip.AddrFrom4([4]byte{10, 8, 0, byte(i)}), fSrc}
		runAt(t, e, 0, revtr.Request{Src: fSrc, Dst: d})
		if small.Len() > 4 {
			t.Fatalf("%d addresses indexed, bound 4", small.Len())
		}
	}
}

// TestPathAtlasSplit: two reverse paths went through h on to different
// routers (g, then g2: load balanced per flow, or the route changed), so
// no path is taken through h: a reverse traceroute stuck at h reuses
// none, and a path met before h is taken up to h only.
func TestPathAtlasSplit(t *testing.T) {
	d2, d3, h, g, g2 := ip("10.6.0.1"), ip("10.6.0.2"), ip("10.4.0.1"), ip("10.2.0.1"), ip("10.2.0.2")
	p := &slowScript{script: script{rr: map[netip.Addr][]netip.Addr{fDst: {fDst, fDst, h, g, fSrc}, d3: {d3, d3, h, g2, fSrc}, d2: {d2, d2, h}}}}
	e := cacheEngine(t, p, revtr.DefaultPolicy(), nil)
	runAt(t, e, 0, revtr.Request{Src: fSrc, Dst: fDst})
	if rest, _, _, ok := e.Paths().Intersect(fSrc, h, epoch); !ok || !slices.Equal(rest, []netip.Addr{g, fSrc}) {
		t.Fatalf("one path through h: rest %v %v, want %v", rest, ok, []netip.Addr{g, fSrc})
	}
	runAt(t, e, 0, revtr.Request{Src: fSrc, Dst: d3})
	if rest, _, _, ok := e.Paths().Intersect(fSrc, h, epoch); ok {
		t.Errorf("h split: rest %v taken", rest)
	}
	if rest, _, _, ok := e.Paths().Intersect(fSrc, fDst, epoch); !ok || !slices.Equal(rest, []netip.Addr{h}) {
		t.Errorf("met before h: rest %v %v, want up to h only", rest, ok)
	}
	res := runAt(t, e, revtr.DefaultCacheTTL+time.Minute, revtr.Request{Src: fSrc, Dst: d2, Symmetry: revtr.SymmetryNever})
	if res.Stop == revtr.Reaches || slices.Contains(types(res.Hops), revtr.HopPathAtlas) {
		t.Errorf("stuck at a split hop: %v %v types %v, want no path reused", res.Stop, addrsOf(res.Hops), types(res.Hops))
	}
}

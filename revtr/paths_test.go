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

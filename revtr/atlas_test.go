package revtr_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/revtr/revtr/atlas"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/eval"
)

// TestSymmetryThenAtlas: the destination is 10 routers away and nobody
// spoofs (the vantage point on the far end only measures the atlas), so
// the engine assumes symmetry (intradomain) hop by hop until the source's
// Record Route gets within range (5 routers away) and reveals one hop,
// r5's Record Route interface. The atlas saw it in its own Record Route
// ping to the traceroute hop of r6 but could not learn its alias (that
// ping had one slot left), so it joins the atlas traceroute at r5 or
// later, before r3's complete ping that did not see it: the hops of r4
// and r3 are candidates, r2 on certain (type 4). Same AS, no AS loop: the
// candidates stay, and they are right: the whole path is exact.
func TestSymmetryThenAtlas(t *testing.T) {
	tp := spoofChain(t, 10, false)
	x := atlas.NewIndex()
	e, n := setup(t, tp, func(c *revtr.Config) {
		c.Atlas, c.Aliases, c.Selector, c.VantagePoints = x, x, nil, nil
	})
	src, vp := host(t, tp, "h0"), host(t, tp, "h2")
	ctx := eval.Timeline(context.Background(), 0)
	now := eval.VirtualClock{Epoch: epoch}.Now(ctx)
	id := uint64(1000)
	if _, _, err := x.Refresh(ctx, atlas.ProberProvider{Prober: n}, src, []netip.Addr{vp}, now, 0, func() uint64 { id++; return id }); err != nil {
		t.Fatal(err)
	}
	res := run(t, e, revtr.Request{Src: src, Dst: host(t, tp, "h1")})
	wantExact(t, tp, res)
	ty := types(res.Hops)
	want := []revtr.HopType{1, 11, 11, 11, 11, 5, 4, 4, 4, 4, 4, 4}
	if !slices.Equal(ty, want) || res.Cost.SpoofedRR != 0 {
		t.Errorf("types %v, cost %+v: want %v", ty, res.Cost, want)
	}
	var cands []bool
	for _, h := range res.Hops {
		cands = append(cands, h.Candidate)
	}
	if want := []bool{false, false, false, false, false, false, true, true, false, false, false, false}; !slices.Equal(cands, want) {
		t.Errorf("candidates %v, want %v", cands, want)
	}
	if last := res.Hops[len(res.Hops)-1]; last.MeasurementID <= 1000 {
		t.Errorf("last hop %+v: want the atlas traceroute's ID", last)
	}
}

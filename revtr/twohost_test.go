package revtr_test

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
)

// responders is a fake two-host service: the addresses that run a
// responder and the path each traces back; it counts who was asked.
type responders struct {
	paths map[netip.Addr][]netip.Addr
	mu    sync.Mutex
	asked []netip.Addr
}

func (f *responders) TwoHostTrace(_ context.Context, req meas.TwoHostRequest) (meas.TwoHostTrace, error) {
	f.mu.Lock()
	f.asked = append(f.asked, req.Dst)
	f.mu.Unlock()
	hops, ok := f.paths[req.Dst]
	if !ok {
		return meas.TwoHostTrace{Trace: meas.Trace{Probes: 1}}, meas.ErrNoResponder
	}
	return twoHostTrace(req, hops, 1+3*len(hops)), nil
}

// twoHostTrace is a completed two-host trace along hops.
func twoHostTrace(req meas.TwoHostRequest, hops []netip.Addr, probes int) meas.TwoHostTrace {
	tr := meas.TwoHostTrace{Trace: meas.Trace{Src: req.Dst, Dst: req.Src, Stop: meas.StopCompleted, Probes: probes}}
	for i, a := range hops {
		tr.Hops = append(tr.Hops, meas.Hop{TTL: i + 1, Addr: a, Reply: meas.TimeExceeded})
	}
	return tr
}

func (f *responders) askedSince(n int) []netip.Addr {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.asked[n:])
}

func twoHostEngine(t *testing.T, p *script, th meas.TwoHostTracer, hops bool) *revtr.Engine {
	t.Helper()
	pol := revtr.DefaultPolicy()
	pol.TwoHostHops = hops
	e, err := revtr.New(revtr.Config{Prober: p, TwoHost: th, ASMap: asTable{}, Sources: []netip.Addr{fSrc},
		Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestTwoHostHop: the destination runs no responder, but the hop its
// Record Route reveals does: with TwoHostHops the engine asks it and takes
// its path (type 20) home; without, it asks the destination only, and
// the hop, which answers no Record Route, leaves the path unfinished.
func TestTwoHostHop(t *testing.T) {
	x, y := ip("10.5.0.9"), ip("10.3.0.1")
	p := &script{rr: map[netip.Addr][]netip.Addr{fDst: {fDst, fDst, x}}}
	th := &responders{paths: map[netip.Addr][]netip.Addr{x: {y, fSrc}}}
	res := run(t, twoHostEngine(t, p, th, true), revtr.Request{Src: fSrc, Dst: fDst})
	if want := []netip.Addr{fDst, x, y, fSrc}; res.Stop != revtr.Reaches || !slices.Equal(addrsOf(res.Hops), want) {
		t.Fatalf("hops %v (%v %s), want %v", addrsOf(res.Hops), res.Stop, res.Detail, want)
	}
	if got := types(res.Hops); !slices.Equal(got, []revtr.HopType{1, 5, 20, 20}) {
		t.Errorf("types %v, want dst, rr, two-host, two-host", got)
	}
	if res.Cost.TwoHost != 1+7 || res.Cost.RR != 1 || res.Cost.Rounds != 3+1 {
		t.Errorf("cost %+v: want the destination's failed check, the hop's 7 probes, one RR, 3 rounds and RTTs", res.Cost)
	}
	if got := th.askedSince(0); !slices.Equal(got, []netip.Addr{fDst, x}) {
		t.Errorf("asked %v, want the destination then the hop", got)
	}
	th2 := &responders{paths: th.paths}
	res = run(t, twoHostEngine(t, p, th2, false), revtr.Request{Src: fSrc, Dst: fDst, Symmetry: revtr.SymmetryNever})
	if res.Stop != revtr.Failed || res.Cost.TwoHost != 1 || !slices.Equal(th2.askedSince(0), []netip.Addr{fDst}) {
		t.Errorf("without TwoHostHops: %v, cost %+v, asked %v; want FAILED after asking the destination only",
			res.Stop, res.Cost, th2.askedSince(0))
	}
}

// TestTwoHostHopRemembered: hops without a responder are asked once; a
// second reverse traceroute over them pays no presence check, and the
// first one does not ask the same hop twice.
func TestTwoHostHopRemembered(t *testing.T) {
	x, y := ip("10.5.0.9"), ip("10.3.0.1")
	p := &script{rr: map[netip.Addr][]netip.Addr{fDst: {fDst, fDst, x}, x: {x, x, y}, y: {y, y, fSrc}}}
	th := &responders{}
	e := twoHostEngine(t, p, th, true)
	res := run(t, e, revtr.Request{Src: fSrc, Dst: fDst})
	if res.Stop != revtr.Reaches || res.Cost.TwoHost != 3 || !slices.Equal(th.askedSince(0), []netip.Addr{fDst, x, y}) {
		t.Fatalf("first: %v cost %+v asked %v; want REACHES after one check each of dst, x, y", res.Stop, res.Cost, th.askedSince(0))
	}
	res = run(t, e, revtr.Request{Src: fSrc, Dst: fDst})
	if res.Stop != revtr.Reaches || res.Cost.TwoHost != 0 || len(th.askedSince(3)) != 0 {
		t.Errorf("second: %v cost %+v asked %v; want no presence check", res.Stop, res.Cost, th.askedSince(3))
	}
}

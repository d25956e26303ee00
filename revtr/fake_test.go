package revtr_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/revtr/revtr/atlas"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
)

// script is a fake prober answering from tables: Record Route pings from
// the source by destination (in 2 ms), pings always (in 1 ms).
type script struct {
	rr map[netip.Addr][]netip.Addr // recorded slots per destination
}

func (s script) Ping(_ context.Context, r meas.PingRequest) (meas.Ping, error) {
	return meas.Ping{Src: r.Src, Dst: r.Dst, Sent: 1, RTTs: []time.Duration{time.Millisecond}}, nil
}

func (s script) RecordRoute(_ context.Context, r meas.RRRequest) (meas.RRPing, error) {
	rec, ok := s.rr[r.Dst]
	p := meas.RRPing{Src: r.Src, Dst: r.Dst, Sender: r.Src, Replied: ok, Recorded: rec}
	if ok {
		p.RTT = 2 * time.Millisecond
	}
	return p, nil
}

func (s script) Traceroute(_ context.Context, r meas.TraceRequest) (meas.Trace, error) {
	return meas.Trace{Src: r.Src, Dst: r.Dst, Stop: meas.StopGapLimit}, nil
}

// fakeAtlas answers from a table.
type fakeAtlas map[netip.Addr]atlas.Hit

func (f fakeAtlas) Intersect(_, addr netip.Addr, _ time.Time) (atlas.Hit, bool) {
	h, ok := f[addr]
	return h, ok
}

// asTable maps 10.N.x.x to AS N.
type asTable struct{}

func (asTable) Lookup(a netip.Addr) (netip.Prefix, uint32, bool) {
	p, _ := a.Prefix(16)
	return p, uint32(a.As4()[1]), true
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

var (
	fSrc = ip("10.1.0.1")
	fDst = ip("10.5.0.1")
)

func fakeEngine(t *testing.T, p meas.Prober, a revtr.Atlas, pol revtr.Policy) *revtr.Engine {
	t.Helper()
	e, err := revtr.New(revtr.Config{Prober: p, Atlas: a, ASMap: asTable{}, Sources: []netip.Addr{fSrc},
		Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func addrsOf(hops []revtr.Hop) []netip.Addr {
	out := make([]netip.Addr, len(hops))
	for i, h := range hops {
		out[i] = h.Addr
	}
	return out
}

// TestAtlasTrace: the destination is on an atlas traceroute: the rest of
// the path is type 3, with the traceroute's ID, for no probe but RTTs.
func TestAtlasTrace(t *testing.T) {
	a := fakeAtlas{fDst: {Kind: atlas.OnTrace, PathID: 99, Hops: []atlas.Hop{{Addr: ip("10.4.0.1")}, {Addr: ip("10.2.0.1")}, {Addr: fSrc}}}}
	e := fakeEngine(t, script{}, a, revtr.DefaultPolicy())
	res := run(t, e, revtr.Request{Src: fSrc, Dst: fDst})
	if res.Stop != revtr.Reaches || !slices.Equal(types(res.Hops), []revtr.HopType{1, 3, 3, 3}) || res.Hops[1].MeasurementID != 99 {
		t.Errorf("result %v %v %+v", res.Stop, types(res.Hops), res.Hops)
	}
	if res.Cost.Measure() != 0 {
		t.Errorf("cost %+v: an atlas hit costs no probe", res.Cost)
	}
}

// TestAtlasSegmentNarrowed: an RR-atlas segment with three candidates,
// after a hop in AS 4: one in AS 5 (the destination's AS, left already: an
// AS loop), one in AS 7 between AS 4 and AS 4 (a loop through it), one in
// AS 4 (kept). With KeepCandidates off every candidate goes.
func TestAtlasSegmentNarrowed(t *testing.T) {
	x := ip("10.4.0.1")
	hit := atlas.Hit{Kind: atlas.OnRR, PathID: 7, Hops: []atlas.Hop{
		{Addr: ip("10.5.9.9"), Candidate: true}, {Addr: ip("10.7.0.1"), Candidate: true},
		{Addr: ip("10.4.0.2"), Candidate: true}, {Addr: ip("10.4.0.3")}, {Addr: ip("10.2.0.1")}, {Addr: fSrc}}}
	p := script{rr: map[netip.Addr][]netip.Addr{fDst: {fDst, fDst, x}}}
	res := run(t, fakeEngine(t, p, fakeAtlas{x: hit}, revtr.DefaultPolicy()), revtr.Request{Src: fSrc, Dst: fDst})
	want := []netip.Addr{fDst, x, ip("10.4.0.2"), ip("10.4.0.3"), ip("10.2.0.1"), fSrc}
	if res.Stop != revtr.Reaches || !slices.Equal(addrsOf(res.Hops), want) {
		t.Errorf("hops %v, want %v", addrsOf(res.Hops), want)
	}
	if !res.Hops[2].Candidate || res.Hops[3].Candidate || res.Hops[2].Type != revtr.HopRRAtlas {
		t.Errorf("hop flags %+v", res.Hops)
	}
	pol := revtr.DefaultPolicy()
	pol.KeepCandidates = false
	res = run(t, fakeEngine(t, p, fakeAtlas{x: hit}, pol), revtr.Request{Src: fSrc, Dst: fDst})
	want = []netip.Addr{fDst, x, ip("10.4.0.3"), ip("10.2.0.1"), fSrc}
	if !slices.Equal(addrsOf(res.Hops), want) {
		t.Errorf("without candidates: hops %v, want %v", addrsOf(res.Hops), want)
	}
}

// TestLoops: a loop inside one Record Route's slots is cut out; a reply
// that comes back to an earlier hop fails the measurement under the
// reference policy, and is dropped under one that drops looping segments,
// the search going on from the hop before (TestLoopingSegmentDropped).
func TestLoops(t *testing.T) {
	a, b, c := ip("10.4.0.1"), ip("10.3.0.1"), ip("10.2.0.1")
	p := script{rr: map[netip.Addr][]netip.Addr{fDst: {fDst, fDst, a, b, a, c, fSrc}}}
	res := run(t, fakeEngine(t, p, nil, revtr.DefaultPolicy()), revtr.Request{Src: fSrc, Dst: fDst})
	if want := []netip.Addr{fDst, a, c, fSrc}; res.Stop != revtr.Reaches || !slices.Equal(addrsOf(res.Hops), want) {
		t.Errorf("hops %v (%v), want %v", addrsOf(res.Hops), res.Stop, want)
	}
	p = script{rr: map[netip.Addr][]netip.Addr{fDst: {fDst, fDst, a, b}, b: {b, b, fDst, c}}}
	pol := revtr.ReferencePolicy()
	pol.Cache = revtr.CacheRules{} // the reply to D, kept under b, would answer for b
	res = run(t, fakeEngine(t, p, nil, pol), revtr.Request{Src: fSrc, Dst: fDst})
	if res.Stop != revtr.Failed || res.Fail != revtr.FailLoop {
		t.Errorf("stop %v %q, want FAILED loop", res.Stop, res.Fail)
	}
}

// TestLoopingSegmentDropped: the reply from b comes back to the
// destination; dropping it, the engine tries a, the hop before b, whose
// reply reaches the source. The reference fails at b.
func TestLoopingSegmentDropped(t *testing.T) {
	a, b, c := ip("10.4.0.1"), ip("10.3.0.1"), ip("10.2.0.1")
	p := script{rr: map[netip.Addr][]netip.Addr{fDst: {fDst, fDst, a, b}, b: {b, b, fDst, c}, a: {a, a, c, fSrc}}}
	for _, drop := range []bool{false, true} {
		pol := revtr.ReferencePolicy()
		pol.Cache = revtr.CacheRules{} // the reply to D, kept under b, would answer for b
		pol.DropLoopingSegments = drop
		res := run(t, fakeEngine(t, p, nil, pol), revtr.Request{Src: fSrc, Dst: fDst})
		want := []netip.Addr{fDst, a, c, fSrc}
		switch {
		case !drop && (res.Stop != revtr.Failed || res.Fail != revtr.FailLoop):
			t.Errorf("kept: stop %v %q, want FAILED loop", res.Stop, res.Fail)
		case drop && (res.Stop != revtr.Reaches || !slices.Equal(addrsOf(res.Hops), want)):
			t.Errorf("dropped: hops %v (%v %q), want %v", addrsOf(res.Hops), res.Stop, res.Fail, want)
		}
	}
	if !revtr.DefaultPolicy().DropLoopingSegments || revtr.ReferencePolicy().DropLoopingSegments {
		t.Error("ours should drop looping segments, the reference not")
	}
}

// twoHost is a fake responder on one destination.
type twoHost struct {
	dst  netip.Addr
	hops []netip.Addr
}

func (f twoHost) TwoHostTrace(_ context.Context, req meas.TwoHostRequest) (meas.TwoHostTrace, error) {
	if req.Dst != f.dst {
		return meas.TwoHostTrace{Trace: meas.Trace{Probes: 1}}, meas.ErrNoResponder
	}
	return twoHostTrace(req, f.hops, 3*len(f.hops)), nil
}

// TestTwoHost: a destination running the responder gives the exact path,
// hop type 20, before any Record Route; one without costs one probe.
func TestTwoHost(t *testing.T) {
	th := twoHost{dst: fDst, hops: []netip.Addr{ip("10.4.0.1"), ip("10.2.0.1"), fSrc}}
	e, err := revtr.New(revtr.Config{Prober: script{}, TwoHost: th, Sources: []netip.Addr{fSrc},
		Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, e, revtr.Request{Src: fSrc, Dst: fDst})
	if res.Stop != revtr.Reaches || !slices.Equal(types(res.Hops), []revtr.HopType{1, 20, 20, 20}) || res.Cost.RR != 0 || res.Cost.TwoHost != 9 {
		t.Errorf("two-host: %v %v %+v", res.Stop, types(res.Hops), res.Cost)
	}
	res = run(t, e, revtr.Request{Src: fSrc, Dst: ip("10.6.0.1")})
	if res.Cost.TwoHost != 1 || res.Cost.RR != 1 {
		t.Errorf("no responder: cost %+v, want one presence probe then Record Route", res.Cost)
	}
	res = run(t, e, revtr.Request{Src: fSrc, Dst: ip("10.6.0.1")})
	if res.Cost.TwoHost != 0 {
		t.Errorf("no responder again: cost %+v, want the presence check remembered", res.Cost)
	}
}

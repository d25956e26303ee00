package revtr_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

// TestRRFromSource: on a 3-router chain the source's own Record Route ping
// reveals the whole way back: destination, three routers, source.
func TestRRFromSource(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	e, _ := setup(t, tp, nil)
	res := run(t, e, revtr.Request{Src: host(t, tp, "h0"), Dst: host(t, tp, "h1")})
	wantExact(t, tp, res)
	want := []revtr.HopType{1, 5, 5, 5, 5}
	if !slices.Equal(types(res.Hops), want) {
		t.Errorf("types %v, want %v", types(res.Hops), want)
	}
	// The Record Route ping's echo reply gave the destination's RTT.
	if res.Cost.RR != 1 || res.Cost.SpoofedRR != 0 || res.Cost.RTT != len(res.Hops)-1 {
		t.Errorf("cost %+v: want 1 RR ping and one RTT ping per hop but the destination", res.Cost)
	}
	if d := res.Hops[0]; d.RTT <= 0 || d.RTTMeasurementID != res.Hops[1].MeasurementID {
		t.Errorf("destination %+v: want the RTT of Record Route ping %d", d, res.Hops[1].MeasurementID)
	}
	for _, h := range res.Hops {
		if h.RTTMeasurementID == 0 || h.MeasurementID == 0 && h.Type != revtr.HopDestination || h.ASN != topo.FirstASN {
			t.Errorf("hop %+v: missing IDs or annotation", h)
		}
	}
	if res.Runtime <= 0 {
		t.Errorf("runtime %v, want the virtual time the probes took", res.Runtime)
	}
	ref, _ := setup(t, tp, func(c *revtr.Config) { c.Policy = revtr.ReferencePolicy() })
	res = run(t, ref, revtr.Request{Src: host(t, tp, "h0"), Dst: host(t, tp, "h1")})
	if res.Cost.RTT != len(res.Hops) || res.Hops[0].RTTMeasurementID == res.Hops[1].MeasurementID {
		t.Errorf("reference: cost %+v, destination %+v; want every hop pinged", res.Cost, res.Hops[0])
	}
}

// spoofChain is a chain of n routers with the source on r0 and, on
// r(n-1), the destination and a vantage point that may spoof.
func spoofChain(t testing.TB, n int, spoof bool) *topo.Topology {
	b := topo.NewBuilder(1)
	b.AddAS(topo.FirstASN, 1)
	rs := make([]topo.NodeID, n)
	for i := range rs {
		rs[i] = b.AddRouter(topo.FirstASN)
		if i > 0 {
			b.Link(rs[i-1], rs[i])
		}
	}
	b.AddHost(rs[0], topo.HostRole{Source: true})
	b.AddHost(rs[n-1], topo.HostRole{Destination: true})
	b.AddHost(rs[n-1], topo.HostRole{VantagePoint: true, CanSpoof: spoof})
	return build(t)(b.Build())
}

// TestSpoofedRR: the destination is 8 routers from the source, out of
// Record Route range; a vantage point next to it spoofs as the source and
// reveals six hops, from which the source's own ping reaches home.
func TestSpoofedRR(t *testing.T) {
	tp := spoofChain(t, 8, true)
	e, _ := setup(t, tp, nil)
	res := run(t, e, revtr.Request{Src: host(t, tp, "h0"), Dst: host(t, tp, "h1")})
	wantExact(t, tp, res)
	want := []revtr.HopType{1, 6, 6, 6, 6, 6, 6, 5, 5, 5}
	if !slices.Equal(types(res.Hops), want) {
		t.Errorf("types %v, want %v", types(res.Hops), want)
	}
	if res.Cost.SpoofedRR != 1 || res.Cost.RR != 2 {
		t.Errorf("cost %+v, want 1 spoofed and 2 plain RR pings", res.Cost)
	}
}

// TestNoVPInRange: the same chain, but the vantage point may not spoof and
// symmetry is off: nothing can get within range of the destination.
func TestNoVPInRange(t *testing.T) {
	tp := spoofChain(t, 8, false)
	e, _ := setup(t, tp, nil)
	res := run(t, e, revtr.Request{Src: host(t, tp, "h0"), Dst: host(t, tp, "h1"), Symmetry: revtr.SymmetryNever})
	if res.Stop != revtr.Failed || res.Fail != revtr.FailNoVPInRange {
		t.Errorf("stop %v %q (%s), want FAILED no vantage point in range", res.Stop, res.Fail, res.Detail)
	}
}

// TestSymmetryIntradomain: a destination that drops IP options leaves only
// symmetry; inside one AS it is allowed and flagged 11.
func TestSymmetryIntradomain(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	d, _ := tp.Node("h1")
	d.Role.DropOptions = true
	e, _ := setup(t, tp, nil)
	res := run(t, e, revtr.Request{Src: host(t, tp, "h0"), Dst: host(t, tp, "h1")})
	wantExact(t, tp, res)
	if res.Hops[1].Type != revtr.HopSymmetryIntra || res.Hops[2].Type != revtr.HopRR {
		t.Errorf("types %v, want symmetry (11) then Record Route", types(res.Hops))
	}
	if res.Cost.Trace == 0 || res.Cost.Ping != 1 {
		t.Errorf("cost %+v: want a traceroute and a ping to check the destination", res.Cost)
	}
	if h := res.Hops[1]; h.RTT <= 0 || h.RTTMeasurementID != h.MeasurementID {
		t.Errorf("symmetry hop %+v: want the RTT of the traceroute that assumed it", h)
	}
}

// interTopo: a stub AS (r2, destination dropping options) below a
// provider (r0–r1, source on r0). The link r1–r2 is numbered from the
// provider's prefix, so the destination's penultimate hop maps to the
// provider: an interdomain link.
func interTopo(t testing.TB) *topo.Topology {
	b := topo.NewBuilder(2)
	const p, c = topo.FirstASN, topo.FirstASN + 1
	b.AddAS(p, 1)
	b.AddAS(c, 2)
	b.Provider(p, c)
	r0, r1, r2 := b.AddRouter(p), b.AddRouter(p), b.AddRouter(c)
	b.Link(r0, r1)
	b.Link(r1, r2)
	b.AddHost(r0, topo.HostRole{Source: true})
	b.AddHost(r2, topo.HostRole{Destination: true, DropOptions: true})
	return build(t)(b.Build())
}

// TestSymmetryInterdomain: refused by default (the reference's sentence),
// allowed on request and then flagged 12.
func TestSymmetryInterdomain(t *testing.T) {
	tp := interTopo(t)
	e, _ := setup(t, tp, nil)
	req := revtr.Request{Src: host(t, tp, "h0"), Dst: host(t, tp, "h1")}
	res := run(t, e, req)
	if res.Stop != revtr.Failed || res.Fail != revtr.FailSymmetryInterdomain {
		t.Fatalf("stop %v %q, want FAILED %q", res.Stop, res.Fail, revtr.FailSymmetryInterdomain)
	}
	req.Symmetry = revtr.SymmetryAllowInter
	res = run(t, e, req)
	wantExact(t, tp, res)
	if res.Hops[1].Type != revtr.HopSymmetryInter {
		t.Errorf("types %v, want interdomain symmetry (12) at hop 1", types(res.Hops))
	}
}

// TestDestinationUnresponsive: a host that ignores echo requests fails
// with the matching reason, after one diagnostic ping and no traceroute.
func TestDestinationUnresponsive(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	d, _ := tp.Node("h1")
	d.Role.NoEcho = true
	e, _ := setup(t, tp, nil)
	res := run(t, e, revtr.Request{Src: host(t, tp, "h0"), Dst: host(t, tp, "h1")})
	if res.Stop != revtr.Failed || res.Fail != revtr.FailDestUnresponsive || res.Cost.Trace != 0 {
		t.Errorf("stop %v %q cost %+v, want FAILED destination unresponsive without traceroute", res.Stop, res.Fail, res.Cost)
	}
}

// TestBadInput: typed errors and FAILED results, never a panic.
func TestBadInput(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	e, _ := setup(t, tp, nil)
	src, dst := host(t, tp, "h0"), host(t, tp, "h1")
	for name, tc := range map[string]struct {
		req    revtr.Request
		err    error
		reason revtr.FailReason
	}{
		"unconfigured source": {revtr.Request{Src: dst, Dst: src}, revtr.ErrSourceNotConfigured, revtr.FailSourceNotConfigured},
		"private destination": {revtr.Request{Src: src, Dst: netip.MustParseAddr("192.168.1.1")}, revtr.ErrBogonDestination, revtr.FailBogonDestination},
		"loopback":            {revtr.Request{Src: src, Dst: netip.MustParseAddr("127.0.0.1")}, revtr.ErrBogonDestination, revtr.FailBogonDestination},
		"missing destination": {revtr.Request{Src: src}, revtr.ErrBadAddress, revtr.FailBadAddress},
		"IPv6":                {revtr.Request{Src: netip.MustParseAddr("2001:db8::1"), Dst: netip.MustParseAddr("2001:db8::2")}, revtr.ErrBadAddress, revtr.FailBadAddress},
	} {
		res, err := e.Run(context.Background(), tc.req)
		if !errors.Is(err, tc.err) || res.Stop != revtr.Failed || res.Fail != tc.reason {
			t.Errorf("%s: err %v, stop %v %q; want %v", name, err, res.Stop, res.Fail, tc.err)
		}
	}
	res, err := e.Run(context.Background(), revtr.Request{Src: src, Dst: src})
	if err != nil || res.Stop != revtr.Trivial {
		t.Errorf("destination = source: %v %v, want TRIVIAL", res.Stop, err)
	}
}

// TestUnknownVantagePoint: a selector naming a vantage point the engine
// does not know is a mid-measurement failure with its reason.
func TestUnknownVantagePoint(t *testing.T) {
	tp := spoofChain(t, 8, true)
	e, _ := setup(t, tp, func(c *revtr.Config) { c.VantagePoints = nil })
	res := run(t, e, revtr.Request{Src: host(t, tp, "h0"), Dst: host(t, tp, "h1")})
	if res.Stop != revtr.Failed || res.Fail != revtr.FailUnknownVantagePoint {
		t.Errorf("stop %v %q, want FAILED unknown vantage point", res.Stop, res.Fail)
	}
}

// TestBudget: a budget smaller than the measurement needs fails with its
// reason and never overspends.
func TestBudget(t *testing.T) {
	tp := spoofChain(t, 8, true)
	e, _ := setup(t, tp, func(c *revtr.Config) { c.Policy = revtr.DefaultPolicy(); c.Policy.MaxProbes = 2 })
	res := run(t, e, revtr.Request{Src: host(t, tp, "h0"), Dst: host(t, tp, "h1")})
	if res.Stop != revtr.Failed || res.Fail != revtr.FailBudget || res.Cost.Probes() > 2 {
		t.Errorf("stop %v %q cost %+v, want FAILED budget exhausted within 2 probes", res.Stop, res.Fail, res.Cost)
	}
}

// TestCanceled: a canceled context ends the measurement as CANCELED.
func TestCanceled(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	e, _ := setup(t, tp, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := e.Run(ctx, revtr.Request{Src: host(t, tp, "h0"), Dst: host(t, tp, "h1")})
	if err != nil || res.Stop != revtr.Canceled {
		t.Errorf("stop %v err %v, want CANCELED", res.Stop, err)
	}
}

// TestNoRRSupport: a destination that answers pings but drops packets
// with options, symmetry off: no Record Route support.
func TestNoRRSupport(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	d, _ := tp.Node("h1")
	d.Role.DropOptions = true
	e, _ := setup(t, tp, nil)
	res := run(t, e, revtr.Request{Src: host(t, tp, "h0"), Dst: host(t, tp, "h1"), Symmetry: revtr.SymmetryNever})
	if res.Stop != revtr.Failed || res.Fail != revtr.FailNoRRSupport {
		t.Errorf("stop %v %q, want FAILED no RR support", res.Stop, res.Fail)
	}
}

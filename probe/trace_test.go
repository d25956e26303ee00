package probe_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/revtr/revtr/topo/topotest"

	"github.com/revtr/revtr/mda/mdatest"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

// TestTraceTruth checks Paris traceroutes of ICMP, UDP and TCP flows
// across the ECMP diamonds and between ASes against the ground-truth path
// of each flow.
func TestTraceTruth(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tp    *topo.Topology
		pairs [][2]string
	}{
		{"diamond", build(t)(topotest.Diamond()), [][2]string{{"h0", "h1"}, {"h1", "h0"}}},
		{"multias", build(t)(topotest.MultiAS()), [][2]string{{"h0", "h1"}, {"h1", "h0"}, {"h2", "h3"}, {"h3", "h2"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inWorlds(t, tc.tp, func(t *testing.T, w world) { traceTruth(t, w, tc.tp, tc.name, tc.pairs) })
		})
	}
}

func traceTruth(t *testing.T, w world, tp *topo.Topology, name string, pairs [][2]string) {
	g := group(t, w, tp, nil)
	ctx := context.Background()
	branches := map[string]bool{}
	for _, pair := range pairs {
		for _, v6 := range []bool{false, true} {
			src, dst := hostAddr(t, tp, pair[0], v6), hostAddr(t, tp, pair[1], v6)
			for _, f := range testFlows() {
				tr, err := g.Traceroute(ctx, meas.TraceRequest{Src: src, Dst: dst, Flow: f})
				if err != nil {
					t.Fatalf("traceroute %s -> %s %+v: %v", src, dst, f, err)
				}
				want := wantTrace(t, tp, src, dst, f)
				if !slices.Equal(tr.Path(), want) || tr.Stop != meas.StopCompleted {
					t.Errorf("traceroute %s -> %s %+v: %v stop %v, want %v COMPLETED", src, dst, f, tr.Path(), tr.Stop, want)
				}
				if last := tr.Hops[len(tr.Hops)-1]; !last.Reply.FromDestination() || tr.Probes < len(want) {
					t.Errorf("traceroute %s -> %s %+v: last reply %v, %d probes for %d hops", src, dst, f, last.Reply, tr.Probes, len(want))
				}
				branches[addrsKey(want)] = true
			}
		}
	}
	if name == "diamond" && len(branches) < 4 {
		t.Errorf("the flows took %d distinct paths through the diamonds; the test wants several", len(branches))
	}
}

// testFlows are ICMP, UDP and TCP flows with several ports.
func testFlows() []meas.Flow {
	fs := []meas.Flow{{Proto: meas.ICMP}, {Proto: meas.ICMP, ID: 4242}}
	for _, sp := range []uint16{0, 40001, 40002, 40003, 40004} {
		fs = append(fs, meas.Flow{Proto: meas.UDP, ID: sp}, meas.Flow{Proto: meas.TCP, ID: 443, SrcPort: sp})
	}
	return fs
}

func addrsKey(as []netip.Addr) string {
	s := ""
	for _, a := range as {
		s += a.String() + " "
	}
	return s
}

// TestTraceGapLimit checks that a trace toward an address nobody owns stops
// after GapLimit silent hops once the routers run out of route... or answer
// unreachable: either way it stops early with a reason, not at MaxTTL.
func TestTraceStops(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	for _, n := range tp.Routers() {
		if tp.Nodes[n].Name == "r1" {
			tp.Nodes[n].Behaviour.NoTimeExceeded = true
		}
	}
	inWorlds(t, tp, func(t *testing.T, w world) { traceStops(t, w, tp) })
}

func traceStops(t *testing.T, w world, tp *topo.Topology) {
	g := group(t, w, tp, nil)
	h0, h1 := hostAddr(t, tp, "h0", false), hostAddr(t, tp, "h1", false)
	tr, err := g.Traceroute(context.Background(), meas.TraceRequest{Src: h0, Dst: h1, Flow: meas.Flow{Proto: meas.UDP}, GapLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Stop != meas.StopGapLimit || len(tr.Hops) != 2 || tr.Hops[1].Reply != meas.NoReply {
		t.Errorf("gap limit 1 past silent r1: stop %v hops %+v, want GAPLIMIT after 2 hops", tr.Stop, tr.Hops)
	}
	tr, err = g.Traceroute(context.Background(), meas.TraceRequest{Src: h0, Dst: h1, Flow: meas.Flow{Proto: meas.UDP}})
	if err != nil {
		t.Fatal(err)
	}
	want := wantTrace(t, tp, h0, h1, meas.Flow{Proto: meas.UDP})
	if tr.Stop != meas.StopCompleted || len(tr.Hops) != len(want) || tr.Hops[1].Addr.IsValid() {
		t.Errorf("trace past silent r1: stop %v hops %+v, want COMPLETED with hop 2 silent", tr.Stop, tr.Hops)
	}
}

// TestMultipathDiamond checks that MDA finds every interface of the two
// diamonds of topotest.Diamond, UDP and TCP, spending no less than the
// stopping rule requires, and that the simulator finds the same graph
// with the same probes.
func TestMultipathDiamond(t *testing.T) {
	tp := build(t)(topotest.Diamond())
	inWorlds(t, tp, func(t *testing.T, w world) { multipathDiamond(t, w, tp) })
}

func multipathDiamond(t *testing.T, w world, tp *topo.Topology) {
	g := group(t, w, tp, nil)
	sn, err := sim.New(tp, sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h0, h1 := hostAddr(t, tp, "h0", false), hostAddr(t, tp, "h1", false)
	for _, proto := range []meas.Proto{meas.UDP, meas.TCP} {
		mp := traceBoth(t, g, sn, meas.MultipathRequest{Src: h0, Dst: h1, Proto: proto})
		truth, err := mdatest.TruthOf(tp, h0, h1, proto)
		if err != nil {
			t.Fatal(err)
		}
		rep := truth.Check(mp)
		whole := truth.WholeHopProbes(meas.DefaultEpsilon)
		t.Logf("%v multipath: %d probes, %d interfaces, %d links; every hop counted as a whole %d", proto, mp.Probes, len(mp.Interfaces), len(mp.Links), whole)
		if !rep.Complete() || len(rep.Extra) > 0 || len(rep.BadLinks) > 0 {
			t.Errorf("%v multipath: missing %v, extra %v, links %v", proto, rep.Missing, rep.Extra, rep.BadLinks)
		}
		if mp.Probes < whole || mp.Stop != meas.StopCompleted {
			t.Errorf("%v multipath: %d probes (at least %d), stop %v", proto, mp.Probes, whole, mp.Stop)
		}
	}
}

// traceBoth runs req in the lab and on the simulator and fails the test
// unless both found the same graph with the same probes.
func traceBoth(t testing.TB, g *probe.Group, sn *sim.Network, req meas.MultipathRequest) meas.Multipath {
	t.Helper()
	ctx := context.Background()
	real, err := g.Multipath(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	simulated, err := sn.Multipath(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if real.Probes != simulated.Probes || real.Stop != simulated.Stop ||
		!slices.Equal(real.Interfaces, simulated.Interfaces) || !slices.Equal(real.Links, simulated.Links) {
		t.Errorf("multipath %v %s to %s: lab %d probes %v %v, simulator %d probes %v %v", req.Proto, req.Src, req.Dst,
			real.Probes, real.Interfaces, real.Links, simulated.Probes, simulated.Interfaces, simulated.Links)
	}
	return real
}

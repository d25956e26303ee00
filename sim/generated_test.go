package sim_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

// generated returns a seeded generated topology without rate limits, so
// that every answer can be compared with the ground truth exactly.
func generated(t testing.TB, seed int64, routers int) *topo.Topology {
	t.Helper()
	p := topo.SizedParams(routers)
	p.RateLimitShare = 0
	tp, err := topo.Generate(seed, p)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return tp
}

// dropsOptions reports whether a router on a path (not its ends) drops
// packets with options.
func dropsOptions(tp *topo.Topology, p topo.Path) bool {
	for _, h := range p[1 : len(p)-1] {
		if tp.Nodes[h.Node].Behaviour.DropOptions {
			return true
		}
	}
	return false
}

// TestGeneratedMatchesTruth compares Record Route pings and traceroutes
// from every source and vantage point to every destination of a generated
// Internet with the ground truth, behaviours included.
func TestGeneratedMatchesTruth(t *testing.T) {
	tp := generated(t, 42, 150)
	n := network(t, tp, sim.Config{})
	ctx := context.Background()
	var rrs, reverse, traces, silent int
	for _, a := range tp.Nodes {
		if a.Kind != topo.Host || !(a.Role.Source || a.Role.VantagePoint) {
			continue
		}
		for _, b := range tp.Nodes {
			if b.Kind != topo.Host || !b.Role.Destination || a.ID == b.ID {
				continue
			}
			src, dst := tp.HostAddr(a.ID, false), tp.HostAddr(b.ID, false)
			k := topo.FlowKey{Src: src, Dst: dst}
			fwd, err1 := tp.FlowPath(k)
			rev, err2 := tp.ReversePath(k)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s→%s: no ground truth: %v %v", a.Name, b.Name, err1, err2)
			}
			res, err := n.RecordRoute(ctx, meas.RRRequest{Src: src, Dst: dst})
			if err != nil {
				t.Fatal(err)
			}
			answers := !b.Role.NoEcho && !b.Role.DropOptions && !dropsOptions(tp, fwd) && !dropsOptions(tp, rev)
			if res.Replied != answers {
				t.Errorf("%s→%s: RR replied %v, want %v", a.Name, b.Name, res.Replied, answers)
			} else if answers {
				rrs++
				if len(res.Reverse) > 1 {
					reverse++
				}
				if want := wantRR(t, tp, a.ID, src, dst); !slices.Equal(res.Recorded, want) {
					t.Errorf("%s→%s: recorded %v, want %v", a.Name, b.Name, res.Recorded, want)
				}
			}
			f := meas.Flow{Proto: meas.UDP, ID: uint16(20000 + b.ID)}
			tr, err := n.Traceroute(ctx, meas.TraceRequest{Src: src, Dst: dst, Flow: f, GapLimit: 64})
			if err != nil {
				t.Fatal(err)
			}
			kt := topo.FlowKey{Src: src, Dst: dst, Flow: f}
			p, _ := tp.FlowPath(kt)
			want := tp.TraceAddrs(p, false)
			for i, h := range p[1 : len(p)-1] {
				if tp.Nodes[h.Node].Behaviour.NoTimeExceeded {
					want[i] = netip.Addr{}
					silent++
				}
			}
			got := make([]netip.Addr, len(tr.Hops))
			for i, h := range tr.Hops {
				got[i] = h.Addr
			}
			if tr.Stop != meas.StopCompleted || !slices.Equal(got, want) {
				t.Errorf("%s→%s: trace %v (%v), want %v", a.Name, b.Name, got, tr.Stop, want)
			}
			traces++
		}
	}
	t.Logf("%d routers: %d RR pings answered as the truth says (%d with reverse hops), %d traces (%d silent hops)",
		countRouters(tp), rrs, reverse, traces, silent)
	if rrs == 0 || reverse == 0 || traces == 0 {
		t.Error("the generated topology exercised nothing")
	}
}

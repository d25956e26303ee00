package sim_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

// TestChurnTruthEqualsTrace: with route churn on, traceroutes between
// every ordered pair of hosts sent at three virtual times hours apart
// follow the ground truth of their moment (TopologyAt), and some of them
// changed path between the first and the last.
func TestChurnTruthEqualsTrace(t *testing.T) {
	p := topo.DefaultParams()
	p.RateLimitShare = 0
	tp := build(t)(topo.Generate(1, p))
	churn, err := topo.NewChurn(tp, 7, 30)
	if err != nil {
		t.Fatal(err)
	}
	n := network(t, tp, sim.Config{Churn: churn})
	hosts := tp.Hosts()
	times := []time.Duration{0, 2 * time.Hour, 6 * time.Hour}
	first := map[[2]topo.NodeID][]meas.Hop{}
	traces, moved := 0, 0
	for _, at := range times {
		truth := n.TopologyAt(at)
		if at > 0 && truth == tp {
			t.Fatalf("no churn by %v", at)
		}
		for _, a := range hosts {
			for _, b := range hosts {
				if a == b {
					continue
				}
				clk := new(sim.Clock)
				clk.AdvanceTo(at)
				ctx := sim.WithClock(context.Background(), clk)
				tr, err := n.Traceroute(ctx, meas.TraceRequest{Src: tp.HostAddr(a, false), Dst: tp.HostAddr(b, false)})
				if err != nil {
					t.Fatal(err)
				}
				if err := truth.CheckTrace(tr); err != nil {
					t.Fatalf("%s -> %s at %v: %v", tp.Nodes[a].Name, tp.Nodes[b].Name, at, err)
				}
				traces++
				k := [2]topo.NodeID{a, b}
				if at == 0 {
					first[k] = tr.Hops
				} else if at == times[len(times)-1] && !slices.EqualFunc(first[k], tr.Hops, sameAddr) {
					moved++
				}
			}
		}
	}
	t.Logf("%d traces equal to their moment's truth; %d of %d paths moved in 6 h", traces, moved, len(first))
	if moved == 0 {
		t.Error("route churn moved no path")
	}
}

func sameAddr(a, b meas.Hop) bool { return a.Addr == b.Addr }

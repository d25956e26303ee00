package revtr_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/revtr/vpsel"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

func build(t testing.TB) func(*topo.Topology, error) *topo.Topology {
	return func(tp *topo.Topology, err error) *topo.Topology {
		t.Helper()
		if err != nil {
			t.Fatalf("build topology: %v", err)
		}
		return tp
	}
}

func host(t testing.TB, tp *topo.Topology, name string) netip.Addr {
	t.Helper()
	nd, ok := tp.Node(name)
	if !ok || nd.Kind != topo.Host {
		t.Fatalf("no host %s", name)
	}
	return tp.HostAddr(nd.ID, false)
}

// roles returns the source and vantage point addresses of a topology.
func roles(tp *topo.Topology) (srcs, vps []netip.Addr) {
	for _, n := range tp.Nodes {
		if n.Kind != topo.Host {
			continue
		}
		if n.Role.Source {
			srcs = append(srcs, tp.HostAddr(n.ID, false))
		}
		if n.Role.VantagePoint {
			vps = append(vps, tp.HostAddr(n.ID, false))
		}
	}
	return srcs, vps
}

// epoch is the wall time of the engines' virtual time zero.
var epoch = time.Unix(1_700_000_000, 0)

// setup wires an engine to a simulated topology with the IP-to-AS map of
// its prefixes and a learned selector over its vantage points; mod may
// change the config.
func setup(t testing.TB, tp *topo.Topology, mod func(*revtr.Config)) (*revtr.Engine, *sim.Network) {
	t.Helper()
	n, err := sim.New(tp, sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srcs, vps := roles(tp)
	asm, err := eval.NewASMap(tp)
	if err != nil {
		t.Fatal(err)
	}
	cfg := revtr.Config{Prober: n, ASMap: asm, Selector: vpsel.NewLearned(vps, asm.Prefix, nil),
		Allow: topo.ReservedPrefixes(), Sources: srcs, VantagePoints: vps,
		Clock: eval.VirtualClock{Epoch: epoch}}
	if mod != nil {
		mod(&cfg)
	}
	e, err := revtr.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e, n
}

func run(t testing.TB, e *revtr.Engine, req revtr.Request) revtr.Result {
	t.Helper()
	res, err := e.Run(eval.Timeline(context.Background(), 0), req)
	if err != nil {
		t.Fatalf("run %v: %v", req, err)
	}
	return res
}

// truthNodes is the ground-truth reverse path of the echo replies from
// dst to src, as nodes.
func truthNodes(t testing.TB, tp *topo.Topology, src, dst netip.Addr) []topo.NodeID {
	t.Helper()
	p, err := tp.ReversePath(topo.FlowKey{Src: src, Dst: dst})
	if err != nil {
		t.Fatal(err)
	}
	return p.Nodes()
}

// owners maps hops to their nodes (-1 for unknown addresses).
func owners(tp *topo.Topology, hops []revtr.Hop) []topo.NodeID {
	out := make([]topo.NodeID, len(hops))
	for i, h := range hops {
		out[i] = -1
		if ep, ok := tp.Owner(h.Addr); ok {
			out[i] = ep.Node
		}
	}
	return out
}

func types(hops []revtr.Hop) []revtr.HopType {
	out := make([]revtr.HopType, len(hops))
	for i, h := range hops {
		out[i] = h.Type
	}
	return out
}

// wantExact checks a result reached the source along exactly the true
// router-level path.
func wantExact(t *testing.T, tp *topo.Topology, res revtr.Result) {
	t.Helper()
	if res.Stop != revtr.Reaches {
		t.Fatalf("stop %v (%v: %s), hops %v", res.Stop, res.Fail, res.Detail, types(res.Hops))
	}
	if got, want := owners(tp, res.Hops), truthNodes(t, tp, res.Src, res.Dst); !slices.Equal(got, want) {
		t.Errorf("path nodes %v, want %v (types %v)", got, want, types(res.Hops))
	}
}

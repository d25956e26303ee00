package sim_test

import (
	"net/netip"
	"testing"

	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

// build returns a function that fails the test if a topology did not
// build: build(t)(topotest.Chain(3)).
func build(t testing.TB) func(*topo.Topology, error) *topo.Topology {
	return func(tp *topo.Topology, err error) *topo.Topology {
		t.Helper()
		if err != nil {
			t.Fatalf("build topology: %v", err)
		}
		return tp
	}
}

func network(t testing.TB, tp *topo.Topology, cfg sim.Config) *sim.Network {
	t.Helper()
	n, err := sim.New(tp, cfg)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	return n
}

// host returns the IPv4 address of a named host.
func host(t testing.TB, tp *topo.Topology, name string) netip.Addr {
	t.Helper()
	nd, ok := tp.Node(name)
	if !ok || nd.Kind != topo.Host {
		t.Fatalf("no host %s", name)
	}
	return tp.HostAddr(nd.ID, false)
}

// ifaddr returns the IPv4 address of the interface of router a facing node b.
func ifaddr(t testing.TB, tp *topo.Topology, a, b string) netip.Addr {
	t.Helper()
	na, _ := tp.Node(a)
	nb, _ := tp.Node(b)
	for _, ifc := range na.Ifaces {
		if ifc.Peer.Node == nb.ID {
			return ifc.Addr.Addr()
		}
	}
	t.Fatalf("%s has no link to %s", a, b)
	return netip.Addr{}
}

// wantRR is the ground truth of a Record Route ping with source src sent
// by host from (topo.Topology.RecordRouteTruth).
func wantRR(t testing.TB, tp *topo.Topology, from topo.NodeID, src, dst netip.Addr) []netip.Addr {
	t.Helper()
	rec, err := tp.RecordRouteTruth(tp.HostAddr(from, false), src, dst)
	if err != nil {
		t.Fatalf("record route truth: %v", err)
	}
	return rec
}

// wantTrace is the ground truth of a traceroute of flow k: the inbound
// interface of every hop (topo.TraceAddrs).
func wantTrace(t testing.TB, tp *topo.Topology, k topo.FlowKey) []netip.Addr {
	t.Helper()
	p, err := tp.FlowPath(k)
	if err != nil {
		t.Fatalf("flow path: %v", err)
	}
	return tp.TraceAddrs(p, k.Dst.Is6())
}

func countRouters(tp *topo.Topology) int {
	n := 0
	for _, nd := range tp.Nodes {
		if nd.Kind == topo.Router {
			n++
		}
	}
	return n
}

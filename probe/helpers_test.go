package probe_test

import (
	"net/netip"
	"testing"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/topo"
)

// newProber opens a prober inside node's namespace, closed when the test
// ends.
func newProber(t testing.TB, l *lab.Lab, node string, cfg probe.Config) *probe.Prober {
	t.Helper()
	return labtest.Open(t, l, node, func() (*probe.Prober, error) { return probe.New(cfg) })
}

// hostGroup opens a prober on every host of the lab and groups them;
// cfgFor gives each host's config (nil: fast defaults).
func hostGroup(t testing.TB, l *lab.Lab, cfgFor func(*topo.Node) probe.Config) *probe.Group {
	t.Helper()
	return group(t, labWorld{l}, l.Topology(), cfgFor)
}

func build(t testing.TB) func(*topo.Topology, error) *topo.Topology {
	return func(tp *topo.Topology, err error) *topo.Topology {
		t.Helper()
		if err != nil {
			t.Fatalf("build topology: %v", err)
		}
		return tp
	}
}

func node(t testing.TB, tp *topo.Topology, name string) *topo.Node {
	t.Helper()
	n, ok := tp.Node(name)
	if !ok {
		t.Fatalf("no node %s", name)
	}
	return n
}

func hostAddr(t testing.TB, tp *topo.Topology, name string, v6 bool) netip.Addr {
	t.Helper()
	return tp.HostAddr(node(t, tp, name).ID, v6)
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

// wantTrace is the ground-truth traceroute of flow f from src to dst.
func wantTrace(t testing.TB, tp *topo.Topology, src, dst netip.Addr, f meas.Flow) []netip.Addr {
	t.Helper()
	p, err := tp.FlowPath(topo.FlowKey{Src: src, Dst: dst, Flow: f})
	if err != nil {
		t.Fatalf("flow path: %v", err)
	}
	return tp.TraceAddrs(p, dst.Is6())
}

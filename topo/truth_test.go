package topo_test

import (
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

// stampChain is h0 – r0 – r1 – r2 – h1 in one AS with r1 not stamping
// Record Route.
func stampChain(t *testing.T) *topo.Topology {
	t.Helper()
	b := topo.NewBuilder(1)
	b.AddAS(topo.FirstASN, 1)
	r0, r1, r2 := b.AddRouter(topo.FirstASN), b.AddRouter(topo.FirstASN), b.AddRouter(topo.FirstASN)
	b.Link(r0, r1)
	b.Link(r1, r2)
	b.SetBehaviour(r1, topo.Behaviour{NoRRStamp: true})
	b.AddHost(r0, topo.HostRole{Source: true})
	b.AddHost(r2, topo.HostRole{Destination: true})
	tp, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func addr(tp *topo.Topology, node string, iface int) netip.Addr {
	n, _ := tp.Node(node)
	return n.Ifaces[iface].Addr.Addr()
}

func TestTraceAndRRAddrs(t *testing.T) {
	tp := stampChain(t)
	h0, _ := tp.Node("h0")
	h1, _ := tp.Node("h1")
	k := topo.FlowKey{Src: tp.HostAddr(h0.ID, false), Dst: tp.HostAddr(h1.ID, false)}
	fwd, err := tp.FlowPath(k)
	if err != nil {
		t.Fatal(err)
	}
	// Interfaces: r0 e0→r1, e1→h0; r1 e0→r0, e1→r2; r2 e0→r1, e1→h1.
	wantTrace := []netip.Addr{addr(tp, "r0", 1), addr(tp, "r1", 0), addr(tp, "r2", 0), addr(tp, "h1", 0)}
	if got := tp.TraceAddrs(fwd, false); !slices.Equal(got, wantTrace) {
		t.Errorf("trace %v, want %v", got, wantTrace)
	}
	wantRR := []netip.Addr{addr(tp, "r0", 0), addr(tp, "r2", 1)} // r1 does not stamp
	if got := tp.RRAddrs(fwd); !slices.Equal(got, wantRR) {
		t.Errorf("RR %v, want %v", got, wantRR)
	}
	rev, err := tp.ReversePath(k)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rev.Nodes(), reversed(fwd.Nodes())) {
		t.Errorf("reverse %v is not forward %v reversed", rev.Nodes(), fwd.Nodes())
	}
	wantRevRR := []netip.Addr{addr(tp, "r2", 0), addr(tp, "r0", 1)}
	if got := tp.RRAddrs(rev); !slices.Equal(got, wantRevRR) {
		t.Errorf("reverse RR %v, want %v", got, wantRevRR)
	}
	if same, ok := tp.Alias(addr(tp, "r1", 0), addr(tp, "r1", 1)); !same || !ok {
		t.Error("r1's two addresses are not aliases")
	}
	if same, ok := tp.Alias(addr(tp, "r1", 0), addr(tp, "r0", 0)); same || !ok {
		t.Error("r0 and r1 are aliases")
	}
}

func reversed[T any](s []T) []T {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

func TestInterdomain(t *testing.T) {
	tp, err := topotest.MultiAS()
	if err != nil {
		t.Fatal(err)
	}
	p := hostPath(t, tp, "h2", "h3", false, meas.ICMP, 0) // h2 r2 | r5 r6 r7 h3
	var inter []int
	for i := range len(p) - 1 {
		if tp.Interdomain(p, i) {
			inter = append(inter, i)
		}
	}
	if !slices.Equal(inter, []int{1}) {
		t.Errorf("interdomain hops %v, want [1] on %v", inter, names(tp, p))
	}
	a, b := tp.TraceAddrs(p, false)[0], tp.TraceAddrs(p, false)[1]
	if same, ok := tp.SameAS(a, b); same || !ok {
		t.Errorf("SameAS(%v, %v) = %v, %v; want false, true", a, b, same, ok)
	}
	if as, ok := tp.NodeAS(b); !ok || as != 64517 {
		t.Errorf("NodeAS(%v) = %d, %v; want 64517", b, as, ok)
	}
}

func TestTruthErrors(t *testing.T) {
	tp := stampChain(t)
	unknown := netip.MustParseAddr("10.255.255.1")
	h0 := tp.HostAddr(0, false)
	if _, err := tp.FlowPath(topo.FlowKey{Src: unknown, Dst: h0}); !errors.Is(err, topo.ErrUnknownNode) {
		t.Errorf("unknown source: %v", err)
	}
	if _, err := tp.FlowPath(topo.FlowKey{Src: h0, Dst: unknown}); !errors.Is(err, topo.ErrUnknownNode) {
		t.Errorf("unknown destination: %v", err)
	}
	if _, err := tp.Path(99, topo.FlowKey{Src: h0, Dst: h0}); !errors.Is(err, topo.ErrUnknownNode) {
		t.Errorf("unknown node: %v", err)
	}
	// An unowned address inside the AS: routers have no route for it.
	n, _ := tp.Node("h0")
	if _, err := tp.Path(n.ID, topo.FlowKey{Src: h0, Dst: netip.MustParseAddr("10.0.0.200")}); !errors.Is(err, topo.ErrNoRoute) {
		t.Errorf("unowned address: %v", err)
	}
	if _, ok := tp.Lookup(-1, h0); ok {
		t.Error("Lookup on node -1 succeeded")
	}
	if _, err := tp.BGPPath(1, 2); !errors.Is(err, topo.ErrUnknownAS) {
		t.Errorf("BGPPath of unknown ASes: %v", err)
	}
}

func TestLoopDetected(t *testing.T) {
	tp, err := topotest.Chain(3)
	if err != nil {
		t.Fatal(err)
	}
	h0, h1 := tp.Hosts()[0], tp.Hosts()[1]
	k := topo.FlowKey{Src: tp.HostAddr(h0, false), Dst: tp.HostAddr(h1, false)}
	// Point r1's route toward h1 back at r0 (its e0).
	r1, _ := tp.Node("r1")
	route, ok := tp.Lookup(r1.ID, k.Dst)
	if !ok {
		t.Fatal("r1 has no route to h1")
	}
	for i := range r1.Routes {
		if r1.Routes[i].Dst == route.Dst {
			r1.Routes[i].NextHops[0] = topo.NextHop{Iface: 0, Gateway: tp.IfaceAddr(r1.Ifaces[0].Peer, false)}
		}
	}
	if _, err := tp.FlowPath(k); !errors.Is(err, topo.ErrLoop) {
		t.Errorf("FlowPath: %v, want ErrLoop", err)
	}
	if err := tp.Validate(); !errors.Is(err, topo.ErrInvalid) || !errors.Is(err, topo.ErrLoop) {
		t.Errorf("Validate: %v, want ErrInvalid wrapping ErrLoop", err)
	}
	if _, err := topotest.Chain(topo.MaxPathLen); err == nil {
		t.Error("Chain longer than MaxPathLen built")
	}
}

func TestHopLink(t *testing.T) {
	tp, err := topotest.MultiAS()
	if err != nil {
		t.Fatal(err)
	}
	p := hostPath(t, tp, "h2", "h3", false, meas.ICMP, 0) // h2 r2 | r5 r6 r7 h3
	for i := range len(p) - 1 {
		l, ok := tp.HopLink(p, i)
		if !ok {
			t.Fatalf("hop %d: no link", i)
		}
		ends := []topo.NodeID{tp.Links[l].A.Node, tp.Links[l].B.Node}
		if !slices.Contains(ends, p[i].Node) || !slices.Contains(ends, p[i+1].Node) {
			t.Errorf("hop %d: link %d joins %v, not %v–%v", i, l, ends, p[i].Node, p[i+1].Node)
		}
		if tp.Links[l].InterAS != tp.Interdomain(p, i) {
			t.Errorf("hop %d: link InterAS %v, Interdomain %v", i, tp.Links[l].InterAS, tp.Interdomain(p, i))
		}
	}
	if _, ok := tp.HopLink(p, len(p)-1); ok {
		t.Error("link after the last hop")
	}
}

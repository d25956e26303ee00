package sim_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

// TestTraceUnreachable: a router without a route answers net unreachable
// from its inbound interface, limited as ip_error limits it (burst of 5,
// then one per second) — checked against the lab: 5 of 10 pings 10 ms
// apart. The traces here start 10 ms apart too: 90 ms in all, while a
// token takes a second to accrue.
func TestTraceUnreachable(t *testing.T) {
	tp := build(t)(topotest.MultiAS())
	n := network(t, tp, sim.Config{ProbeGap: -1})
	src := host(t, tp, "h2")               // on p0, in AS P
	dst := netip.MustParseAddr("10.0.3.2") // the Q–R link: P has no route to Q
	if ep, ok := tp.Owner(dst); !ok || tp.Nodes[ep.Node].Kind != topo.Router {
		t.Fatalf("%s is no longer a router address in MultiAS", dst)
	}
	const gap = 10 * time.Millisecond
	// A silent trace costs its timeout (its TTLs all in flight at once):
	// within the gap, and above r2's 0.2 ms round trip.
	req := meas.TraceRequest{Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.ICMP}, Timeout: gap / 2}
	tr := trace(t, n, req)
	if tr.Stop != meas.StopUnreachable || len(tr.Hops) != 1 || tr.Hops[0].Reply != meas.DestUnreach ||
		tr.Hops[0].Addr != ifaddr(t, tp, "r2", "h2") {
		t.Fatalf("trace %+v: want net unreachable from p0 (r2) at the first hop", tr)
	}
	answered := 1
	for i := 1; i < 10; i++ {
		if now := n.Clock.AdvanceTo(time.Duration(i) * gap); now != time.Duration(i)*gap {
			t.Fatalf("trace %d starts at %v, want %v", i+1, now, time.Duration(i)*gap)
		}
		if trace(t, n, req).Hops[0].Addr.IsValid() {
			answered++
		}
	}
	if answered != 5 {
		t.Errorf("%d of 10 unreachables answered, want the burst of 5", answered)
	}
	if rr := rr(t, n, meas.RRRequest{Src: src, Dst: dst}); rr.Replied {
		t.Errorf("RR ping to an unreachable address replied: %+v", rr)
	}
}

// TestTraceLoop: a forwarding loop shows one address twice and ends the
// trace with LOOP.
func TestTraceLoop(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	dst := host(t, tp, "h1")
	r1, _ := tp.Node("r1")
	r0, _ := tp.Node("r0")
	for i, r := range r1.Routes { // send r1's traffic for h1 back to r0
		if r.Dst.Contains(dst) {
			r1.Routes[i].NextHops = []topo.NextHop{{Iface: ifaceTo(t, r1, r0.ID), Gateway: ifaddr(t, tp, "r0", "r1")}}
		}
	}
	n := network(t, tp, sim.Config{})
	tr := trace(t, n, meas.TraceRequest{Src: host(t, tp, "h0"), Dst: dst, Flow: meas.Flow{Proto: meas.UDP}})
	want := []netip.Addr{ifaddr(t, tp, "r0", "h0"), ifaddr(t, tp, "r1", "r0"), ifaddr(t, tp, "r0", "r1"), ifaddr(t, tp, "r1", "r0")}
	if tr.Stop != meas.StopLoop || fmtAddrs(tr.Path()) != fmtAddrs(want) {
		t.Errorf("trace %v (%v), want %v and LOOP", tr.Path(), tr.Stop, want)
	}
	if p := ping(t, n, meas.PingRequest{Src: host(t, tp, "h0"), Dst: dst}); p.Replied() {
		t.Error("a ping through a loop was answered")
	}
}

func ifaceTo(t *testing.T, nd *topo.Node, peer topo.NodeID) int {
	t.Helper()
	for i, ifc := range nd.Ifaces {
		if ifc.Peer.Node == peer {
			return i
		}
	}
	t.Fatalf("%s has no link to node %d", nd.Name, peer)
	return -1
}

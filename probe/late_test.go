package probe_test

import (
	"context"
	"testing"
	"time"

	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

// TestLateUnreachable traces toward a host whose router cannot resolve
// it: the router answers host unreachable (ICMPv6 address unreachable)
// about 3 s after each probe. With a late wait the trace hears it and
// stops there, as traceroute(8) does; without, the TTL is silent.
func TestLateUnreachable(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	l := labtest.Up(t, tp)
	labtest.Unresolved(t, l, "r2", "h1")
	const timeout, lateWait = 500 * time.Millisecond, 6 * time.Second
	late := newProber(t, l, "h0", probe.Config{Rate: 2000, Timeout: timeout, LateWait: lateWait})
	plain := newProber(t, l, "h0", probe.Config{Rate: 2000, Timeout: timeout})
	r2, r2v6 := tp.IfaceAddr(ifaceToward(t, tp, "r2", "r1"), false), tp.IfaceAddr(ifaceToward(t, tp, "r2", "r1"), true)
	ctx := context.Background()
	for _, c := range []struct {
		v6       bool
		from     string
		hostCode uint8
	}{{false, r2.String(), 1}, {true, r2v6.String(), 3}} {
		dst := hostAddr(t, tp, "h1", c.v6)
		req := meas.TraceRequest{Dst: dst, Flow: meas.Flow{Proto: meas.UDP}, Attempts: 2}
		tr, err := late.Traceroute(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		last := tr.Hops[len(tr.Hops)-1]
		if tr.Stop != meas.StopUnreachable || last.TTL != 4 || last.Reply != meas.DestUnreach || last.Code != c.hostCode ||
			last.Addr.String() != c.from || last.RTT < 2*time.Second || last.RTT > lateWait {
			t.Errorf("v6=%v late wait: stop %v, last hop %+v; want UNREACH at TTL 4 from %s, code %d, after 2-6 s", c.v6, tr.Stop, last, c.from, c.hostCode)
		}
		tr, err = plain.Traceroute(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Stop != meas.StopGapLimit || tr.Hops[3].Reply != meas.NoReply {
			t.Errorf("v6=%v no late wait: stop %v, TTL 4 %+v; want GAPLIMIT, TTL 4 silent", c.v6, tr.Stop, tr.Hops[3])
		}
	}
}

// TestLateWaitSilentRouter checks that a late wait costs nothing where a
// later TTL answers: a router that never sends time exceeded is silent at
// the timeout.
func TestLateWaitSilentRouter(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	node(t, tp, "r1").Behaviour.NoTimeExceeded = true
	l := labtest.Up(t, tp)
	const timeout, lateWait = 300 * time.Millisecond, 20 * time.Second
	p := newProber(t, l, "h0", probe.Config{Rate: 2000, Timeout: timeout, LateWait: lateWait})
	start := time.Now()
	tr, err := p.Traceroute(context.Background(), meas.TraceRequest{Dst: hostAddr(t, tp, "h1", false), Attempts: 2})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Stop != meas.StopCompleted || tr.Hops[1].Reply != meas.NoReply {
		t.Errorf("stop %v, TTL 2 %+v; want COMPLETED, TTL 2 silent", tr.Stop, tr.Hops[1])
	}
	if took >= lateWait/2 {
		t.Errorf("trace took %v with a silent router before answering ones; want its timeouts (2 × %v), not the late wait %v", took, timeout, lateWait)
	}
}

// ifaceToward is the interface of node from facing its neighbour to.
func ifaceToward(t testing.TB, tp *topo.Topology, from, to string) topo.Endpoint {
	t.Helper()
	n := node(t, tp, from)
	for i, ifc := range n.Ifaces {
		if tp.Nodes[ifc.Peer.Node].Name == to {
			return topo.Endpoint{Node: n.ID, Iface: i}
		}
	}
	t.Fatalf("%s has no link to %s", from, to)
	return topo.Endpoint{}
}

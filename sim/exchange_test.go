package sim_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/meas/meastest"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

// TestExchange checks the network one packet at a time against its
// measurements: on the diamonds, the answers at TTL 1, 2, … of a flow are
// the truth of its traceroute, each but the first router's arriving with
// less than the initial TTL 64 left; a Record Route echo comes
// back with what RecordRoute records; bad packets are refused.
func TestExchange(t *testing.T) {
	tp := build(t)(topotest.Diamond())
	n := network(t, tp, sim.Config{})
	h0, h1 := host(t, tp, "h0"), host(t, tp, "h1")
	for _, f := range []meas.Flow{{Proto: meas.ICMP, ID: 7}, {Proto: meas.UDP, ID: 40001, SrcPort: 33456}, {Proto: meas.TCP, ID: 80, SrcPort: 40002}} {
		k := topo.FlowKey{Src: h0, Dst: h1, Flow: f}
		want := wantTrace(t, tp, k)
		var got []meas.Reply
		for ttl := 1; ttl <= len(want); ttl++ {
			a, ok, err := n.Exchange(h0, sim.Packet{Key: k, TTL: ttl}, 0)
			if err != nil || !ok || a.From != want[ttl-1] {
				t.Fatalf("%v TTL %d: %+v %v %v, want an answer from %s", f, ttl, a, ok, err, want[ttl-1])
			}
			if a.RTT <= 0 || a.TTL <= 0 || a.TTL > 64 || (ttl > 1 && a.TTL == 64) {
				t.Errorf("%v TTL %d: RTT %v, arriving TTL %d", f, ttl, a.RTT, a.TTL)
			}
			got = append(got, a.Reply)
		}
		last := got[len(got)-1]
		if !last.FromDestination() || slices.ContainsFunc(got[:len(got)-1], func(r meas.Reply) bool { return r != meas.TimeExceeded }) {
			t.Errorf("%v: replies %v, want time exceeded then the destination's", f, got)
		}
	}
	a, ok, err := n.Exchange(h0, sim.Packet{Key: topo.FlowKey{Src: h0, Dst: h1}, TTL: 64, RecordRoute: true}, 0)
	rr, rerr := n.RecordRoute(context.Background(), meas.RRRequest{Src: h0, Dst: h1})
	if err != nil || rerr != nil || !ok || a.Reply != meas.EchoReply || !slices.Equal(a.Recorded, rr.Recorded) {
		t.Errorf("Record Route echo: %+v %v %v; RecordRoute %v %v", a, ok, err, rr.Recorded, rerr)
	}
	for _, bad := range []sim.Packet{
		{Key: topo.FlowKey{Src: h0, Dst: h1}, TTL: 0},
		{Key: topo.FlowKey{Src: h0, Dst: h1, Flow: meas.Flow{Proto: 47}}, TTL: 5},
	} {
		if _, _, err := n.Exchange(h0, bad, 0); !errors.Is(err, meas.ErrBadRequest) {
			t.Errorf("%+v: %v, want ErrBadRequest", bad, err)
		}
	}
	if _, _, err := n.Exchange(ifaddr(t, tp, "r0", "h0"), sim.Packet{Key: topo.FlowKey{Src: h0, Dst: h1}, TTL: 5}, 0); !errors.Is(err, meas.ErrNoSource) {
		t.Errorf("a router as sender: %v, want ErrNoSource", err)
	}
}

// TestTwoHostExchange checks two-host requests one at a time against the
// network's two-host traceroute on the conformance topology: the nodes
// the responder's probes reach at each TTL are the trace's hops, the
// presence check is answered, a plain host echoes, and the answer's
// delay covers the probe's round trip.
func TestTwoHostExchange(t *testing.T) {
	tp := build(t)(meastest.Topology())
	w, err := meastest.NewWorld(tp, false)
	if err != nil {
		t.Fatal(err)
	}
	n := network(t, tp, sim.Config{})
	f, _ := meas.Flow{Proto: meas.UDP, SrcPort: meas.TwoHostSrcPort}.Normalize()
	tr, err := n.TwoHostTrace(context.Background(), meas.TwoHostRequest{Src: w.Src, Dst: w.Responder, Flow: f})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range tr.Hops {
		a, ok, err := n.TwoHostExchange(w.Src, w.Responder, f, h.TTL, 0)
		if err != nil || !ok || a.Echoed || a.Node != h.Addr || a.ProbeRTT != h.RTT || a.Delay <= a.ProbeRTT || a.TTL <= 0 {
			t.Errorf("TTL %d: %+v %v %v, want %s after %v", h.TTL, a, ok, err, h.Addr, h.RTT)
		}
	}
	if a, ok, err := n.TwoHostExchange(w.Src, w.Responder, f, 0, 0); err != nil || !ok || a.Echoed || a.Node.IsValid() {
		t.Errorf("presence check: %+v %v %v", a, ok, err)
	}
	if a, ok, err := n.TwoHostExchange(w.Src, w.Dst, f, 3, 0); err != nil || !ok || !a.Echoed {
		t.Errorf("request to a plain host: %+v %v %v, want an echo", a, ok, err)
	}
	if _, _, err := n.TwoHostExchange(w.Src, w.Responder, f, -1, 0); !errors.Is(err, meas.ErrBadRequest) {
		t.Errorf("TTL -1: %v", err)
	}
}

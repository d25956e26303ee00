package probe_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/revtr/revtr/topo/topotest"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/topo"
)

// TestPingChain pings across a chain, both ways, and checks a silent
// destination is reported as no reply rather than an error.
func TestPingChain(t *testing.T) {
	tp := build(t)(topotest.Chain(4))
	inWorlds(t, tp, func(t *testing.T, w world) { pingChain(t, w, tp) })
}

func pingChain(t *testing.T, w world, tp *topo.Topology) {
	g := group(t, w, tp, nil)
	h0, h1 := hostAddr(t, tp, "h0", false), hostAddr(t, tp, "h1", false)
	ctx := context.Background()
	for _, pair := range [][2]netip.Addr{{h0, h1}, {h1, h0}} {
		res, err := g.Ping(ctx, meas.PingRequest{Src: pair[0], Dst: pair[1], Count: 3})
		if err != nil {
			t.Fatalf("ping %v: %v", pair, err)
		}
		if res.Sent != 3 || len(res.RTTs) != 3 {
			t.Errorf("ping %s -> %s: sent %d, %d replies, want 3 and 3", pair[0], pair[1], res.Sent, len(res.RTTs))
		}
	}
	for _, pair := range [][2]string{{"h0", "h1"}, {"h1", "h0"}} {
		src, dst := hostAddr(t, tp, pair[0], true), hostAddr(t, tp, pair[1], true)
		res, err := g.Ping(ctx, meas.PingRequest{Src: src, Dst: dst, Count: 2})
		if err != nil || res.Sent != 2 || len(res.RTTs) != 2 {
			p, _ := g.Prober(src)
			t.Errorf("IPv6 ping %s -> %s: %+v, %v; want 2 replies (prober %+v)\n%s\n%s", src, dst, res, err, p.Stats(),
				w.run(t, pair[0], "ip", "-6", "neigh"), w.run(t, pair[1], "ip", "-6", "neigh"))
		}
	}
	nowhere := netip.MustParseAddr("10.255.255.1") // inside the lab's space, owned by no node
	res, err := g.Ping(ctx, meas.PingRequest{Src: h0, Dst: nowhere, Timeout: 100 * time.Millisecond})
	if err != nil || res.Replied() {
		t.Errorf("ping to an unowned address: %+v, %v; want no reply, no error", res, err)
	}
}

// TestRecordRouteTruth checks Record Route pings against the ground truth
// on a chain whose middle router does not stamp: absent from Record Route,
// present in traceroute.
func TestRecordRouteTruth(t *testing.T) {
	tp := build(t)(topotest.Chain(5))
	silent := node(t, tp, "r2")
	silent.Behaviour.NoRRStamp = true
	inWorlds(t, tp, func(t *testing.T, w world) { recordRouteTruth(t, w, tp, silent) })
}

func recordRouteTruth(t *testing.T, w world, tp *topo.Topology, silent *topo.Node) {
	g := group(t, w, tp, nil)
	ctx := context.Background()
	for _, pair := range [][2]string{{"h0", "h1"}, {"h1", "h0"}} {
		src, dst := hostAddr(t, tp, pair[0], false), hostAddr(t, tp, pair[1], false)
		rr, err := g.RecordRoute(ctx, meas.RRRequest{Src: src, Dst: dst})
		if err != nil {
			t.Fatalf("record route %v: %v", pair, err)
		}
		want := wantRR(t, tp, node(t, tp, pair[0]).ID, src, dst)
		if !rr.Replied || !slices.Equal(rr.Recorded, want) {
			t.Fatalf("RR %s -> %s: replied %v recorded %v, want %v", pair[0], pair[1], rr.Replied, rr.Recorded, want)
		}
		k := topo.FlowKey{Src: src, Dst: dst}
		fwd, _ := tp.Path(node(t, tp, pair[0]).ID, k)
		rev, _ := tp.ReversePath(k)
		// Reverse: the stamping routers back and the source on receipt,
		// as far as the 9 slots go.
		wantRev := slices.Concat(tp.RRAddrs(rev), []netip.Addr{src})
		wantRev = wantRev[:min(len(wantRev), meas.RRSlots-len(tp.RRAddrs(fwd))-2)]
		if !slices.Equal(rr.Forward, tp.RRAddrs(fwd)) || !slices.Equal(rr.Reverse, wantRev) {
			t.Errorf("RR %s -> %s: forward %v reverse %v, want %v and %v", pair[0], pair[1], rr.Forward, rr.Reverse, tp.RRAddrs(fwd), wantRev)
		}
		for _, a := range rr.Recorded {
			if ep, _ := tp.Owner(a); ep.Node == silent.ID {
				t.Errorf("RR %s -> %s recorded %s of non-stamping %s", pair[0], pair[1], a, silent.Name)
			}
		}
		tr, err := g.Traceroute(ctx, meas.TraceRequest{Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.ICMP}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(tr.Path(), func(a netip.Addr) bool { ep, _ := tp.Owner(a); return ep.Node == silent.ID }) {
			t.Errorf("traceroute %s -> %s %v misses non-stamping %s", pair[0], pair[1], tr.Path(), silent.Name)
		}
	}
}

// TestRecordRouteBadInput checks clear errors for requests that cannot be
// sent.
func TestRecordRouteBadInput(t *testing.T) {
	tp := build(t)(topotest.Chain(1))
	inWorlds(t, tp, func(t *testing.T, w world) { recordRouteBadInput(t, w, tp) })
}

func recordRouteBadInput(t *testing.T, w world, tp *topo.Topology) {
	p := w.prober(t, "h0", probe.Config{Rate: 1000})
	ctx := context.Background()
	h0, h1 := hostAddr(t, tp, "h0", false), hostAddr(t, tp, "h1", false)
	h16 := hostAddr(t, tp, "h1", true)
	cases := []struct {
		name string
		req  meas.RRRequest
		want error
	}{
		{"IPv6", meas.RRRequest{Dst: h16}, meas.ErrBadRequest},
		{"mixed", meas.RRRequest{Src: h0, Dst: h16}, meas.ErrBadRequest},
		{"no destination", meas.RRRequest{Src: h0}, meas.ErrBadRequest},
		{"not ours", meas.RRRequest{Src: h1, Dst: h0}, probe.ErrSpoofNotAllowed},
		{"spoofed on one prober", meas.RRRequest{Src: h1, Dst: h0, Sender: h0}, meas.ErrNotSupported},
	}
	for _, c := range cases {
		if _, err := p.RecordRoute(ctx, c.req); !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
	}
}

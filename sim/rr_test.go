package sim_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

func rr(t *testing.T, n *sim.Network, req meas.RRRequest) meas.RRPing {
	t.Helper()
	res, err := n.RecordRoute(context.Background(), req)
	if err != nil {
		t.Fatalf("RecordRoute %v: %v", req, err)
	}
	return res
}

// TestRRChain checks every slot of a Record Route ping across a chain
// h0–r0–r1–r2–h1, written out by hand.
func TestRRChain(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	n := network(t, tp, sim.Config{})
	src, dst := host(t, tp, "h0"), host(t, tp, "h1")
	res := rr(t, n, meas.RRRequest{Src: src, Dst: dst})
	fwd := []netip.Addr{ifaddr(t, tp, "r0", "r1"), ifaddr(t, tp, "r1", "r2"), ifaddr(t, tp, "r2", "h1")}
	rev := []netip.Addr{ifaddr(t, tp, "r2", "r1"), ifaddr(t, tp, "r1", "r0"), ifaddr(t, tp, "r0", "h0"), src}
	want := slices.Concat(fwd, []netip.Addr{dst, dst}, rev)
	if !res.Replied || !slices.Equal(res.Recorded, want) {
		t.Fatalf("recorded %v, want %v", res.Recorded, want)
	}
	if !slices.Equal(res.Forward, fwd) || !slices.Equal(res.Reverse, rev) {
		t.Errorf("forward %v reverse %v, want %v and %v", res.Forward, res.Reverse, fwd, rev)
	}
	if res.Sender != src {
		t.Errorf("sender %v, want %v", res.Sender, src)
	}
}

// TestRRFullSlots checks that slots run out as on Linux: the reply's own
// stamps get cut first, then the destination's, then nothing is reverse.
func TestRRFullSlots(t *testing.T) {
	for _, tc := range []struct {
		routers, fwd, rev int
		dstSeen           bool
	}{
		{routers: 6, fwd: 6, rev: 1, dstSeen: true}, // 6 + 2 + 1
		{routers: 7, fwd: 7, rev: 0, dstSeen: true}, // 7 + 2
		{routers: 8, fwd: 8, rev: 0, dstSeen: true}, // 8 + 1
		{routers: 9, fwd: 9, rev: 0, dstSeen: false},
		{routers: 12, fwd: 9, rev: 0, dstSeen: false},
	} {
		tp := build(t)(topotest.Chain(tc.routers))
		n := network(t, tp, sim.Config{})
		src, dst := host(t, tp, "h0"), host(t, tp, "h1")
		res := rr(t, n, meas.RRRequest{Src: src, Dst: dst})
		if !res.Replied || len(res.Recorded) != meas.RRSlots {
			t.Errorf("%d routers: replied %v, recorded %v", tc.routers, res.Replied, res.Recorded)
		}
		if len(res.Forward) != tc.fwd || len(res.Reverse) != tc.rev || slices.Contains(res.Recorded, dst) != tc.dstSeen {
			t.Errorf("%d routers: forward %d reverse %d (dst seen %v), want %d, %d, %v",
				tc.routers, len(res.Forward), len(res.Reverse), slices.Contains(res.Recorded, dst), tc.fwd, tc.rev, tc.dstSeen)
		}
		if want := wantRR(t, tp, hostID(tp, "h0"), src, dst); !slices.Equal(res.Recorded, want) {
			t.Errorf("%d routers: recorded %v, want %v", tc.routers, res.Recorded, want)
		}
	}
}

// TestRRAsymmetric compares every host pair of the multi-AS topology, whose
// forward and reverse paths differ, with the ground truth.
func TestRRAsymmetric(t *testing.T) {
	tp := build(t)(topotest.MultiAS())
	n := network(t, tp, sim.Config{})
	asym := 0
	for _, a := range tp.Nodes {
		for _, b := range tp.Nodes {
			if a.Kind != topo.Host || b.Kind != topo.Host || a.ID == b.ID {
				continue
			}
			src, dst := tp.HostAddr(a.ID, false), tp.HostAddr(b.ID, false)
			res := rr(t, n, meas.RRRequest{Src: src, Dst: dst})
			if want := wantRR(t, tp, a.ID, src, dst); !res.Replied || !slices.Equal(res.Recorded, want) {
				t.Errorf("%s→%s: recorded %v, want %v", a.Name, b.Name, res.Recorded, want)
			}
			if len(res.Reverse) > 1 && !slices.Equal(res.Reverse[:len(res.Reverse)-1], reversed(res.Forward)) {
				asym++
			}
		}
	}
	if asym == 0 {
		t.Error("no pair shows an asymmetric path: the test topology does not test asymmetry")
	}
}

func reversed(s []netip.Addr) []netip.Addr {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

// TestRRBehaviours: a non-stamping router is absent from RR but present in
// traceroute; a router dropping options kills RR pings but not pings; a
// host dropping options or ignoring echo does not answer.
func TestRRBehaviours(t *testing.T) {
	tp := build(t)(topotest.Chain(4))
	r1, _ := tp.Node("r1")
	r1.Behaviour.NoRRStamp = true
	n := network(t, tp, sim.Config{})
	src, dst := host(t, tp, "h0"), host(t, tp, "h1")
	res := rr(t, n, meas.RRRequest{Src: src, Dst: dst})
	stamp := ifaddr(t, tp, "r1", "r2")
	if !res.Replied || slices.Contains(res.Recorded, stamp) || slices.Contains(res.Recorded, ifaddr(t, tp, "r1", "r0")) {
		t.Errorf("non-stamping r1 in %v", res.Recorded)
	}
	if want := wantRR(t, tp, hostID(tp, "h0"), src, dst); !slices.Equal(res.Recorded, want) || len(res.Forward) != 3 {
		t.Errorf("recorded %v, want %v", res.Recorded, want)
	}
	tr := trace(t, n, meas.TraceRequest{Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.UDP}})
	if !slices.Contains(tr.Path(), ifaddr(t, tp, "r1", "r0")) {
		t.Errorf("non-stamping r1 missing from traceroute %v", tr.Path())
	}

	r2, _ := tp.Node("r2")
	r2.Behaviour.DropOptions = true
	n = network(t, tp, sim.Config{})
	if res := rr(t, n, meas.RRRequest{Src: src, Dst: dst}); res.Replied {
		t.Errorf("RR through an option-dropping router replied: %v", res)
	}
	if p := ping(t, n, meas.PingRequest{Src: src, Dst: dst}); !p.Replied() {
		t.Error("plain ping through an option-dropping router got no reply")
	}
	r2.Behaviour.DropOptions = false

	h1, _ := tp.Node("h1")
	for _, role := range []topo.HostRole{{DropOptions: true}, {NoEcho: true}} {
		h1.Role = role
		n = network(t, tp, sim.Config{})
		if res := rr(t, n, meas.RRRequest{Src: src, Dst: dst}); res.Replied {
			t.Errorf("host %+v answered RR", role)
		}
		if p := ping(t, n, meas.PingRequest{Src: src, Dst: dst}); p.Replied() == role.NoEcho {
			t.Errorf("host %+v: ping replied %v", role, p.Replied())
		}
	}
}

// TestRRToRouter pings a router's far interface: Linux stamps the probed
// address on receipt and again as the reply's source address, whatever
// interface the reply leaves by.
func TestRRToRouter(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	n := network(t, tp, sim.Config{})
	src := host(t, tp, "h0")
	far := ifaddr(t, tp, "r1", "r2") // r1's interface away from the source
	res := rr(t, n, meas.RRRequest{Src: src, Dst: far})
	want := []netip.Addr{ifaddr(t, tp, "r0", "r1"), far, far, ifaddr(t, tp, "r0", "h0"), src}
	if !slices.Equal(res.Recorded, want) {
		t.Errorf("recorded %v, want %v", res.Recorded, want)
	}
}

// TestSpoofedRR: a vantage point that may spoof sends as the source, the
// source gets the reply; one behind strict reverse-path filtering is
// dropped at its first router.
func TestSpoofedRR(t *testing.T) {
	tp := build(t)(topotest.MultiAS())
	n := network(t, tp, sim.Config{})
	hs, hd, hw, he := host(t, tp, "h0"), host(t, tp, "h1"), host(t, tp, "h2"), host(t, tp, "h3")
	hwNode, _ := tp.Node("h2")
	res := rr(t, n, meas.RRRequest{Src: hs, Dst: hd, Sender: hw})
	if want := wantRR(t, tp, hwNode.ID, hs, hd); !res.Replied || !slices.Equal(res.Recorded, want) {
		t.Errorf("spoofed from h2: recorded %v, want %v", res.Recorded, want)
	}
	if res.Sender != hw || res.Src != hs || len(res.Reverse) == 0 {
		t.Errorf("spoofed result %+v: want sender h2 and reverse hops", res)
	}
	if res := rr(t, n, meas.RRRequest{Src: hs, Dst: hd, Sender: he}); res.Replied {
		t.Errorf("h3 may not spoof, yet the reply came: %v", res)
	}
	if res := rr(t, n, meas.RRRequest{Src: he, Dst: hd}); !res.Replied {
		t.Error("h3's own, unspoofed RR ping got no reply")
	}
	c := n.Counts()
	if c.SpoofedRR != 2 || c.RR != 1 {
		t.Errorf("counts %+v, want 2 spoofed and 1 plain RR", c)
	}
}

func TestRRBadInput(t *testing.T) {
	tp := build(t)(topotest.MultiAS())
	n := network(t, tp, sim.Config{})
	hs, hd := host(t, tp, "h0"), host(t, tp, "h1")
	r0, _ := tp.Node("r0")
	for name, tc := range map[string]struct {
		req  meas.RRRequest
		want error
	}{
		"unknown source": {meas.RRRequest{Src: netip.MustParseAddr("10.255.0.1"), Dst: hd}, meas.ErrNoSource},
		"router source":  {meas.RRRequest{Src: r0.Ifaces[0].Addr.Addr(), Dst: hd}, meas.ErrNoSource},
		"unknown sender": {meas.RRRequest{Src: hs, Dst: hd, Sender: netip.MustParseAddr("10.255.0.1")}, meas.ErrNoSource},
		"no destination": {meas.RRRequest{Src: hs}, meas.ErrBadRequest},
		"mixed families": {meas.RRRequest{Src: hs, Dst: netip.MustParseAddr("2001:db8::1")}, meas.ErrBadRequest},
		"IPv6":           {meas.RRRequest{Src: tp.HostAddr(hostID(tp, "h0"), true), Dst: tp.HostAddr(hostID(tp, "h1"), true)}, meas.ErrBadRequest},
		"missing source": {meas.RRRequest{Dst: hd}, meas.ErrNoSource},
	} {
		if _, err := n.RecordRoute(context.Background(), tc.req); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", name, err, tc.want)
		}
	}
}

func hostID(tp *topo.Topology, name string) topo.NodeID {
	nd, _ := tp.Node(name)
	return nd.ID
}

// TestSpoofedRRInputChecks: the kernel's input source checks apply to
// packets addressed to the node itself too (verified in the lab, Linux
// 6.18): a vantage point behind strict reverse-path filtering cannot get a
// spoofed probe to its first router's own address through, one that may
// spoof can; and no host accepts a packet spoofed with its own address
// (accept_local=0), so a probe spoofed as the source to the source is
// never answered.
func TestSpoofedRRInputChecks(t *testing.T) {
	tp := build(t)(topotest.MultiAS())
	n := network(t, tp, sim.Config{})
	hs, hw, he := host(t, tp, "h0"), host(t, tp, "h2"), host(t, tp, "h3")
	gw := func(h string) netip.Addr {
		nd, _ := tp.Node(h)
		p := nd.Ifaces[0].Peer
		return tp.Nodes[p.Node].Ifaces[p.Iface].Addr.Addr()
	}
	if res := rr(t, n, meas.RRRequest{Src: hs, Dst: gw("h3"), Sender: he}); res.Replied {
		t.Errorf("h3 may not spoof, yet its first router answered as h0: %v", res.Recorded)
	}
	if res := rr(t, n, meas.RRRequest{Src: hs, Dst: gw("h2"), Sender: hw}); !res.Replied {
		t.Error("h2 may spoof, yet its first router's answer did not reach h0")
	}
	if res := rr(t, n, meas.RRRequest{Src: hs, Dst: hs, Sender: hw}); res.Replied {
		t.Errorf("h0 accepted a probe spoofed with its own address: %v", res.Recorded)
	}
	if res := rr(t, n, meas.RRRequest{Src: he, Dst: gw("h3")}); !res.Replied {
		t.Error("h3's own RR ping to its first router got no reply")
	}
}

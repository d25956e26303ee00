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

// TestSpoofedRR sends Record Route pings from the vantage points of MultiAS
// with the source's address: received and matched at the source when the
// vantage point may spoof, refused when the prober was not allowed to use
// that address, dropped by strict rp_filter when the vantage point's first
// router enforces it.
func TestSpoofedRR(t *testing.T) {
	tp := build(t)(topotest.MultiAS())
	inWorlds(t, tp, func(t *testing.T, w world) { spoofedRR(t, w, tp) })
}

func spoofedRR(t *testing.T, w world, tp *topo.Topology) {
	hs, hd := hostAddr(t, tp, "h0", false), hostAddr(t, tp, "h1", false)
	hw, he := hostAddr(t, tp, "h2", false), hostAddr(t, tp, "h3", false)
	g := group(t, w, tp, func(n *topo.Node) probe.Config {
		cfg := probe.Config{Rate: 2000, Timeout: time.Second}
		if n.Role.VantagePoint {
			cfg.AllowSpoof = []netip.Addr{hs}
		}
		return cfg
	})
	ctx := context.Background()

	rr, err := g.RecordRoute(ctx, meas.RRRequest{Src: hs, Dst: hd, Sender: hw})
	if err != nil {
		t.Fatalf("spoofed RR from h2 as h0: %v", err)
	}
	want := wantRR(t, tp, node(t, tp, "h2").ID, hs, hd)
	if !rr.Replied || !slices.Equal(rr.Recorded, want) || rr.Sender != hw || rr.Src != hs {
		t.Errorf("spoofed RR from h2 as h0 to h1: %+v, want recorded %v", rr, want)
	}
	if fwd, _, ok := meas.SplitRecorded(want, hd); ok && !slices.Equal(rr.Forward, fwd) {
		t.Errorf("forward %v, want %v", rr.Forward, fwd)
	}
	if rr.RTT <= 0 || rr.RTT > time.Second {
		t.Errorf("spoofed RR RTT %v", rr.RTT)
	}

	if _, err := g.RecordRoute(ctx, meas.RRRequest{Src: he, Dst: hd, Sender: hw}); !errors.Is(err, probe.ErrSpoofNotAllowed) {
		t.Errorf("spoofing a source not allowed: err %v, want ErrSpoofNotAllowed", err)
	}

	start := time.Now()
	rr, err = g.RecordRoute(ctx, meas.RRRequest{Src: hs, Dst: hd, Sender: he})
	if err != nil || rr.Replied {
		t.Errorf("spoofed RR from h3 (strict rp_filter upstream): %+v, %v; want no reply, no error", rr, err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("no reply reported after %v, before the 1 s timeout", d)
	}
	// The same vantage point's own, unspoofed probe passes.
	rr, err = g.RecordRoute(ctx, meas.RRRequest{Src: he, Dst: hd})
	if err != nil || !rr.Replied {
		t.Errorf("unspoofed RR from h3: %+v, %v", rr, err)
	}
	if _, err := g.RecordRoute(ctx, meas.RRRequest{Src: hs, Dst: hd, Sender: netip.MustParseAddr("10.254.0.1")}); !errors.Is(err, meas.ErrNoSource) {
		t.Errorf("sender without prober: %v, want ErrNoSource", err)
	}
}

// TestExpectAndSend runs the two halves of a spoofed Record Route ping by
// hand, as two agents would: the source registers the expectation, the
// vantage point sends.
func TestExpectAndSend(t *testing.T) {
	tp := build(t)(topotest.MultiAS())
	inWorlds(t, tp, func(t *testing.T, w world) { expectAndSend(t, w, tp) })
}

func expectAndSend(t *testing.T, w world, tp *topo.Topology) {
	hs, hd := hostAddr(t, tp, "h0", false), hostAddr(t, tp, "h1", false)
	src := w.prober(t, "h0", probe.Config{Rate: 1000})
	vp := w.prober(t, "h2", probe.Config{Rate: 1000, AllowSpoof: []netip.Addr{hs}})
	ctx := context.Background()
	c, err := src.ExpectRR(ctx, meas.RRExpectRequest{Src: hs, Dst: hd, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vp.SendRR(ctx, c.Probe()); err != nil {
		t.Fatal(err)
	}
	r, err := c.Wait(ctx)
	if err != nil || !r.Replied || r.Src != hs || r.Dst != hd || len(r.Recorded) == 0 || len(r.Reverse) == 0 {
		t.Fatalf("expected reply: %+v, %v", r, err)
	}
	if _, err := vp.ExpectRR(ctx, meas.RRExpectRequest{Src: hs, Dst: hd}); !errors.Is(err, meas.ErrNoSource) {
		t.Errorf("expecting at a host that does not own the source: %v", err)
	}
}

package twohost_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
)

// newProber opens a probe.Prober on node, closed when the test ends.
func newProber(t testing.TB, l *lab.Lab, node string) *probe.Prober {
	t.Helper()
	return labtest.Open(t, l, node, func() (*probe.Prober, error) { return probe.New(proberConfig) })
}

// TestTwoWayMultiAS measures both directions between the source and the
// destination of a topology whose routing is asymmetric at the AS and
// router level, and compares each with its ground truth, for UDP, TCP and
// ICMP over IPv4 and IPv6.
func TestTwoWayMultiAS(t *testing.T) {
	tp, err := topotest.MultiAS()
	inWorlds(t, tp, err, func(t *testing.T, w world) { twoWayMultiAS(t, w, tp) })
}

func twoWayMultiAS(t *testing.T, w world, tp *topo.Topology) {
	w.responder(t, "h1", twohost.ResponderConfig{})
	c := w.client(t, "h0", fastClient())
	pr := w.prober(t, "h0")
	for _, v6 := range []bool{false, true} {
		for _, proto := range []meas.Proto{meas.UDP, meas.TCP, meas.ICMP} {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			client, target := hostAddr(t, tp, "h0", v6), hostAddr(t, tp, "h1", v6)
			flow := meas.Flow{Proto: proto, ID: 40000}
			rev, err := c.TwoHostTrace(ctx, meas.TwoHostRequest{Dst: target, Flow: flow})
			if err != nil {
				t.Fatalf("%v v6=%v: %v", proto, v6, err)
			}
			fwd, err := pr.Traceroute(ctx, meas.TraceRequest{Dst: target, Flow: flow})
			if err != nil {
				t.Fatalf("%v v6=%v: %v", proto, v6, err)
			}
			wantRev := truthTrace(t, tp, target, client, rev.Flow)
			wantFwd := truthTrace(t, tp, client, target, flow)
			if got := rev.Path(); !slices.Equal(got, wantRev) || rev.Stop != meas.StopCompleted {
				t.Errorf("%v v6=%v: reverse %v (stop %v), want %v", proto, v6, got, rev.Stop, wantRev)
			}
			if got := fwd.Path(); !slices.Equal(got, wantFwd) {
				t.Errorf("%v v6=%v: forward %v, want %v", proto, v6, got, wantFwd)
			}
			if slices.Equal(routers(t, tp, wantRev), reversed(routers(t, tp, wantFwd))) {
				t.Errorf("%v v6=%v: the topology is meant to be asymmetric, truth is not", proto, v6)
			}
		}
	}
}

// routers maps the hops of a trace, destination left out, to the nodes
// that own them (alias truth).
func routers(t *testing.T, tp *topo.Topology, addrs []netip.Addr) []topo.NodeID {
	t.Helper()
	var ns []topo.NodeID
	for _, a := range addrs[:max(len(addrs)-1, 0)] {
		ep, ok := tp.Owner(a)
		if !ok {
			t.Fatalf("no node owns %s", a)
		}
		ns = append(ns, ep.Node)
	}
	return ns
}

func reversed[T any](s []T) []T {
	s = slices.Clone(s)
	slices.Reverse(s)
	return s
}

package twohost_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
	"github.com/revtr/revtr/wire"
)

// TestReverseChain checks the reverse path on a chain for every protocol
// and both families against the ground truth.
func TestReverseChain(t *testing.T) {
	tp, err := topotest.Chain(4)
	inWorlds(t, tp, err, func(t *testing.T, w world) { reverseChain(t, w, tp) })
}

func reverseChain(t *testing.T, w world, tp *topo.Topology) {
	w.responder(t, "h1", twohost.ResponderConfig{})
	c := w.client(t, "h0", fastClient())
	for _, v6 := range []bool{false, true} {
		for _, proto := range []meas.Proto{meas.UDP, meas.TCP, meas.ICMP} {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			src, dst := hostAddr(t, tp, "h1", v6), hostAddr(t, tp, "h0", v6)
			p, err := c.TwoHostTrace(ctx, meas.TwoHostRequest{Dst: src, Flow: meas.Flow{Proto: proto, ID: 33000}, Queries: 3})
			if err != nil {
				t.Fatalf("%v v6=%v: %v", proto, v6, err)
			}
			want := truthTrace(t, tp, src, dst, p.Flow)
			if got := p.Path(); !slices.Equal(got, want) || p.Stop != meas.StopCompleted {
				t.Errorf("%v v6=%v: reverse path %v (stop %v), want %v", proto, v6, got, p.Stop, want)
			}
		}
	}
}

// TestDistance checks the reverse distance the presence check's answer
// gives, both families: routers on the reverse path plus the client.
func TestDistance(t *testing.T) {
	tp, err := topotest.Chain(5)
	inWorlds(t, tp, err, func(t *testing.T, w world) { distance(t, w, tp) })
}

func distance(t *testing.T, w world, tp *topo.Topology) {
	w.responder(t, "h1", twohost.ResponderConfig{})
	c := w.client(t, "h0", fastClient())
	for _, v6 := range []bool{false, true} {
		a, err := c.Query(context.Background(), hostAddr(t, tp, "h1", v6), twohost.Query{TTL: 0, Proto: wire.ProtoUDP})
		if err != nil || a.Distance() != 6 {
			t.Errorf("v6=%v: answer %+v (distance %d), %v; want distance 6", v6, a, a.Distance(), err)
		}
	}
}

package sim_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo/topotest"
)

// TestPingRTT: the RTT is the sum of the one-way link delays out and back,
// and the virtual clock moves by what the pings took.
func TestPingRTT(t *testing.T) {
	tp := build(t)(topotest.Chain(3)) // h0 –100µs– r0 –1ms– r1 –1ms– r2 –100µs– h1
	n := network(t, tp, sim.Config{})
	src, dst := host(t, tp, "h0"), host(t, tp, "h1")
	var want time.Duration
	for _, l := range tp.Links {
		want += 2 * l.Delay
	}
	if want != 4400*time.Microsecond {
		t.Fatalf("chain delays sum to %v: the topology changed", want/2)
	}
	p := ping(t, n, meas.PingRequest{Src: src, Dst: dst, Count: 3})
	if p.Sent != 3 || len(p.RTTs) != 3 || p.RTTs[0] != want {
		t.Fatalf("ping %+v, want 3 replies of %v", p, want)
	}
	// Three probes paced 10 ms apart, the last answered after one RTT.
	if el := n.Clock.Elapsed(); el != 20*time.Millisecond+want {
		t.Errorf("clock at %v, want %v", el, 20*time.Millisecond+want)
	}
	ctx := sim.WithClock(context.Background(), &sim.Clock{})
	if _, err := n.Ping(ctx, meas.PingRequest{Src: src, Dst: dst}); err != nil {
		t.Fatal(err)
	}
	if el := n.Clock.Elapsed(); el != 20*time.Millisecond+want {
		t.Errorf("a ping on its own clock moved the network's clock to %v", el)
	}
	c := n.Counts()
	if c.Ping != 4 || c.Total() != 4 {
		t.Errorf("counts %+v, want 4 pings", c)
	}
}

// TestPingUnanswered: a silent probe costs its timeout.
func TestPingUnanswered(t *testing.T) {
	tp := build(t)(topotest.Chain(2))
	h1, _ := tp.Node("h1")
	h1.Role.NoEcho = true
	n := network(t, tp, sim.Config{})
	p := ping(t, n, meas.PingRequest{Src: host(t, tp, "h0"), Dst: host(t, tp, "h1"), Timeout: 3 * time.Second})
	if p.Replied() || p.Sent != 1 {
		t.Errorf("ping %+v: want one unanswered probe", p)
	}
	if el := n.Clock.Elapsed(); el != 3*time.Second {
		t.Errorf("clock at %v, want the 3 s timeout", el)
	}
}

func TestPingBadInput(t *testing.T) {
	tp := build(t)(topotest.Chain(2))
	n := network(t, tp, sim.Config{})
	src, dst := host(t, tp, "h0"), host(t, tp, "h1")
	if _, err := n.Ping(context.Background(), meas.PingRequest{Src: src, Dst: dst, Count: -1}); !errors.Is(err, meas.ErrBadRequest) {
		t.Errorf("negative count: err %v", err)
	}
	if _, err := n.Ping(context.Background(), meas.PingRequest{Src: dst.Next(), Dst: dst}); !errors.Is(err, meas.ErrNoSource) {
		t.Errorf("unknown source: err %v", err)
	}
	if _, err := sim.New(nil, sim.Config{}); err == nil {
		t.Errorf("nil topology: err %v", err)
	}
}

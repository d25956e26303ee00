package sim_test

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

// measure runs one request of any kind on its own virtual clock.
func measure(n *sim.Network, req any) (any, error) {
	ctx := sim.WithClock(context.Background(), &sim.Clock{})
	switch r := req.(type) {
	case meas.PingRequest:
		return n.Ping(ctx, r)
	case meas.RRRequest:
		return n.RecordRoute(ctx, r)
	case meas.TraceRequest:
		return n.Traceroute(ctx, r)
	case meas.MultipathRequest:
		return n.Multipath(ctx, r)
	}
	return nil, nil
}

// TestConcurrentDeterministic: many goroutines measuring at once get
// exactly what one goroutine gets alone.
func TestConcurrentDeterministic(t *testing.T) {
	tp := build(t)(topotest.MultiAS())
	n := network(t, tp, sim.Config{})
	var reqs []any
	for _, a := range tp.Nodes {
		for _, b := range tp.Nodes {
			if a.Kind != topo.Host || b.Kind != topo.Host || a.ID == b.ID {
				continue
			}
			src, dst := tp.HostAddr(a.ID, false), tp.HostAddr(b.ID, false)
			reqs = append(reqs,
				meas.PingRequest{Src: src, Dst: dst},
				meas.RRRequest{Src: src, Dst: dst},
				meas.RRRequest{Src: src, Dst: dst, Sender: host(t, tp, "h2")},
				meas.TraceRequest{Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.UDP, ID: uint16(a.ID)}},
				meas.MultipathRequest{Src: src, Dst: dst, Proto: meas.TCP})
		}
	}
	want := make([]any, len(reqs))
	for i, r := range reqs {
		res, err := measure(n, r)
		if err != nil {
			t.Fatalf("%v: %v", r, err)
		}
		want[i] = res
	}
	before := n.Counts().Total()
	const workers, rounds = 8, 5
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for k := range rounds * len(reqs) {
				i := (k + w*7) % len(reqs)
				got, err := measure(n, reqs[i])
				if err != nil || !reflect.DeepEqual(got, want[i]) {
					t.Errorf("worker %d, %v: got %+v (%v), want %+v", w, reqs[i], got, err, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
	if got, wantN := n.Counts().Total()-before, workers*rounds*before; got != wantN {
		t.Errorf("%d probes counted under concurrency, want %d", got, wantN)
	}
}

// TestConcurrentRateLimit: concurrent timelines starting together share a
// router's buckets: six answers in all, whoever sends them. Every
// measurement runs on its own clock started at 0, so all 80 probes reach
// r1 at 1.1 ms, within one jiffy: no token accrues between them.
func TestConcurrentRateLimit(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	r1, _ := tp.Node("r1")
	r1.Behaviour.ICMPRateLimitMS = 1000
	n := network(t, tp, sim.Config{})
	req := meas.TraceRequest{Src: host(t, tp, "h0"), Dst: host(t, tp, "h1"), Flow: meas.Flow{Proto: meas.UDP},
		FirstTTL: 2, MaxTTL: 2, Timeout: 10 * time.Millisecond} // r1's time exceeded takes 2.2 ms
	var answered atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				tr, err := measure(n, req)
				if err != nil {
					t.Error(err)
					return
				}
				if tr.(meas.Trace).Hops[0].Addr.IsValid() {
					answered.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if answered.Load() != 6 {
		t.Errorf("%d answers, want the burst of 6", answered.Load())
	}
	if c := n.Counts(); c.RateLimited != 74 || c.Late != 0 {
		t.Errorf("%d suppressed, %d late, want 74 and none", c.RateLimited, c.Late)
	}
}

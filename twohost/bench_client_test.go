package twohost_test

import (
	"context"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
)

// BenchmarkReverseWallTime measures the wall time of a 10-hop reverse
// path (topotest.Chain(9): nine routers, then the client) with our client's
// defaults against the reference client's (3 probes per hop, one request
// every 0.1 s, each awaited, 2 s timeout), emulated with our client: one
// TTL in flight, a 10/s token bucket of depth 1. Reported: seconds and
// requests per reverse path.
func BenchmarkReverseWallTime(b *testing.B) {
	tp, err := topotest.Chain(9)
	l := upLab(b, tp, err)
	startResponder(b, l, "h1", twohost.ResponderConfig{})
	target := hostAddr(b, tp, "h1", false)
	for _, bc := range []struct {
		name string
		cfg  twohost.ClientConfig
		req  meas.TwoHostRequest
	}{
		{"ours", twohost.ClientConfig{}, meas.TwoHostRequest{Queries: 3}},
		{"ours-1query", twohost.ClientConfig{}, meas.TwoHostRequest{}},
		{"reference", twohost.ClientConfig{Rate: 10, Burst: 1, Timeout: 2 * time.Second},
			meas.TwoHostRequest{Queries: 3, Window: 1, MaxTTL: 15}},
	} {
		c := newClient(b, l, "h0", bc.cfg)
		bc.req.Dst, bc.req.Flow = target, meas.Flow{Proto: meas.UDP}
		b.Run(bc.name, func(b *testing.B) {
			var p meas.TwoHostTrace
			start := time.Now()
			for b.Loop() {
				if p, err = c.TwoHostTrace(context.Background(), bc.req); err != nil || len(p.Hops) != 10 || p.Stop != meas.StopCompleted {
					b.Fatalf("reverse: %d hops, stop %v, %v", len(p.Hops), p.Stop, err)
				}
			}
			b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/path")
			b.ReportMetric(float64(p.Probes), "requests/path")
		})
	}
}

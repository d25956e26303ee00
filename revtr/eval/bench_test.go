package eval_test

import (
	"context"
	"testing"
	"time"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/topo"
)

// benchWorld is a generated Internet of about 1,000 routers with 50
// vantage points and 5 sources, its atlas and survey measured.
func benchWorld(b *testing.B) *eval.World {
	b.Helper()
	p := topo.SizedParams(1050)
	p.VantagePoints, p.Sources = 50, 5
	w, err := eval.NewWorld(context.Background(), eval.Config{Seed: 1, Params: p, RouterTargets: true})
	if err != nil {
		b.Fatal(err)
	}
	return w
}

// BenchmarkEngine measures one reverse traceroute on the simulator, per
// policy: ns/op includes the simulator; engine-µs/op is the engine alone
// (time inside the prober subtracted).
func BenchmarkEngine(b *testing.B) {
	w := benchWorld(b)
	pairs := w.Pairs(1, 20_000)
	for _, pol := range []string{revtr.PolicyDefault, revtr.PolicyReference} {
		b.Run(pol, func(b *testing.B) {
			e, tp, err := w.Engine(pol, nil, false, 1)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			start := time.Now()
			i := 0
			for b.Loop() {
				p := pairs[i%len(pairs)]
				ctx := eval.Timeline(context.Background(), time.Duration(i)*3*time.Millisecond)
				if _, err := e.Run(ctx, revtr.Request{Src: p.Src, Dst: p.Dst}); err != nil {
					b.Fatal(err)
				}
				i++
			}
			engine := time.Since(start) - tp.Spent()
			b.ReportMetric(float64(engine.Microseconds())/float64(i), "engine-µs/op")
		})
	}
}

// BenchmarkAtlasIntersect measures one atlas query on that world's atlas
// (250 traceroutes toward 5 sources), cycling over every address it holds.
func BenchmarkAtlasIntersect(b *testing.B) {
	w := benchWorld(b)
	var qs []eval.Pair
	for _, p := range w.Paths {
		for j, a := range p.Hops {
			if a.IsValid() {
				qs = append(qs, eval.Pair{Src: p.Src, Dst: a})
			}
			for _, r := range p.RR[j] {
				qs = append(qs, eval.Pair{Src: p.Src, Dst: r})
			}
		}
	}
	b.ReportAllocs()
	i, hits := 0, 0
	for b.Loop() {
		x := qs[i%len(qs)]
		if _, ok := w.Atlas.Intersect(x.Src, x.Dst, eval.Epoch); ok {
			hits++
		}
		i++
	}
	if hits == 0 {
		b.Fatal("no query hit the atlas")
	}
}

package fleet_test

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/revtr/revtr/controller/fleet"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/meas/meastest"
)

// BenchmarkAgent measures, in the conformance lab with one agent per
// source and vantage point (in this process, over TLS on loopback):
// pings through one agent against its rate limit (many outstanding, one
// probe each), and spoofed Record Route pings with thousands outstanding
// at the source's agent, whose replies it must match to their probes.
func BenchmarkAgent(b *testing.B) {
	labtest.NeedRoot(b)
	tp, err := meastest.Topology()
	if err != nil {
		b.Fatal(err)
	}
	l := labtest.Up(b, tp)
	w, err := meastest.NewWorld(tp, false)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, rate := range []float64{200, 1000, 4000} {
		b.Run(fmt.Sprintf("ping/rate=%.0f", rate), func(b *testing.B) {
			f, _ := startFleet(b, l, fleet.Config{}, rate)
			var lost atomic.Int64
			b.SetParallelism(64)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					p, err := f.Ping(ctx, meas.PingRequest{Src: w.Src, Dst: w.Dst, Count: 1})
					if err != nil {
						b.Error(err)
						return
					}
					if !p.Replied() {
						lost.Add(1)
					}
				}
			})
			perSec := float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(perSec, "meas/s")
			b.ReportMetric(perSec/rate, "of-limit")
			b.ReportMetric(float64(lost.Load())/float64(b.N), "unanswered")
		})
	}
	b.Run("spoofed-rr/outstanding=4096", func(b *testing.B) {
		f, _ := startFleet(b, l, fleet.Config{Timeout: 2 * time.Second}, 2000)
		f.SetAuthorized([]netip.Addr{w.Src})
		var unanswered, wrong atomic.Int64
		peak := samplePeak(f, w.Src)
		b.SetParallelism(4096 / max(1, runtime.GOMAXPROCS(0)))
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				rr, err := f.RecordRoute(ctx, meas.RRRequest{Src: w.Src, Dst: w.Dst, Sender: w.Sender})
				switch {
				case err != nil:
					b.Error(err)
					return
				case !rr.Replied:
					unanswered.Add(1)
				case rr.Src != w.Src || rr.Dst != w.Dst || rr.Sender != w.Sender || len(rr.Recorded) == 0:
					wrong.Add(1)
				}
			}
		})
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "meas/s")
		b.ReportMetric(float64(peak()), "peak-outstanding")
		b.ReportMetric(float64(unanswered.Load())/float64(b.N), "unanswered")
		if wrong.Load() > 0 {
			b.Errorf("%d spoofed replies matched to the wrong probe", wrong.Load())
		}
	})
}

// samplePeak samples, every millisecond until the benchmark's stop, how
// many requests are outstanding at the agent of addr; the returned
// function stops it and returns the peak.
func samplePeak(f *fleet.Fleet, addr netip.Addr) func() int {
	stop, done := make(chan struct{}), make(chan int)
	go func() {
		peak := 0
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				done <- peak
				return
			case <-tick.C:
				if a, ok := f.Agent(addr); ok {
					peak = max(peak, a.InFlight)
				}
			}
		}
	}()
	return func() int { close(stop); return <-done }
}

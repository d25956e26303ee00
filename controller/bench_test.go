package controller_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
	"github.com/revtr/revtr/topo"
)

// benchDSN is a fresh database of each kind for a benchmark.
func benchDSN(b *testing.B, kind string) string {
	if kind == "postgres" {
		return storetest.Postgres(b)
	}
	return storetest.SQLite(b)
}

// BenchmarkSubmit measures the API alone (no backend: nothing measures):
// batches of 1 and of 100 reverse traceroutes posted by 8 clients at once
// over loopback HTTP; an op is one submission.
func BenchmarkSubmit(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		for _, size := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/batch=%d", kind, size), func(b *testing.B) { benchSubmit(b, benchDSN(b, kind), size) })
		}
	}
}

func benchSubmit(b *testing.B, dsn string, size int) {
	s := serve(b, dsn, docNets(testConfig("bench")), nil)
	a := netip.MustParseAddr("192.0.2.1")
	if err := s.store.AddSource(context.Background(), store.Source{Addr: a}); err != nil {
		b.Fatal(err)
	}
	_, key, err := s.store.AddUser(context.Background(), store.NewUser{Name: "bench", Sources: []netip.Addr{a}, PerDay: 1 << 40, Parallel: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(revtrs(a, []netip.Addr{netip.MustParseAddr("198.51.100.1")}, size, "bench"))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	const clients = 8
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
				t0 := time.Now()
				req, _ := http.NewRequest("POST", s.url+"/api/v1/revtr", bytes.NewReader(body))
				req.Header.Set("Revtr-Key", key)
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "submissions/s")
	b.ReportMetric(float64(b.N*size)/elapsed.Seconds(), "revtrs/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkEndToEnd measures reverse traceroutes through the whole
// service: accepted by the API (batches of 1,000), queued, measured by the
// engine on the simulator, results stored; an op is one reverse
// traceroute, from its batch's submission to its result's commit. With
// "controllers=2", two controllers share one PostgreSQL database (in this
// process: they share its two cores). No start-rate limit; the default
// simulated Internet of --sim (about 300 routers).
func BenchmarkEndToEnd(b *testing.B) {
	for _, run := range []struct {
		kind string
		n    int
	}{{"sqlite", 1}, {"postgres", 1}, {"postgres", 2}} {
		b.Run(fmt.Sprintf("%s/controllers=%d", run.kind, run.n), func(b *testing.B) { benchEndToEnd(b, benchDSN(b, run.kind), run.n) })
	}
}

var (
	benchSimOnce sync.Once
	benchSim     controller.Backend
	benchSimErr  error
)

// benchBackend is the simulator of `revtr controller --sim`: the default
// emulated Internet (about 300 routers).
func benchBackend(b *testing.B) controller.Backend {
	benchSimOnce.Do(func() {
		benchSim, benchSimErr = controller.NewSimBackend(context.Background(), controller.Default().Backend.Sim)
	})
	if benchSimErr != nil {
		b.Fatal(benchSimErr)
	}
	return benchSim
}

func benchEndToEnd(b *testing.B, dsn string, controllers int) {
	be := benchBackend(b)
	cfg := testConfig("e2e")
	cfg.Scheduler.Slice = 50
	var ss []*server
	for i := range controllers {
		cfg.Name = "e2e-" + strconv.Itoa(i)
		ss = append(ss, serve(b, dsn, cfg, be))
	}
	_, key, err := ss[0].store.AddUser(context.Background(), store.NewUser{Name: "bench", Sources: ss[0].srcs, PerDay: 1 << 40, Parallel: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	dsts := benchTargets(b)
	runtime.GC()
	peak, stop := sampleHeap()
	b.ResetTimer()
	start := time.Now()
	var batches []uint32
	for sent := 0; sent < b.N; {
		n := min(1000, b.N-sent)
		body, _ := json.Marshal(revtrs(ss[0].srcs[0], dsts, n, "e2e"))
		req, _ := http.NewRequest("POST", ss[len(batches)%len(ss)].url+"/api/v1/revtr", bytes.NewReader(body))
		req.Header.Set("Revtr-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var r controller.SubmitResult
		err = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("submit: %d %v", resp.StatusCode, err)
		}
		batches = append(batches, r.BatchID)
		sent += n
	}
	for _, id := range batches {
		for {
			_, c, err := ss[0].store.Batch(context.Background(), 1, int64(id))
			if err != nil {
				b.Fatal(err)
			}
			if c.Pending+c.Running == 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stop()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "revtrs/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
}

// sampleHeap samples the Go heap in use every 10ms until stop is called,
// keeping the peak: the controllers' memory (with the simulated Internet
// and this benchmark's client, which holds one batch at a time).
func sampleHeap() (*atomic.Uint64, func()) {
	var peak atomic.Uint64
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if v := m.HeapInuse + m.StackInuse; v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return &peak, func() { close(done); <-stopped }
}

// benchTargets are the destinations of the default simulator.
func benchTargets(b *testing.B) []netip.Addr {
	sc := controller.Default().Backend.Sim
	tp, err := topo.Generate(sc.Seed, topo.SizedParams(sc.Routers))
	if err != nil {
		b.Fatal(err)
	}
	var out []netip.Addr
	for _, id := range tp.Hosts() {
		if n := tp.Nodes[id]; n.Role.Destination && !n.Role.Source {
			out = append(out, tp.HostAddr(id, false))
		}
	}
	return out
}

package controller_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
	"github.com/revtr/revtr/topo"
)

// TestLabelStreamConstantMemory streams a 100,000-reverse-traceroute
// label as JSON Lines and checks that the process's heap stays far below
// what the records weigh: they are read and written page by page.
func TestLabelStreamConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100,000 results; skipped with -short")
	}
	ctx := context.Background()
	const n = 100_000
	// On PostgreSQL: the database's own work is then outside this
	// process (under the race detector, SQLite's is slow).
	s := serve(t, storetest.Postgres(t), docNets(testConfig("stream")), nil)
	a := netip.MustParseAddr("192.0.2.1")
	if err := s.store.AddSource(ctx, store.Source{Addr: a}); err != nil {
		t.Fatal(err)
	}
	c := s.client(t, n, n, a)
	fill(t, s.store, n, a)

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	req, _ := http.NewRequest("GET", s.url+"/api/v2/labels/big/records", nil)
	req.Header.Set("Revtr-Key", c.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	lines, bytes := 0, 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		lines++
		bytes += len(sc.Bytes()) + 1
		if lines%1000 == 0 { // the first of every thousand against the document
			c.Check("GET", req.URL, resp.StatusCode, resp.Header.Get("Content-Type"), sc.Bytes())
		}
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	close(stop)
	<-sampled
	grew := int64(peak.Load()) - int64(base.HeapAlloc)
	t.Logf("%d records, %.1f MB streamed; heap grew by at most %.1f MB", lines, float64(bytes)/1e6, float64(grew)/1e6)
	if lines != n {
		t.Fatalf("%d records, want %d", lines, n)
	}
	// A stream that buffered the records would hold at least what they
	// weigh; half of it leaves room for what the package's other
	// controllers (the shared simulated backend) allocate meanwhile.
	if grew > int64(bytes)/2 {
		t.Errorf("heap grew by %d bytes while streaming %d: the stream is not constant-memory", grew, bytes)
	}
}

// fill stores n done reverse traceroutes of user 1 under label "big", in
// one statement (the store writes results one by one: minutes under the
// race detector).
func fill(t *testing.T, st *store.Store, n int, src netip.Addr) {
	t.Helper()
	dst := netip.MustParseAddr("198.51.100.7")
	res := revtr.Result{ID: 1, Stop: revtr.Reaches, Src: src, Dst: dst, Label: "big", Date: time.Unix(1669835097, 0),
		Hops: []revtr.Hop{{Addr: dst, Type: revtr.HopDestination}, {Addr: netip.MustParseAddr("198.51.100.1"), Type: revtr.HopRR, MeasurementID: 7},
			{Addr: src, Type: revtr.HopRR, MeasurementID: 7, RTT: time.Millisecond}}}
	rec, err := res.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db := st.Pool()
	if _, err := db.Exec(ctx, "INSERT INTO batches (user_id, created, total) VALUES (1, 1, $1)", n); err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(ctx, `INSERT INTO revtrs (batch_id, user_id, src, dst, label, created, state, stop, record)
		SELECT 1, 1, $1, $2, 'big', 1, 2, 'REACHES', $3 FROM generate_series(1, $4)`, src.String(), dst.String(), string(rec), n)
	if err != nil {
		t.Fatal(err)
	}
}

// TestTwoHostThroughAPI asks, through the API, for reverse traceroutes
// toward destinations that run a two-host responder: their paths come
// from the responder (hop type 20), as far as the source.
func TestTwoHostThroughAPI(t *testing.T) {
	s := serve(t, storetest.SQLite(t), testConfig("twohost"), backend(t))
	c := s.client(t, 100, 100)
	tp, err := topo.Generate(simConfig.Seed, topo.SizedParams(simConfig.Routers))
	if err != nil {
		t.Fatal(err)
	}
	var rs []map[string]any
	for _, id := range tp.Hosts() {
		if tp.Nodes[id].Role.Responder {
			rs = append(rs, map[string]any{"src": s.srcs[0].String(), "dst": tp.HostAddr(id, false).String(), "two_host": true, "label": "th"})
		}
	}
	if len(rs) == 0 {
		t.Fatal("no responder in the topology")
	}
	var b struct{ BatchID uint32 }
	c.Do("POST", "/api/v2/revtr", map[string]any{"revtrs": rs}).Want(t, 200).JSON(t, &b)
	waitDone(t, c, b.BatchID)
	twoHost := 0
	for _, rec := range records(t, c.Do("GET", fmt.Sprintf("/api/v2/batches/%d/records", b.BatchID), nil).Want(t, 200).Body) {
		if rec.StopReason == "REACHES" && len(rec.Hops) > 1 && rec.Hops[1].HopType == revtr.HopTwoHost && rec.Hops[len(rec.Hops)-1].HopIP == rec.Src {
			twoHost++
		}
	}
	if twoHost == 0 {
		t.Errorf("none of %d reverse traceroutes toward responders came from a responder", len(rs))
	}
}

package archive_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/revtr/revtr/archive"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
)

var (
	src = netip.MustParseAddr("192.0.2.1")
	dst = netip.MustParseAddr("198.51.100.7")
)

// setup gives a store with n accepted reverse traceroutes of one user;
// the first done of them finished with an engine record.
func setup(t *testing.T, dsn string, n, done int) (*store.Store, store.User, []int64) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.AddSource(ctx, store.Source{Addr: src}); err != nil {
		t.Fatal(err)
	}
	u, _, err := s.AddUser(ctx, store.NewUser{Name: "a", Sources: []netip.Addr{src}, PerDay: n, Parallel: n})
	if err != nil {
		t.Fatal(err)
	}
	rs := make([]store.NewRevtr, n)
	for i := range rs {
		rs[i] = store.NewRevtr{Src: src, Dst: dst, Label: "l"}
	}
	var ids []int64
	if _, err := s.Submit(ctx, u.ID, rs, func(_ context.Context, _ *store.Tx, got []int64) error { ids = got; return nil }); err != nil {
		t.Fatal(err)
	}
	var fs []store.Finished
	for _, id := range ids[:done] {
		res := revtr.Result{ID: uint64(id), Stop: revtr.Reaches, Src: src, Dst: dst, Label: "l", Date: time.Unix(1669835097, 0),
			Runtime: time.Second, Hops: []revtr.Hop{{Addr: dst, Type: revtr.HopDestination}, {Addr: src, Type: revtr.HopRR, MeasurementID: 9}}}
		b, err := json.Marshal(res.Record())
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, store.Finished{ID: id, Stop: "REACHES", Record: b})
	}
	if _, err := s.Finish(ctx, "w", fs, nil); err != nil {
		t.Fatal(err)
	}
	return s, u, ids
}

func TestRecordSynthesized(t *testing.T) {
	v := store.Revtr{ID: 7, Src: src, Dst: dst, Label: "x", State: store.Done, Stop: "FAILED", FailReason: "Job abandoned.",
		Created: time.Unix(100, 0), Started: time.Unix(200, 5)}
	b, err := archive.Record(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":7,"stop_reason":"FAILED","fail_reason":"Job abandoned.","src":"192.0.2.1","dst":"198.51.100.7","runtime":0,"date":200,"label":"x","revtr_hops":[]}`
	if string(b) != want {
		t.Errorf("record\n%s\nwant\n%s", b, want)
	}
	v.Record = []byte(`{"id":7}`)
	if b, _ := archive.Record(v); string(b) != `{"id":7}` {
		t.Errorf("an engine record was not kept as is: %s", b)
	}
}

func TestWriteSkipsUnfinished(t *testing.T) {
	s, u, ids := setup(t, storetest.SQLite(t), 1200, 700)
	ctx := context.Background()
	if _, err := s.Cancel(ctx, u.ID, 1); err != nil { // the rest: canceled, no engine record
		t.Fatal(err)
	}
	if _, _, err := s.Start(ctx, ids[:1], 0); err != nil { // done ones are not started again
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := archive.Write(ctx, &buf, func(ctx context.Context, after int64, limit int) ([]store.Revtr, error) {
		return s.Revtrs(ctx, store.Filter{UserID: u.ID, BatchID: 1}, after, limit)
	})
	if err != nil || n != 1200 {
		t.Fatalf("Write = %d, %v; want 1200", n, err)
	}
	reaches, canceled := 0, 0
	for sc := bufio.NewScanner(&buf); sc.Scan(); {
		var rec revtr.Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		if _, err := rec.Result(); err != nil {
			t.Fatalf("line is no archive record: %v: %s", err, sc.Bytes())
		}
		switch rec.StopReason {
		case "REACHES":
			reaches++
		case "CANCELED":
			canceled++
		}
	}
	if reaches != 700 || canceled != 500 {
		t.Errorf("%d REACHES and %d CANCELED, want 700 and 500", reaches, canceled)
	}
}

// files reads every archive file of dir: the IDs in each, and the count of
// each ID across them.
func files(t *testing.T, dir string) (map[string][]uint64, map[uint64]int) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	per, seen := make(map[string][]uint64), make(map[uint64]int)
	for _, e := range es {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left: %s", e.Name())
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			var rec revtr.Record
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
			per[e.Name()] = append(per[e.Name()], rec.ID)
			seen[rec.ID]++
		}
	}
	return per, seen
}

func TestExporterExactlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s, _, ids := setup(t, dsn, 900, 600)
		dir := t.TempDir()
		e := &archive.Exporter{Store: s, Dir: dir, Name: "ctl-a", MaxRecords: 250}
		// A crash after a claim, before its file: the claim stays, and a
		// half-written temporary file is there.
		x, err := s.ClaimExport(ctx, "ctl-a", 100)
		if err != nil || x.Records != 100 {
			t.Fatal(x, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "."+archive.FileName(x.Seq)+".tmp"), []byte("{\"id\":"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := e.Once(ctx); err != nil {
			t.Fatal(err)
		}
		var fs []store.Finished
		for _, id := range ids[600:] {
			fs = append(fs, store.Finished{ID: id, Stop: "FAILED", FailReason: "r"})
		}
		s.Finish(ctx, "w", fs, nil)
		if err := e.Once(ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.Once(ctx); err != nil { // nothing new: no new file
			t.Fatal(err)
		}
		per, seen := files(t, dir)
		if len(seen) != 900 {
			t.Errorf("%d reverse traceroutes archived, want 900", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("reverse traceroute %d archived %d times", id, n)
			}
		}
		if got := per[archive.FileName(x.Seq)]; len(got) != 100 {
			t.Errorf("the crashed export's file has %d records, want 100", len(got))
		}
		for name, got := range per {
			if len(got) > 250 {
				t.Errorf("%s has %d records, over the 250 maximum", name, len(got))
			}
		}
	})
}

// stopDuringClaim is a store whose first export claim waits until the
// test has stopped the exporter, and which counts the store calls made
// under a canceled context.
type stopDuringClaim struct {
	*store.Store
	claiming, stopped chan struct{}
	first             sync.Once
	canceled          atomic.Int32
}

func (s *stopDuringClaim) ClaimExport(ctx context.Context, exporter string, max int) (store.Export, error) {
	s.first.Do(func() {
		close(s.claiming)
		<-s.stopped
	})
	if ctx.Err() != nil {
		s.canceled.Add(1)
	}
	return s.Store.ClaimExport(ctx, exporter, max)
}

// TestExporterStopNeverCutsAClaim stops an exporter (as SIGTERM stops a
// controller) while it claims an export: the claim runs to its end under
// a live context — a claim canceled while it commits may commit after
// the last pass looked, and its records would stay unexported — and the
// last pass exports everything done.
func TestExporterStopNeverCutsAClaim(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		s, _, ids := setup(t, dsn, 300, 300)
		st := &stopDuringClaim{Store: s, claiming: make(chan struct{}), stopped: make(chan struct{})}
		dir := t.TempDir()
		e := &archive.Exporter{Store: st, Dir: dir, Name: "ctl-a", Interval: time.Hour, MaxRecords: 40}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- e.Run(ctx) }()
		<-st.claiming
		cancel()
		close(st.stopped)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if n := st.canceled.Load(); n != 0 {
			t.Errorf("%d export claims ran under a canceled context", n)
		}
		_, seen := files(t, dir)
		for _, id := range ids {
			if seen[uint64(id)] != 1 {
				t.Errorf("reverse traceroute %d archived %d times, want once", id, seen[uint64(id)])
			}
		}
	})
}

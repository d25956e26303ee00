package controller_test

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/controller/internal/apitest"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
)

// TestDrain stops a controller mid-batch as SIGTERM does: Run returns
// cleanly, no reverse traceroute is left running (the jobs that had
// started finished within the drain timeout; the others wait in the
// queue), and the last export put every done one in the archive, once.
func TestDrain(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	st, err := store.Open(ctx, storetest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := testConfig("drain")
	cfg.Archive.Dir = t.TempDir()
	cfg.Scheduler.MaxInFlight = 20
	c, err := controller.New(ctx, cfg, st, backend(t), prometheus.NewRegistry(), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- c.Run(ctx, ln) }()
	ss, err := st.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u, key, err := st.AddUser(ctx, store.NewUser{Name: "drain", Sources: []netip.Addr{ss[0].Addr}, PerDay: 1000, Parallel: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var b struct{ BatchID uint32 }
	apitest.New(t, "http://"+ln.Addr().String(), key).Do("POST", "/api/v1/revtr", revtrs(ss[0].Addr, targets(t), 400, "drain")).Want(t, 200).JSON(t, &b)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, n, err := st.Batch(ctx, u.ID, int64(b.BatchID))
		if err != nil {
			t.Fatal(err)
		}
		if n.Done() > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("nothing done a minute after the submission")
		}
	}
	stop() // what SIGTERM does
	if err := <-ran; err != nil {
		t.Fatalf("Run after the drain: %v", err)
	}
	_, n, err := st.Batch(context.Background(), u.ID, int64(b.BatchID))
	if err != nil {
		t.Fatal(err)
	}
	if n.Running != 0 || n.Pending+n.Done() != 400 {
		t.Errorf("after the drain: %+v; want none running", n)
	}
	if n.Pending == 0 {
		t.Logf("the whole batch finished before the drain: the test showed less than it could")
	}
	files, err := filepath.Glob(filepath.Join(cfg.Archive.Dir, "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[uint64]bool)
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range records(t, body) {
			if seen[rec.ID] {
				t.Errorf("reverse traceroute %d archived twice", rec.ID)
			}
			seen[rec.ID] = true
		}
	}
	if len(seen) != n.Done() {
		t.Errorf("the archive holds %d reverse traceroutes after the drain, want the %d done", len(seen), n.Done())
	}
}

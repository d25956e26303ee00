package proctest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/revtr/revtr/controller/internal/apitest"
	"github.com/revtr/revtr/store/storetest"
)

// TestTwoControllersShare runs two controllers on one PostgreSQL
// database, each with room for only a few jobs at once, and submits to
// both: every job runs exactly once (one attempt, every reverse
// traceroute started once), both do part of the work, and their two
// archives together hold every result once.
func TestTwoControllersShare(t *testing.T) {
	t.Parallel()
	dsn := storetest.Postgres(t)
	dir := t.TempDir()
	var ps []*proc
	var archives []string
	for _, name := range []string{"ctl-a", "ctl-b"} {
		archive := filepath.Join(dir, name)
		cfg := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(cfg, []byte(config(name, dsn, archive, 30, 10)), 0o644); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, start(t, cfg, filepath.Join(dir, name+".log")))
		archives = append(archives, archive)
	}
	key, srcs := newKey(t, dsn)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	errs := make(chan error, len(ps))
	for _, p := range ps {
		sub := &submitter{api: apitest.New(t, "", key), key: key, src: srcs[0], dsts: targets(t), addr: p.addr}
		go func() { errs <- sub.run(ctx, 15, 40) }()
	}
	for range ps {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	st := openStore(t, dsn)
	all := waitAllDone(t, st, time.Minute)
	if len(all) != 2*15*40 {
		t.Fatalf("%d reverse traceroutes, want %d", len(all), 2*15*40)
	}
	by := make(map[string]int)
	for _, v := range all {
		if v.Runs != 1 {
			t.Errorf("reverse traceroute %d started %d times", v.ID, v.Runs)
		}
		by[v.Worker]++
	}
	if by["ctl-a"] == 0 || by["ctl-b"] == 0 || by["ctl-a"]+by["ctl-b"] != len(all) {
		t.Errorf("work by controller: %v; want both to share it all", by)
	}
	var jobs, retried int
	if err := st.Pool().QueryRow(ctx, "SELECT count(*), count(*) FILTER (WHERE attempt <> 1 OR state <> 'completed') FROM river_job").Scan(&jobs, &retried); err != nil {
		t.Fatal(err)
	}
	if jobs != len(all)/10 || retried != 0 {
		t.Errorf("%d jobs, %d not completed at their first attempt; want %d and 0", jobs, retried, len(all)/10)
	}
	for _, p := range ps {
		p.stop(t)
	}
	checkArchive(t, archives, all)
	t.Logf("work by controller: %v", by)
}

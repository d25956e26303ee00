package controller_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/store/storetest"
)

// TestRetention: once the archive file holding a batch is written and
// retention.results has passed, the batch leaves the database (the API
// answers 404), and the archive holds each of its reverse traceroutes
// once.
func TestRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		cfg := testConfig("retention")
		cfg.Archive.Dir = t.TempDir()
		cfg.Archive.Interval = 50 * time.Millisecond
		cfg.Retention.Results, cfg.Retention.Interval = time.Nanosecond, 50*time.Millisecond
		s := serve(t, dsn, cfg, backend(t))
		c := s.client(t, 100, 100)
		var b struct{ BatchID uint32 }
		c.Do("POST", "/api/v1/revtr", revtrs(s.srcs[0], targets(t), 10, "kept")).Want(t, 200).JSON(t, &b)
		path := fmt.Sprintf("/api/v2/batches/%d", b.BatchID)
		purged := func() bool { // the API forgot the batch, and the purge that did it is counted
			_, m := get(t, http.DefaultClient, s.url+"/metrics")
			return c.Do("GET", path, nil).Status == 404 && strings.Contains(m, "revtr_purged_total 10")
		}
		for deadline := time.Now().Add(60 * time.Second); !purged(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("batch %d not purged (or not counted in revtr_purged_total) a minute after it was submitted", b.BatchID)
			}
		}
		if recs := c.Do("GET", "/api/v2/labels/kept/records", nil).Want(t, 200).Body; len(recs) != 0 {
			t.Errorf("the label's records after the purge: %s", recs)
		}
		files, err := filepath.Glob(filepath.Join(cfg.Archive.Dir, "*.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		seen := make(map[uint64]int)
		for _, f := range files {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range records(t, body) {
				seen[rec.ID]++
				if rec.StopReason != "REACHES" && rec.StopReason != "FAILED" {
					t.Errorf("archived record %d stopped %q", rec.ID, rec.StopReason)
				}
			}
		}
		if len(seen) != 10 {
			t.Errorf("the archive holds %d reverse traceroutes, want the batch's 10", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("reverse traceroute %d archived %d times", id, n)
			}
		}
	})
}

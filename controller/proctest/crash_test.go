package proctest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/revtr/revtr/controller/internal/apitest"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
	"github.com/revtr/revtr/topo"
)

// targets are the destinations of the controllers' simulated Internet
// (seed 3, 120 routers: config's).
func targets(t *testing.T) []netip.Addr {
	tp, err := topo.Generate(3, topo.SizedParams(120))
	if err != nil {
		t.Fatal(err)
	}
	var out []netip.Addr
	for _, id := range tp.Hosts() {
		if n := tp.Nodes[id]; n.Role.Destination && !n.Role.Source {
			out = append(out, tp.HostAddr(id, false))
		}
	}
	return out
}

// submitter posts batches to whichever controller is up, and remembers
// those accepted (answered 200 with a batch ID).
type submitter struct {
	api      *apitest.Client // checks every answer against the OpenAPI document
	key      string
	src      netip.Addr
	dsts     []netip.Addr
	mu       sync.Mutex
	addr     string
	accepted []uint32
}

func (s *submitter) setAddr(a string) { s.mu.Lock(); s.addr = a; s.mu.Unlock() }

// run submits n batches of size reverse traceroutes, retrying (briefly
// waiting) while no controller answers.
func (s *submitter) run(ctx context.Context, n, size int) error {
	client := &http.Client{Timeout: 10 * time.Second}
	for i := 0; i < n && ctx.Err() == nil; {
		rs := make([]map[string]string, size)
		for j := range rs {
			rs[j] = map[string]string{"src": s.src.String(), "dst": s.dsts[(i*size+j)%len(s.dsts)].String(), "label": "crash"}
		}
		body, _ := json.Marshal(map[string]any{"revtrs": rs})
		s.mu.Lock()
		addr := s.addr
		s.mu.Unlock()
		req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+addr+"/api/v1/revtr", strings.NewReader(string(body)))
		req.Header.Set("Revtr-Key", s.key)
		resp, err := client.Do(req)
		if err != nil { // the controller is down: its answer, if any, is lost
			time.Sleep(20 * time.Millisecond)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		s.api.Check("POST", req.URL, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		if resp.StatusCode != 200 {
			return fmt.Errorf("submit: %d %s", resp.StatusCode, b)
		}
		var got struct{ BatchID uint32 }
		if err := json.Unmarshal(b, &got); err != nil {
			return err
		}
		s.mu.Lock()
		s.accepted = append(s.accepted, got.BatchID)
		s.mu.Unlock()
		i++
	}
	return ctx.Err()
}

// TestCrashSafety SIGKILLs a controller at random points while batches
// are submitted and measured, three times, restarting it each time: in
// the end every accepted reverse traceroute is REACHES or FAILED with a
// reason, none is lost, and each is in the archive exactly once. On
// SQLite and on PostgreSQL.
func TestCrashSafety(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			dsn := storetest.SQLite(t)
			if db == "postgres" {
				dsn = storetest.Postgres(t)
			}
			crash(t, dsn, rand.New(rand.NewPCG(7, uint64(len(db)))))
		})
	}
}

func crash(t *testing.T, dsn string, rng *rand.Rand) {
	dir := t.TempDir()
	archive := filepath.Join(dir, "archive")
	cfg := filepath.Join(dir, "controller.yaml")
	if err := os.WriteFile(cfg, []byte(config("crash", dsn, archive, 200, 10)), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "controller.log")
	p := start(t, cfg, logPath)
	key, srcs := newKey(t, dsn)
	sub := &submitter{api: apitest.New(t, "", key), key: key, src: srcs[0], dsts: targets(t), addr: p.addr}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	subDone := make(chan error, 1)
	go func() { subDone <- sub.run(ctx, 40, 25) }()
	for range 3 {
		time.Sleep(time.Duration(200+rng.IntN(1000)) * time.Millisecond) // a random point mid-batch
		p.kill()
		p = start(t, cfg, logPath)
		sub.setAddr(p.addr)
	}
	if err := <-subDone; err != nil {
		t.Fatal(err)
	}
	st := openStore(t, dsn)
	all := waitAllDone(t, st, 2*time.Minute)
	checkOutcomes(t, sub.accepted, all, 40*25)
	p.stop(t) // a graceful stop: the last export
	checkArchive(t, []string{archive}, all)
	t.Logf("%d reverse traceroutes, %d runs (%d rerun after a crash); log: %s", len(all), runs(all), rerun(all), logPath)
}

// waitAllDone waits until every stored reverse traceroute is done, and
// returns them.
func waitAllDone(t *testing.T, st *store.Store, within time.Duration) []store.Revtr {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		all, open := list(t, st)
		if open == 0 {
			return all
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d reverse traceroutes still not done after %v", open, len(all), within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// list returns every stored reverse traceroute (of the one key) and how
// many are not done.
func list(t *testing.T, st *store.Store) ([]store.Revtr, int) {
	t.Helper()
	var all []store.Revtr
	open := 0
	var after int64
	for {
		page, err := st.Revtrs(context.Background(), store.Filter{UserID: 1, Label: "crash"}, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page {
			if v.State != store.Done {
				open++
			}
			after = v.ID
		}
		all = append(all, page...)
		if len(page) < 1000 {
			return all, open
		}
	}
}

// checkOutcomes checks that every accepted batch is stored whole and
// every reverse traceroute ended REACHES or FAILED with a reason.
func checkOutcomes(t *testing.T, accepted []uint32, all []store.Revtr, want int) {
	t.Helper()
	per := make(map[int64]int)
	for _, v := range all {
		per[v.BatchID]++
		switch {
		case v.Stop == "REACHES":
		case v.Stop == "FAILED" && v.FailReason != "":
		default:
			t.Errorf("reverse traceroute %d ended %q (%q)", v.ID, v.Stop, v.FailReason)
		}
		if v.Record == nil && v.Stop == "REACHES" {
			t.Errorf("reverse traceroute %d reached with no record", v.ID)
		}
	}
	if len(accepted) != 40 {
		t.Errorf("%d batches accepted, want 40", len(accepted))
	}
	for _, b := range accepted {
		if per[int64(b)] != 25 {
			t.Errorf("accepted batch %d has %d reverse traceroutes stored, want 25", b, per[int64(b)])
		}
	}
	if len(all) < want {
		t.Errorf("%d reverse traceroutes stored, want at least the %d accepted", len(all), want)
	}
}

// checkArchive checks that the archive directories hold every reverse
// traceroute exactly once, as archive records.
func checkArchive(t *testing.T, dirs []string, all []store.Revtr) {
	t.Helper()
	seen := make(map[uint64]int)
	var files []string
	for _, dir := range dirs {
		fs, err := filepath.Glob(filepath.Join(dir, "revtr-*.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fs...)
		if tmp, _ := filepath.Glob(filepath.Join(dir, ".*")); len(tmp) != 0 {
			t.Errorf("temporary archive files left: %v", tmp)
		}
	}
	if len(files) == 0 {
		t.Fatal("no archive files")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			var rec revtr.Record
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if _, err := rec.Result(); err != nil {
				t.Fatalf("%s: not an archive record: %v", f, err)
			}
			seen[rec.ID]++
		}
	}
	for _, v := range all {
		if n := seen[uint64(v.ID)]; n != 1 {
			t.Errorf("reverse traceroute %d is %d times in the archive, want once", v.ID, n)
		}
		delete(seen, uint64(v.ID))
	}
	if len(seen) != 0 {
		t.Errorf("%d archive records of no stored reverse traceroute", len(seen))
	}
}

func runs(all []store.Revtr) (n int) {
	for _, v := range all {
		n += v.Runs
	}
	return n
}

func rerun(all []store.Revtr) (n int) {
	for _, v := range all {
		if v.Runs > 1 {
			n++
		}
	}
	return n
}

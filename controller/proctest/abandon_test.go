package proctest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/controller/internal/apitest"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
)

// TestCrashOnLastAttempt kills a controller whose jobs have one attempt
// only: River's rescuer discards the jobs the dead controller was
// running, and the next controller fails their reverse traceroutes with
// a reason, so that none stays unfinished.
func TestCrashOnLastAttempt(t *testing.T) {
	t.Parallel()
	dsn := storetest.SQLite(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "controller.yaml")
	// Ten in flight, a start every 20ms: the kill finds jobs started and
	// not finished.
	text := strings.Replace(config("last", dsn, filepath.Join(dir, "archive"), 10, 1), "start_interval: 0s", "start_interval: 20ms", 1)
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "controller.log")
	p := start(t, cfg, logPath)
	key, srcs := newKey(t, dsn)
	sub := &submitter{api: apitest.New(t, "", key), key: key, src: srcs[0], dsts: targets(t), addr: p.addr}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := sub.run(ctx, 10, 50); err != nil {
		t.Fatal(err)
	}
	// A kill lands between a job's start and its end only by chance (a
	// simulated reverse traceroute takes milliseconds): kill, and look in
	// the store whether it did — what a dead controller left running
	// stays so — else restart and try again.
	st := openStore(t, dsn)
	for try := 1; ; try++ {
		waitRunning(t, st, time.Minute)
		p.kill()
		if running(t, st) > 0 {
			break
		}
		if try == 20 {
			t.Fatalf("%d kills found no job running", try)
		}
		p = start(t, cfg, logPath)
	}
	p = start(t, cfg, logPath)
	all := waitAllDone(t, st, 90*time.Second)
	abandoned := 0
	for _, v := range all {
		switch {
		case v.Stop == "FAILED" && strings.HasPrefix(v.FailReason, "Measurement abandoned (attempts: 1): "):
			abandoned++
		case v.Stop == "REACHES", v.Stop == "FAILED" && v.FailReason != "":
		default:
			t.Errorf("reverse traceroute %d ended %q (%q)", v.ID, v.Stop, v.FailReason)
		}
	}
	if abandoned == 0 {
		t.Errorf("no reverse traceroute abandoned: the kill found no job running (log: %s)", logPath)
	}
	p.stop(t)
	t.Logf("%d of %d abandoned", abandoned, len(all))
}

// waitRunning waits until a worker has started a reverse traceroute that
// has not finished, so that a kill finds a job running.
func waitRunning(t *testing.T, st *store.Store, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if running(t, st) > 0 {
			return
		}
		if all, open := list(t, st); open == 0 && len(all) > 0 {
			t.Fatalf("all %d reverse traceroutes finished before the kill", len(all))
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reverse traceroute running after %v", within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running returns how many stored reverse traceroutes a worker started
// and did not finish.
func running(t *testing.T, st *store.Store) (n int) {
	t.Helper()
	all, _ := list(t, st)
	for _, v := range all {
		if v.State == store.Running {
			n++
		}
	}
	return n
}

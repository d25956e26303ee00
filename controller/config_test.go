package controller_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/store"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfig(t *testing.T) {
	c, err := controller.Load(writeConfig(t, ""))
	if err != nil || c.Listen != "127.0.0.1:8080" || c.DB != "revtr.db" || c.Scheduler.MaxInFlight != 12000 ||
		c.Scheduler.StartInterval != 3*time.Millisecond || c.Backend.Kind != "none" || c.Archive.Interval != 10*time.Minute {
		t.Errorf("empty file: %+v, %v; want the defaults", c, err)
	}
	if r := c.Retention; r.Results != 720*time.Hour || r.Interval != time.Hour || r.CompletedJobs != 24*time.Hour ||
		r.CancelledJobs != 24*time.Hour || r.DiscardedJobs != 168*time.Hour {
		t.Errorf("retention defaults: %+v", r)
	}
	if c, err = controller.Load(writeConfig(t, "retention: {results: 0s, discarded_jobs: 0s, completed_jobs: 1h}\n")); err != nil ||
		c.Retention.Results != 0 || c.Retention.DiscardedJobs != 0 || c.Retention.CompletedJobs != time.Hour {
		t.Errorf("retention overrides: %+v, %v", c.Retention, err)
	}
	c, err = controller.Load(writeConfig(t, "pprof_listen: 127.0.0.1:6060\n"))
	if err != nil || c.PprofListen != "127.0.0.1:6060" {
		t.Errorf("pprof_listen: %q, %v", c.PprofListen, err)
	}
	c, err = controller.Load(writeConfig(t, "listen: :9\nscheduler: {start_interval: 0s, slice: 7}\napi: {allow: [10.0.0.0/8]}\nbackend: {kind: sim}\n"))
	if err != nil || c.Listen != ":9" || c.Scheduler.StartInterval != 0 || c.Scheduler.Slice != 7 || len(c.API.Allow) != 1 ||
		c.Backend.Kind != "sim" || c.Scheduler.MaxAttempts != 5 {
		t.Errorf("overrides: %+v, %v", c, err)
	}
	// One reverse traceroute per job at the default max_in_flight: more
	// workers than River allows a queue, bounded rather than refused.
	c, err = controller.Load(writeConfig(t, "scheduler: {slice: 1}\nbackend: {kind: sim, sim: {routers: 30}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := controller.NewSimBackend(context.Background(), c.Backend.Sim)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "revtr.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := controller.New(context.Background(), c, st, b, prometheus.NewRegistry(), slog.New(slog.DiscardHandler)); err != nil {
		t.Errorf("slice 1, max_in_flight %d: %v", c.Scheduler.MaxInFlight, err)
	}
	for _, bad := range []string{"lisen: x\n", "scheduler: {slice: 0}\n", "backend: {kind: robots}\n", "agents: {timeout: 0s}\n", "api: {allow: [10.0.0.0/33]}\n",
		"scheduler: {job_timeout: 1m, rescue_after: 30s}\n", "tls: {cert: a}\n", "log: {format: xml}\n", "scheduler: {start_interval: fast}\n", "[\n",
		"retention: {results: -1h}\n", "retention: {interval: 0s}\n", "retention: {discarded_jobs: 1m}\n", "retention: {completed_jobs: -1s}\n",
		"pprof_listen: localhost\n", "pprof_listen: \":\"\n"} {
		if _, err := controller.Load(writeConfig(t, bad)); err == nil {
			t.Errorf("%q: no error", bad)
		} else if !errors.Is(err, controller.ErrConfig) {
			t.Errorf("%q: %v, want ErrConfig", bad, err)
		}
	}
	if _, err := controller.Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing file: no error")
	}
}

// TestDeployConfigs loads the example configurations of deploy/.
func TestDeployConfigs(t *testing.T) {
	files, err := filepath.Glob("../deploy/*.yaml")
	if err != nil || len(files) < 2 {
		t.Fatalf("example configurations: %v %v", files, err)
	}
	for _, f := range files {
		if _, err := controller.Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

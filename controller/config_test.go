package controller_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/revtr/revtr/controller"
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
	c, err = controller.Load(writeConfig(t, "listen: :9\nscheduler: {start_interval: 0s, slice: 7}\napi: {allow: [10.0.0.0/8]}\nbackend: {kind: sim}\n"))
	if err != nil || c.Listen != ":9" || c.Scheduler.StartInterval != 0 || c.Scheduler.Slice != 7 || len(c.API.Allow) != 1 ||
		c.Backend.Kind != "sim" || c.Scheduler.MaxAttempts != 5 {
		t.Errorf("overrides: %+v, %v", c, err)
	}
	for _, bad := range []string{"lisen: x\n", "scheduler: {slice: 0}\n", "backend: {kind: agents}\n", "api: {allow: [10.0.0.0/33]}\n",
		"scheduler: {job_timeout: 1m, rescue_after: 30s}\n", "tls: {cert: a}\n", "log: {format: xml}\n", "scheduler: {start_interval: fast}\n", "[\n"} {
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

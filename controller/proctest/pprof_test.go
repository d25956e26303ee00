package proctest

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/revtr/revtr/store/storetest"
)

// profilesServed is the controller's log line for pprof_listen.
var profilesServed = regexp.MustCompile(`msg="profiles served" addr=(\S+)`)

// TestPprof starts a controller with pprof_listen and reads its
// goroutine profile and command line there.
func TestPprof(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "controller.yaml")
	text := config("pprof", storetest.SQLite(t), filepath.Join(dir, "archive"), 20, 2) + "pprof_listen: 127.0.0.1:0\n"
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	// Once the API listens, the controller's goroutines run; the
	// profiles' address was logged before.
	logPath := filepath.Join(dir, "controller.log")
	p, _ := startCmd(t, logPath, listening, "controller", "--config", cfg)
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	m := profilesServed.FindSubmatch(log)
	if m == nil {
		t.Fatalf("no %q line in the log before the API listened", profilesServed)
	}
	addr := string(m[1])
	for path, want := range map[string]string{
		"/debug/pprof/goroutine?debug=1": "github.com/revtr/revtr/controller.",
		"/debug/pprof/cmdline":           cfg,
	} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("%s: %s, %d bytes, %v; want 200 with %q", path, resp.Status, len(body), err, want)
		}
	}
	p.stop(t)
}

package probe_test

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/revtr/revtr/lab/labtest"

	"github.com/revtr/revtr/probe"
)

// TestNeedRoot checks that a process without privilege gets ErrNeedRoot,
// not a panic or an obscure errno: the test re-runs itself in a child that
// gives up root (setuid to nobody drops every capability) before New.
// Opening sockets sends nothing.
func TestNeedRoot(t *testing.T) {
	if os.Getenv("PROBE_TEST_UNPRIVILEGED") == "1" {
		if os.Geteuid() == 0 {
			if err := syscall.Setuid(65534); err != nil {
				t.Fatalf("setuid: %v", err)
			}
		}
		_, err := probe.New(probe.Config{})
		if !errors.Is(err, probe.ErrNeedRoot) {
			t.Fatalf("New without privilege: %v, want ErrNeedRoot", err)
		}
		return
	}
	labtest.NeedRoot(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestNeedRoot$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "PROBE_TEST_UNPRIVILEGED=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestNeedRoot") {
		t.Fatalf("unprivileged child: %v\n%s", err, out)
	}
}

// Package labtest builds labs for tests of other packages: each test gets a
// lab of its own, with a name no other test or test process uses, removed
// when the test ends. Tests that need one skip with a clear message when not
// run as root on Linux.
package labtest

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/topo"
)

// upTimeout bounds a test lab's build; a loaded 2-core machine builds 300
// routers in seconds.
const upTimeout = 2 * time.Minute

var seq atomic.Int64

// NeedRoot skips the test unless it runs as root on Linux.
func NeedRoot(t testing.TB) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("needs Linux: network namespaces")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces and raw sockets")
	}
}

// Name returns a lab name unique to this test process and no prefix of
// another's (the trailing "_" keeps "x1_1" from matching "x1_10").
func Name() string {
	return fmt.Sprintf("x%d_%d_", os.Getpid(), seq.Add(1))
}

// Up builds tp as a fresh lab and removes it when the test ends. It skips
// the test when not root.
func Up(t testing.TB, tp *topo.Topology) *lab.Lab {
	t.Helper()
	NeedRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), upTimeout)
	defer cancel()
	l, err := lab.Up(ctx, tp, Name())
	if err != nil {
		t.Fatalf("lab up: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Down(); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	return l
}

// Open runs open inside node's namespace (lab.OpenIn) and closes what it
// opened when the test ends; it fails the test if open fails.
func Open[T io.Closer](t testing.TB, l *lab.Lab, node string, open func() (T, error)) T {
	t.Helper()
	v, err := lab.OpenIn(l, node, open)
	if err != nil {
		t.Fatalf("open in %s: %v", node, err)
	}
	t.Cleanup(func() {
		if err := v.Close(); err != nil {
			t.Errorf("close in %s: %v", node, err)
		}
	})
	return v
}

//go:build !linux

package lab_test

import (
	"context"
	"errors"
	"testing"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/topo/topotest"
)

// TestNotSupported: off Linux, building and removing labs fail with
// ErrNotSupported, which also matches errors.ErrUnsupported.
func TestNotSupported(t *testing.T) {
	tp, err := topotest.Chain(1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lab.Up(context.Background(), tp, "unsupported"); !errors.Is(err, lab.ErrNotSupported) || !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Up: %v, want ErrNotSupported", err)
	}
	if err := lab.Remove("unsupported"); !errors.Is(err, lab.ErrNotSupported) {
		t.Errorf("Remove: %v, want ErrNotSupported", err)
	}
}

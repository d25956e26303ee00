//go:build !linux

package lab

import (
	"context"
	"fmt"

	"github.com/revtr/revtr/topo"
)

// Off Linux there are no network namespaces: checkRoot fails with
// ErrNotSupported before anything below is reached.
const supported = false

func build(context.Context, *topo.Topology, string, int, func(int, int)) error {
	return ErrNotSupported
}

func deleteNS(string) error { return ErrNotSupported }

// Do fails with ErrNotSupported: there are no namespaces to enter.
func (l *Lab) Do(node string, fn func() error) error {
	return fmt.Errorf("lab %s: enter %s: %w", l.name, node, ErrNotSupported)
}

package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
)

// OpenIn runs open inside node's network namespace, as Do does, and
// returns what it opened: a prober, a responder, a client, whose sockets
// stay in that namespace.
func OpenIn[T any](l *Lab, node string, open func() (T, error)) (T, error) {
	var v T
	err := l.Do(node, func() error {
		var err error
		v, err = open()
		return err
	})
	return v, err
}

// Stdio connects a command's standard streams; nil means /dev/null.
type Stdio struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Exec runs the user's command argv inside node's network namespace and
// waits for it; ctx kills it. The command sees the namespace's interfaces,
// routes and /proc/sys/net, and the host's file system. A command that
// exits non-zero yields an *exec.ExitError.
func (l *Lab) Exec(ctx context.Context, node string, argv []string, stdio Stdio) error {
	if len(argv) == 0 {
		return fmt.Errorf("lab exec on %s: empty command: %w", node, ErrBadName)
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("lab exec on %s: %w", node, err)
	}
	cmd := exec.CommandContext(ctx, path, argv[1:]...)
	cmd.Args = argv
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio.Stdin, stdio.Stdout, stdio.Stderr
	// A child inherits the namespaces of the thread that forks it.
	if err := l.Do(node, cmd.Start); err != nil {
		return fmt.Errorf("lab exec %s on %s: %w", argv[0], node, err)
	}
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return err
		}
		return fmt.Errorf("lab exec %s on %s: %w", argv[0], node, err)
	}
	return nil
}

// Command revtr measures reverse paths: the route packets take from a remote
// host back to you. See README.md for what each subcommand does.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err == nil {
		return
	}
	var ee exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(os.Stderr, "revtr:", ee.err)
		}
		os.Exit(ee.code)
	}
	fmt.Fprintln(os.Stderr, "revtr:", err)
	os.Exit(1)
}

// exitError carries a process exit status other than 1; a nil err means the
// failure was already reported (a command run by 'lab exec' that failed).
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e exitError) Unwrap() error { return e.err }

// exitStatus passes a child's exit status on as revtr's own.
func exitStatus(err error) error {
	var xe *exec.ExitError
	if errors.As(err, &xe) {
		code := xe.ExitCode()
		if code < 0 { // killed by a signal
			code = 1
		}
		return exitError{code: code}
	}
	return err
}

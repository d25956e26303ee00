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
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	root := newRootCmd()
	if filepath.Base(os.Args[0]) == "augsburg-traceroute" { // the reference client's name: its command line
		root.SetArgs(append([]string{"augsburg"}, os.Args[1:]...))
	}
	cmd, err := root.ExecuteContextC(ctx)
	stop()
	if err == nil {
		return
	}
	code := 1
	if cmd != nil && cmd.Annotations[errorExitKey] != "" {
		code, _ = strconv.Atoi(cmd.Annotations[errorExitKey])
	}
	var ee exitError
	if errors.As(err, &ee) {
		code, err = ee.code, ee.err
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "revtr:", oneLine(err))
	}
	os.Exit(code)
}

// errorExitKey annotates a command whose errors exit with another status
// than 1: ping's exit 2, as iputils ping's, 1 meaning no reply.
const errorExitKey = "revtr-error-exit"

// oneLine is an error's message on one line: joined errors (errors.Join
// puts each on its own line) are separated by "; ".
func oneLine(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}

// exitError carries a process exit status; a nil err means the failure
// was already reported (a command run by 'lab exec' that failed, a ping
// nothing answered).
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

package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// process is a child process of the demo (the controller, an agent, a
// responder), its output going to a log file.
type process struct {
	name   string
	log    string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // how it exited, once exited is closed
}

// startProcess runs bin with args, its standard output and error
// appended to logPath. On Linux the child is sent SIGTERM if the demo
// dies, and it runs in a process group of its own, so that a terminal's
// Ctrl-C reaches the demo alone, which stops its children in order.
func startProcess(name, bin string, args []string, logPath string) (*process, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("demo: %s log: %w", name, err)
	}
	defer log.Close() // the child has its own descriptor
	p := &process{name: name, log: logPath, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = log, log
	p.cmd.SysProcAttr = childAttr()
	started := make(chan error, 1)
	go func() {
		// The parent-death signal follows the thread that forked the
		// child: this goroutine keeps that thread until the child exits.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := p.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("demo: start %s: %w", name, err)
	}
	return p, nil
}

// waitLog waits until the child's log holds text (what it writes once
// it serves), or fails if it exits first.
func (p *process) waitLog(ctx context.Context, text string) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(p.log); err == nil && strings.Contains(string(b), text) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.exited:
			return fmt.Errorf("demo: %s %w before it served: %v (log: %s)%s", p.name, errExited, p.err, p.log, logTail(p.log))
		case <-tick.C:
		}
	}
}

// pid is the child's process ID.
func (p *process) pid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM and waits for the child to exit, killing it after
// timeout. A child that exits on SIGTERM with status 0 stopped cleanly.
func (p *process) stop(timeout time.Duration) error {
	select {
	case <-p.exited:
		return p.exitError()
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.cmd.Process.Kill()
	}
	select {
	case <-p.exited:
		return p.exitError()
	case <-time.After(timeout):
		p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("demo: %s still running %v after SIGTERM: killed (log: %s)", p.name, timeout, p.log)
	}
}

func (p *process) exitError() error {
	if p.err == nil {
		return nil
	}
	return fmt.Errorf("demo: %s: %w (log: %s)%s", p.name, p.err, p.log, logTail(p.log))
}

// logTail is the last lines of a log, to explain a failure.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return "\n  " + strings.Join(lines[max(0, len(lines)-5):], "\n  ")
}

// errExited means a child exited while it was expected to run.
var errExited = errors.New("exited")

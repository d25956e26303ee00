package proctest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/revtr/revtr/store"
)

// binary is the revtr binary TestMain builds.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "revtr-proctest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "revtr")
	goTool, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, "proctest: the go command is needed to build revtr:", err)
		os.Exit(1)
	}
	build := exec.Command(goTool, "build", "-o", binary, "github.com/revtr/revtr/cmd/revtr")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "proctest: build revtr:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// config is a controller's YAML configuration for the tests: the
// simulator, quick retries and rescues, a short archive interval.
func config(name, dsn, archive string, inFlight, attempts int) string {
	return fmt.Sprintf(`name: %s
listen: 127.0.0.1:0
db: %q
log: {level: info}
drain_timeout: 20s
backend:
  kind: sim
  sim: {seed: 3, routers: 120}
scheduler:
  max_in_flight: %d
  start_interval: 0s
  slice: 10
  max_attempts: %d
  job_timeout: 3s
  rescue_after: 4s
  retry_backoff: 200ms
  poll_interval: 50ms
archive:
  dir: %q
  interval: 300ms
`, name, dsn, inFlight, attempts, archive)
}

// proc is a running controller process.
type proc struct {
	cmd    *exec.Cmd
	addr   string // host:port it serves on
	exited chan struct{}
	err    error // its exit status, once exited is closed
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// start runs `revtr controller --config` and waits until it serves; its
// log goes to logPath.
func start(t *testing.T, cfgPath, logPath string) *proc {
	t.Helper()
	p, addr := startCmd(t, logPath, listening, "controller", "--config", cfgPath)
	p.addr = addr
	return p
}

// startCmd runs revtr with args, its standard error to logPath, and waits
// for a line matching ready (nil: none), returning its first group.
func startCmd(t *testing.T, logPath string, ready *regexp.Regexp, args ...string) (*proc, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	showLogOnFailure(t, logPath)
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	matched := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			fmt.Fprintln(log, sc.Text())
			if ready == nil {
				continue
			}
			if m := ready.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case matched <- m[1]:
				default:
				}
			}
		}
		io.Copy(log, stderr)
		log.Close()
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.kill)
	if ready == nil {
		return p, ""
	}
	select {
	case m := <-matched:
		return p, m
	case <-p.exited:
		t.Fatalf("revtr %s exited before it was ready: %v (log: %s)", args[0], p.err, logPath)
	case <-time.After(60 * time.Second):
		p.kill()
		t.Fatalf("revtr %s not ready after 60s (log: %s)", args[0], logPath)
	}
	return p, ""
}

// shown holds the logs a failing test prints, each once.
var shown sync.Map

// showLogOnFailure prints the log at logPath when t fails: the
// controllers' own account of what they did is what a failure needs
// (their temporary directory is gone afterwards).
func showLogOnFailure(t *testing.T, logPath string) {
	if _, dup := shown.LoadOrStore(logPath, true); dup {
		return
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		b, err := os.ReadFile(logPath)
		if err != nil {
			t.Logf("log %s: %v", logPath, err)
			return
		}
		t.Logf("log %s:\n%s", logPath, b)
	})
}

// kill ends the process with SIGKILL: no drain, no cleanup.
func (p *proc) kill() {
	select {
	case <-p.exited:
	default:
		p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.exited
	}
}

// stop ends the process with SIGTERM, and checks it exits cleanly.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		if p.err != nil {
			t.Errorf("controller after SIGTERM: %v", p.err)
		}
	case <-time.After(60 * time.Second):
		p.kill()
		t.Fatal("controller still running 60s after SIGTERM")
	}
}

// runRevtr runs the revtr command and returns its standard output.
func runRevtr(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(binary, args...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("revtr %s: %v: %s", strings.Join(args, " "), err, msg)
	}
	return string(out)
}

// newKey makes a key for every source the database authorizes, with
// `revtr keys add`, and returns it (the output's last line) and the
// sources.
func newKey(t *testing.T, dsn string) (string, []netip.Addr) {
	t.Helper()
	var srcs []string
	var addrs []netip.Addr
	for _, line := range strings.Split(strings.TrimSpace(runRevtr(t, "sources", "list", "--db", dsn)), "\n")[1:] {
		f := strings.Fields(line)
		srcs = append(srcs, f[0])
		addrs = append(addrs, netip.MustParseAddr(f[0]))
	}
	out := strings.Split(strings.TrimSpace(runRevtr(t, "keys", "add", "--db", dsn, "--name", "proctest", "--sources", strings.Join(srcs, ","),
		"--per-day", "1000000", "--parallel", "1000000")), "\n")
	key := out[len(out)-1]
	if !strings.HasPrefix(key, "revtr_") || strings.Contains(key, " ") {
		t.Fatalf("keys add's last line is not a key alone: %q", key)
	}
	return key, addrs
}

// openStore opens the controllers' database from the test.
func openStore(t *testing.T, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

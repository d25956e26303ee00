package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/revtr/revtr/revtr/eval"
)

// bin is the revtr binary built once for the command-line tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "revtr-cli")
	if err != nil {
		panic(err)
	}
	// Readable by the unprivileged user TestNeedsRoot runs it as.
	if err := os.Chmod(dir, 0o755); err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "revtr")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run runs revtr with args (as uid when uid ≥ 0) and returns its output and
// exit code.
func run(t *testing.T, uid int, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	if uid >= 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if xe, ok := err.(*exec.ExitError); ok {
		code = xe.ExitCode()
	} else if err != nil {
		t.Fatalf("run revtr %v: %v", args, err)
	}
	if strings.Contains(e.String(), "goroutine ") || strings.Contains(e.String(), "panic:") {
		t.Fatalf("revtr %v panicked:\n%s", args, e.String())
	}
	return o.String(), e.String(), code
}

// TestBadInput checks that bad input gets one clear line and exit status 1
// (2 for ping, as iputils ping).
func TestBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"sim", "ping", "--from", "nosuch", "h1"}, `"nosuch" is neither a node name nor an address`},
		{[]string{"sim", "ping", "h1"}, "--from is required"},
		{[]string{"sim", "traceroute", "--from", "h0", "-P", "sctp", "h1"}, `unknown protocol "sctp"`},
		{[]string{"sim", "traceroute", "--from", "h0", "--max-ttl", "0", "h1"}, "--max-ttl must be 1..255"},
		{[]string{"sim", "ping", "--from", "h0", "-R", "--spoof-as", "999.1.1.1", "h1"}, `bad address "999.1.1.1"`},
		{[]string{"sim", "ping", "--from", "h0", "-R", "2001:db8::1"}, "-R needs an IPv4 destination"},
		{[]string{"sim", "truth", "h0", "r1"}, "is a router"},
		{[]string{"sim", "--ases", "1", "summary"}, "--tier1 must be 1 to 1, not 3"},
		{[]string{"sim", "traceroute", "--from", "h0", "--multipath", "--epsilon", "2", "h1"}, "--epsilon must be in (0, 1)"},
		{[]string{"sim", "traceroute", "--from", "h0", "-P", "icmp", "--flow", "65536", "h1"}, "--flow"},
		{[]string{"sim", "traceroute", "--from", "h0", "--gap", "0", "h1"}, "--gap"},
		{[]string{"sim", "traceroute", "--from", "h0", "-w", "0", "h1"}, "--timeout must be positive"},
		{[]string{"sim", "traceroute", "--from", "h0", "--first-ttl", "9", "-m", "3", "h1"}, "--first-ttl must be"},
		{[]string{"sim", "traceroute", "--from", "h0", "--reverse", "h1"}, "no two-host responder"},
		{[]string{"sim", "truth", "-P", "sctp", "h0", "h1"}, `unknown protocol "sctp"`},
		{[]string{"lab", "truth", "--name", "no-such-lab", "h0", "h1"}, "no-such-lab"},
		{[]string{"sim", "eval", "--policy", "fastest"}, "--policy"},
		{[]string{"sim", "eval", "--revtrs", "-1"}, "--revtrs must not be negative"},
		{[]string{"sim", "eval", "--batch", "-1"}, "--batch must not be negative"},
		{[]string{"traceroute", "--reverse", "--two-way", "10.0.0.1"}, "exclude each other"},
		{[]string{"traceroute", "-P", "sctp", "10.0.0.1"}, `unknown protocol "sctp"`},
		{[]string{"traceroute", "--multipath", "--epsilon", "0", "10.0.0.1"}, "--epsilon must be in (0, 1)"},
		{[]string{"traceroute", "--from", "h0", "10.0.0.1"}, "--from names a lab node"},
		{[]string{"responder", "-t", "banana", "e0"}, "-t"},
		{[]string{"responder", "-n", "0", "e0"}, "-n must be at least 1"},
		{[]string{"responder", "--allow", "300.0.0.0/8", "e0"}, `--allow "300.0.0.0/8"`},
		{[]string{"responder", "--log-level", "loud", "e0"}, "--log-level"},
		{[]string{"responder", "--lab", "x", "e0"}, "--lab and --node go together"},
		{[]string{"responder", "--lab", "no_such_lab", "--node", "h0", "e0"}, "no_such_lab"},
		{[]string{"ping", "10.0.0.999"}, `bad address "10.0.0.999"`},
		{[]string{"ping", "--from", "h0", "10.0.0.1"}, "--from names a lab node"},
		// Flags that contradict each other, or do not apply.
		{[]string{"traceroute", "--multipath", "--flow", "5", "10.0.0.1"}, "--flow does not apply"},
		{[]string{"sim", "traceroute", "--from", "h0", "--multipath", "--flow", "5", "h1"}, "--flow does not apply"},
		{[]string{"traceroute", "--multipath", "-q", "2", "10.0.0.1"}, "--queries does not apply"},
		{[]string{"traceroute", "--multipath", "--window", "4", "10.0.0.1"}, "--window does not apply"},
		{[]string{"traceroute", "--epsilon", "0.1", "10.0.0.1"}, "add --multipath"},
		{[]string{"traceroute", "--pfx2as", "x", "--json", "10.0.0.1"}, "--pfx2as annotates the text table"},
		{[]string{"traceroute", "--tos", "4", "10.0.0.1"}, "add --reverse or --two-way"},
		{[]string{"traceroute", "--reverse", "--max-wait", "2s", "10.0.0.1"}, "--max-wait applies to forward probes"},
		{[]string{"traceroute", "--max-wait", "-1s", "10.0.0.1"}, "--max-wait must not be negative"},
		{[]string{"traceroute", "-q", "11", "10.0.0.1"}, "--queries must be 1..10"},
		{[]string{"traceroute", "-4", "-6", "10.0.0.1"}, "-4 and -6 exclude each other"},
		{[]string{"sim", "traceroute", "--from", "h0", "-6", "10.0.0.1"}, "-6 asks for IPv6, but 10.0.0.1 is an IPv4 address"},
		{[]string{"sim", "traceroute", "--from", "h0", "-4", "2001:db8::1"}, "-4 asks for IPv4"},
		{[]string{"sim", "ping", "--from", "h0", "-6", "10.0.0.1"}, "-6 asks for IPv6"},
		{[]string{"ping", "-R", "-c", "3", "10.0.0.1"}, "-R sends one echo request"},
		{[]string{"ping", "-R", "-6", "10.0.0.1"}, "-R needs IPv4"},
		{[]string{"ping", "-W", "0s", "10.0.0.1"}, "--timeout must be positive"},
		{[]string{"ping", "-c", "0", "10.0.0.1"}, "--count must be at least 1"},
		// Generator and evaluation flags: the error names the flag given.
		{[]string{"sim", "--routers", "1000000", "summary"}, "--routers must be 0 (the default Internet) to"},
		{[]string{"sim", "--routers", "-100", "summary"}, "--routers must be"},
		{[]string{"sim", "--routers", "300", "--ases", "4", "summary"}, "--routers sets --ases"},
		{[]string{"sim", "--ases", "0", "summary"}, "--ases must be 1 to 1000"},
		{[]string{"sim", "--tier1", "40", "summary"}, "--tier1 must be"},
		{[]string{"sim", "--spoof-share", "1.5", "summary"}, "--spoof-share must be a share in [0, 1]"},
		{[]string{"sim", "--dsts", "0", "eval"}, "--dsts 0"},
		{[]string{"sim", "--sources", "0", "eval"}, "--sources 0"},
		{[]string{"sim", "eval", "--policy", "default,"}, "empty policy name"},
		{[]string{"sim", "eval", "--policy", "default,default"}, "default given twice"},
		{[]string{"sim", "eval", "--policy", "default", "--discordant", "/nonexistent/d.jsonl"}, "--discordant compares two policies"},
		{[]string{"sim", "eval", "--revtrs", "1", "--discordant", "/nonexistent/d.jsonl"}, "--discordant /nonexistent/d.jsonl: open /nonexistent/.d.jsonl."},
		{[]string{"sim", "eval", "--revtrs", "1", "--cpuprofile", "/nonexistent/cpu.out"}, "--cpuprofile: open /nonexistent/cpu.out"},
		{[]string{"sim", "eval", "--sequential", "--workers", "2"}, "--sequential runs one reverse traceroute at a time, not --workers 2"},
		{[]string{"sim", "eval", "--symmetry", "sometimes"}, `--symmetry: symmetry "sometimes": want policy, refuse-inter, allow-inter or never`},
		{[]string{"lab", "eval", "--rate", "0"}, "--rate must be positive, not 0"},
		{[]string{"lab", "eval", "--rate", "-5"}, "--rate must be positive, not -5"},
		{[]string{"lab", "eval", "--timeout", "0s"}, "--timeout must be positive, not 0s"},
		{[]string{"lab", "eval", "--timeout", "-1s"}, "--timeout must be positive, not -1s"},
		{[]string{"demo", "--revtrs", "-1"}, "--revtrs and --show must not be negative"},
		{[]string{"demo", "--sim", "--db", "/nonexistent/revtr.db"}, "--db /nonexistent/revtr.db: its directory does not exist"},
		{[]string{"demo", "--sim", "--listen", "nonsense"}, "the controller's address"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, stderr, code := run(t, -1, tt.args...)
			if want := errorStatus(tt.args); code != want {
				t.Errorf("exit status %d, want %d (stderr %q)", code, want, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q lacks %q", stderr, tt.want)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > 0 {
				t.Errorf("error is %d lines, want one: %q", n+1, stderr)
			}
			parts := strings.Split(strings.TrimSpace(stderr), ": ")
			for i := 1; i < len(parts); i++ {
				if parts[i] == parts[i-1] {
					t.Errorf("error repeats %q: %q", parts[i], stderr)
				}
			}
		})
	}
}

// errorStatus is the exit status of a failing command: 2 for ping, as
// iputils ping (1 means no reply), 1 for the others.
func errorStatus(args []string) int {
	for _, a := range args {
		if a == "ping" {
			return 2
		}
	}
	return 1
}

// TestSimEval runs the evaluation on the simulator and checks that the
// report compares both policies.
func TestSimEval(t *testing.T) {
	out, stderr, code := run(t, -1, "sim", "eval", "--revtrs", "20")
	if code != 0 {
		t.Fatalf("sim eval: status %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"default (n=20)", "reference (n=20)", "coverage (reach S)", "probes / revtr"} {
		if !strings.Contains(out, want) {
			t.Errorf("sim eval output lacks %q:\n%s", want, out)
		}
	}
}

// TestSimEvalSymmetry checks that --symmetry applies to both policies:
// on seed 2, where both refuse interdomain symmetry for some pairs,
// allow-inter assumes it instead (hop type 12) and never assumes none.
func TestSimEvalSymmetry(t *testing.T) {
	const refused = "Assume symmetry on an interdomain link"
	for _, c := range []struct {
		symmetry   string
		want, lack []string
	}{
		{"policy", []string{refused}, []string{"symmetry: ", "type 12"}},
		{"allow-inter", []string{"symmetry: allow-inter, every request and policy", "type 12 (sym-inter) hops"}, []string{refused}},
		{"never", []string{"symmetry: never"}, []string{"type 11", "type 12", refused}},
	} {
		out, stderr, code := run(t, -1, "sim", "eval", "--seed", "2", "--router-targets", "--symmetry", c.symmetry)
		if code != 0 {
			t.Fatalf("--symmetry %s: status %d, stderr %q", c.symmetry, code, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("--symmetry %s: no %q in\n%s", c.symmetry, w, out)
			}
		}
		for _, l := range c.lack {
			if strings.Contains(out, l) {
				t.Errorf("--symmetry %s: %q in\n%s", c.symmetry, l, out)
			}
		}
	}
}

// TestSimEvalCPUProfile checks that --cpuprofile writes a profile go tool
// pprof reads, with the engine's functions in it.
func TestSimEvalCPUProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.out")
	if _, stderr, code := run(t, -1, "sim", "eval", "--revtrs", "10000", "--policy", "default", "--cpuprofile", path); code != 0 {
		t.Fatalf("sim eval: status %d, stderr %q", code, stderr)
	}
	out, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=100000", bin, path).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "revtr.(*Engine).Run") {
		t.Errorf("the profile lacks the engine:\n%s", out)
	}
}

// TestSimEvalDiscordant checks that --discordant writes one JSON line
// per pair the report's paired counts name, and no other: per
// achievement, as many pairs where only ours or only the reference has it
// as the report says.
func TestSimEvalDiscordant(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.jsonl")
	out, stderr, code := run(t, -1, "sim", "eval", "--revtrs", "400", "--discordant", path)
	if code != 0 {
		t.Fatalf("sim eval: status %d, stderr %q", code, stderr)
	}
	want := map[string]int{}
	for name, line := range map[string]string{"reached": "reached the source: ", "exact": "exact, of those both reached: ",
		"all_ases": "all ASes present, of those both reached: "} {
		var first, second int
		i := strings.Index(out, line)
		if i < 0 {
			t.Fatalf("report lacks %q:\n%s", line, out)
		}
		if _, err := fmt.Sscanf(out[i+len(line):], "%d / %d", &first, &second); err != nil {
			t.Fatalf("report's %q: %v", line, err)
		}
		want[name+" default"], want[name+" reference"] = first, second
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, lines := map[string]int{}, 0
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var d eval.Discordance
		if err := json.Unmarshal([]byte(line), &d); err != nil || len(d.Runs) != 2 || len(d.Differs) == 0 {
			t.Fatalf("line %q: %v, %d runs, differs %v", line, err, len(d.Runs), d.Differs)
		}
		lines++
		for _, what := range d.Differs {
			for _, r := range d.Runs {
				if has := map[string]bool{"reached": r.Reached, "exact": r.Exact, "all_ases": r.AllASes}[what]; has {
					got[what+" "+r.Policy]++
				}
			}
		}
	}
	if lines == 0 {
		t.Fatal("no discordant pair written")
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("the file counts %q, which the report does not", k)
		}
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: the file counts %d pairs, the report %d", k, got[k], n)
		}
	}
}

// TestNeedsRoot checks that privileged commands say they need root, and
// that the simulator works without it.
func TestNeedsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: drops privileges to an unprivileged user to test the messages")
	}
	const nobody = 65534
	for _, args := range [][]string{{"lab", "up"}, {"lab", "down"}, {"ping", "10.0.0.1"}, {"traceroute", "10.0.0.1"}} {
		_, stderr, code := run(t, nobody, args...)
		if code != errorStatus(args) || !strings.Contains(stderr, "needs root") {
			t.Errorf("revtr %v as nobody: status %d, stderr %q; want %d and 'needs root'", args, code, stderr, errorStatus(args))
		}
	}
	out, stderr, code := run(t, nobody, "demo", "--no-serve", "--listen", "127.0.0.1:0")
	if code != 0 {
		t.Fatalf("demo as nobody: status %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"running the service on the simulator", "== summary of batch 1: 40 reverse traceroutes"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo as nobody: output lacks %q:\n%s", want, out)
		}
	}
}

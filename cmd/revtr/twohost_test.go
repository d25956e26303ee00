package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestReverseTracerouteLab runs the CLI end to end in a lab: a responder on
// a destination (started with 'lab exec'), then 'traceroute --reverse' from
// a source, whose hops must equal 'lab truth' for the responder's UDP flow
// (from port 1021), then two-way, multipath and a plain host.
func TestReverseTracerouteLab(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: builds a lab and runs a responder in it")
	}
	name := fmt.Sprintf("cli%d_", os.Getpid())
	if _, stderr, code := run(t, -1, "lab", "up", "--name", name); code != 0 {
		t.Fatalf("lab up: %s", stderr)
	}
	t.Cleanup(func() { run(t, -1, "lab", "down", "--name", name) })
	host := firstHostWith(t, "responder")

	resp := exec.Command(bin, "lab", "exec", "--name", name, host, "--", bin, "responder", "e0")
	stderr, err := resp.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Process.Kill(); resp.Wait() })
	sc := bufio.NewScanner(stderr)
	for sc.Scan() && !strings.Contains(sc.Text(), "responder started") {
	}
	go func() { // drain the responder's log so it never blocks on a full pipe
		for sc.Scan() {
		}
	}()

	out, errOut, code := run(t, -1, "traceroute", "--lab", name, "--from", "h0", "--reverse", "-n", "-q", "1", "--json", host)
	if code != 0 {
		t.Fatalf("traceroute --reverse: status %d: %s", code, errOut)
	}
	got := jsonHops(t, out, "reverse")
	truth, _, _ := run(t, -1, "lab", "truth", "--name", name, "-P", "udp", "--src-port", "1021", host, "h0")
	want := truthHops(truth, "forward")
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("reverse path %v, ground truth %v\n%s", got, want, truth)
	}
	// Both directions as a table, a reverse multipath as JSON, and a
	// plain host (h1 runs no responder): one line, exit 1.
	out, errOut, code = run(t, -1, "traceroute", "--lab", name, "--from", "h0", "--two-way", "-P", "tcp", host)
	if code != 0 || !strings.Contains(out, "forward path from") || !strings.Contains(out, "reverse path from") {
		t.Errorf("--two-way: status %d, %s\n%s", code, errOut, out)
	}
	out, errOut, code = run(t, -1, "traceroute", "--lab", name, "--from", "h0", "--reverse", "--multipath", "--json", host)
	if code != 0 || len(jsonTraces(t, out)) != 1 || jsonTraces(t, out)[0].Type != "tracelb" || jsonTraces(t, out)[0].StopReason != "COMPLETED" {
		t.Errorf("--reverse --multipath --json: status %d, %s\n%s", code, errOut, out)
	}
	_, errOut, code = run(t, -1, "traceroute", "--lab", name, "--from", "h0", "--reverse", "h1")
	if code != 1 || !strings.Contains(errOut, "no two-host responder") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
		t.Errorf("--reverse toward a plain host: status %d, stderr %q", code, errOut)
	}
}

// firstHostWith returns the first host of the default topology whose roles
// include role.
func firstHostWith(t *testing.T, role string) string {
	out, _, _ := run(t, -1, "sim", "hosts")
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 5 && strings.Contains(f[4], role) {
			return f[0]
		}
	}
	t.Fatalf("no %s host in:\n%s", role, out)
	return ""
}

// jsonTrace is a trace of traceroute --json (docs/cli-json.md).
type jsonTrace struct {
	Type       string `json:"type"`
	Direction  string `json:"direction"`
	StopReason string `json:"stop_reason"`
	ProbeCount int    `json:"probe_count"`
	Hops       []struct {
		Addr     string `json:"addr"`
		ProbeTTL int    `json:"probe_ttl"`
		RTT      float64
		ICMPType *int `json:"icmp_type"`
		ICMPCode *int `json:"icmp_code"`
	} `json:"hops"`
	Nodes []struct {
		Addr string `json:"addr"`
	} `json:"nodes"`
}

// jsonTraces parses traceroute --json output.
func jsonTraces(t *testing.T, out string) []jsonTrace {
	t.Helper()
	var v struct {
		Version int         `json:"version"`
		Traces  []jsonTrace `json:"traces"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Version != 1 {
		t.Fatalf("traceroute --json output %q: %v, version %d", out, err, v.Version)
	}
	return v.Traces
}

// jsonHops returns the hop addresses of one direction of a traceroute
// --json.
func jsonHops(t *testing.T, out, direction string) []string {
	t.Helper()
	var hops []string
	for _, tr := range jsonTraces(t, out) {
		if tr.Direction != direction {
			continue
		}
		for _, h := range tr.Hops {
			hops = append(hops, h.Addr)
		}
	}
	return hops
}

// truthHops returns the addresses of one direction of 'truth' output.
func truthHops(out, direction string) []string {
	var hops []string
	in := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, direction+" "):
			in = true
		case in && strings.HasPrefix(line, "  AS path"):
			return hops
		case in:
			if f := strings.Fields(line); len(f) >= 2 {
				hops = append(hops, f[1])
			}
		}
	}
	return hops
}

// TestTruthIsTraceroute holds 'sim truth' to what 'sim traceroute' with the
// same flow flags shows, hop for hop: ICMP over IPv6 (protocol 58, which
// the ECMP hash reads), UDP and TCP flows over both families, and the
// reverse path a two-host responder traces (its probes leave from port
// 1021: --src-port).
func TestTruthIsTraceroute(t *testing.T) {
	resp := firstHostWith(t, "responder")
	for _, c := range []struct {
		flags    []string
		src, dst string
		reverse  bool
	}{
		{[]string{"-6", "-P", "icmp"}, "h0", "h4", false},
		{[]string{"-P", "icmp"}, "h0", "h4", false},
		{[]string{"-P", "udp", "--flow", "4000"}, "h1", "h6", false},
		{[]string{"-6", "-P", "tcp"}, "h1", "h6", false},
		{[]string{"-P", "udp"}, "h0", resp, true},
		{[]string{"-6", "-P", "tcp", "--flow", "443"}, "h0", resp, true},
	} {
		name := strings.Join(append(c.flags, c.src, c.dst), " ")
		args, dir := append([]string{"sim", "traceroute", "-n", "--json", "-q", "1", "--from", c.src}, c.flags...), "forward"
		truthArgs := append([]string{"sim", "truth"}, c.flags...)
		if c.reverse {
			args, dir = append(args, "--reverse"), "reverse"
			truthArgs = append(truthArgs, "--src-port", "1021", c.dst, c.src)
		} else {
			truthArgs = append(truthArgs, c.src, c.dst)
		}
		out, stderr, code := run(t, -1, append(args, c.dst)...)
		if code != 0 {
			t.Fatalf("%s: traceroute: status %d: %s", name, code, stderr)
		}
		truth, stderr, code := run(t, -1, truthArgs...)
		if code != 0 {
			t.Fatalf("%s: truth: status %d: %s", name, code, stderr)
		}
		got, want := jsonHops(t, out, dir), truthHops(truth, "forward")
		if len(want) == 0 || strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: traceroute %v, truth %v", name, got, want)
		}
	}
}

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
// a source, whose hops must equal 'lab truth' for the responder's UDP flow.
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
	got := jsonHops(t, out)
	truth, _, _ := run(t, -1, "lab", "truth", "--name", name, "-P", "udp", "--flow", "1021", host, "h0")
	want := truthHops(truth, "forward")
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("reverse path %v, ground truth %v\n%s", got, want, truth)
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

// jsonHops returns the hop addresses of a one-way traceroute --json.
func jsonHops(t *testing.T, out string) []string {
	var path struct {
		Hops []struct {
			Replies []struct {
				Addr string `json:"addr"`
			} `json:"replies"`
		} `json:"hops"`
	}
	if err := json.Unmarshal([]byte(out), &path); err != nil {
		t.Fatalf("traceroute --json output %q: %v", out, err)
	}
	var hops []string
	for _, h := range path.Hops {
		if len(h.Replies) > 0 {
			hops = append(hops, h.Replies[0].Addr)
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

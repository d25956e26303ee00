package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	checkPrintedFlow(t, name, host)
	checkTransmit(t, name, host)
}

// checkTransmit runs a controller (SQLite, no backend, the lab's
// prefixes allowed), makes a key, runs 'traceroute --reverse --transmit'
// and fetches the trace back by its label: the hops the controller serves
// are the ones the client printed as JSON, the responder first.
func checkTransmit(t *testing.T, lab, host string) {
	dir := t.TempDir()
	db := filepath.Join(dir, "revtr.db")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := filepath.Join(dir, "controller.yaml")
	if err := os.WriteFile(cfg, []byte("listen: "+addr+"\ndb: "+db+"\napi:\n  allow: [10.0.0.0/8]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := hostAddrOf(t, "h0")
	if _, stderr, code := run(t, -1, "sources", "add", "--db", db, src); code != 0 {
		t.Fatalf("sources add: %s", stderr)
	}
	out, stderr, code := run(t, -1, "keys", "add", "--db", db, "--name", "transmit", "--sources", src)
	if code != 0 {
		t.Fatalf("keys add: %s", stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	key := lines[len(lines)-1]
	ctl := exec.Command(bin, "controller", "--config", cfg)
	if err := ctl.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { ctl.Process.Signal(os.Interrupt); ctl.Wait() }()
	url := "http://" + addr
	waitHealthy(t, url)
	out, errOut, code := run(t, -1, "traceroute", "--lab", lab, "--from", "h0", "--reverse", "-n", "-q", "1", "--json",
		"--transmit", "--controller", url, "--key", key, "--label", "tx", host)
	if code != 0 || !strings.Contains(errOut, "transmitted to "+url) {
		t.Fatalf("traceroute --transmit: status %d: %s", code, errOut)
	}
	want := append([]string{hostAddrOf(t, host)}, jsonHops(t, out, "reverse")...)
	req, _ := http.NewRequest(http.MethodGet, url+"/api/v2/revtr/label/tx", nil)
	req.Header.Set("Revtr-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Revtrs []struct {
			StopReason string `json:"stopReason"`
			Path       []struct {
				Hop string `json:"hop"`
			} `json:"path"`
		} `json:"revtrs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || len(got.Revtrs) != 1 {
		t.Fatalf("GET by label: %v, %+v", err, got)
	}
	var hops []string
	for _, h := range got.Revtrs[0].Path {
		hops = append(hops, h.Hop)
	}
	if got.Revtrs[0].StopReason != "REACHES" || strings.Join(hops, " ") != strings.Join(want, " ") {
		t.Errorf("the controller keeps %s %v; the client measured %v", got.Revtrs[0].StopReason, hops, want)
	}
}

// waitHealthy polls a controller's /healthz until it answers, for 20 s.
func waitHealthy(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("controller at %s never healthy: %v", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hostAddrOf is a host's IPv4 address in the default topology.
func hostAddrOf(t *testing.T, name string) string {
	out, _, _ := run(t, -1, "sim", "hosts")
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == name {
			return f[1]
		}
	}
	t.Fatalf("no host %s", name)
	return ""
}

// checkPrintedFlow runs 'traceroute --reverse' without --flow for each
// protocol and family, at one TTL beyond the path so that the probe
// reaches the client, and checks that the flow it prints is the one the
// responder's first probe carried, as tcpdump saw it arrive on the
// client's host: ports 1021 > 53 (UDP), 1021 > 80 (TCP), checksum 0xbeaf
// (ICMP, ICMPv6).
func checkPrintedFlow(t *testing.T, lab, host string) {
	for _, c := range []struct {
		flags  []string
		filter string
	}{
		{[]string{"-P", "udp"}, "udp and src port 1021"},
		{[]string{"-P", "tcp"}, "tcp and src port 1021"},
		{[]string{"-P", "icmp"}, "icmp and icmp[0] == 8 and icmp[1] == 0"},
		{[]string{"-6", "-P", "icmp"}, "icmp6 and ip6[40] == 128 and ip6[41] == 0"},
	} {
		wait := tcpdumpOne(t, lab, "h0", c.filter)
		args := append([]string{"traceroute", "--lab", lab, "--from", "h0", "--reverse", "-n", "-q", "1", "-f", "16", "-m", "16"}, c.flags...)
		out, errOut, _ := run(t, -1, append(args, host)...)
		pkt := wait()
		header, _, _ := strings.Cut(out, "\n")
		if want := onWire(pkt); want == "" || !strings.Contains(header, ", "+want+" (flow ") {
			t.Errorf("%v: printed %q (%s); the probe on the wire (%x) is %q", c.flags, header, errOut, pkt, want)
		}
	}
}

// onWire describes an IP packet's flow as meas.Flow prints it: "udp 1021
// > 53", "icmp checksum 0xbeaf".
func onWire(b []byte) string {
	var proto byte
	var l4 []byte
	switch {
	case len(b) >= 40 && b[0]>>4 == 6:
		proto, l4 = b[6], b[40:]
	case len(b) >= 20 && b[0]>>4 == 4:
		proto, l4 = b[9], b[int(b[0]&0x0f)*4:]
	}
	if len(l4) < 4 {
		return ""
	}
	switch proto {
	case 17, 6:
		name := map[byte]string{17: "udp", 6: "tcp"}[proto]
		return fmt.Sprintf("%s %d > %d", name, binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:]))
	case 1, 58:
		return fmt.Sprintf("icmp checksum %#04x", binary.BigEndian.Uint16(l4[2:]))
	}
	return ""
}

// tcpdumpOne starts tcpdump on a lab node for the first packet matching
// filter; the function returned waits for it and returns its IP packet
// (nil if none came within 20 s).
func tcpdumpOne(t *testing.T, lab, node, filter string) func() []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	cmd := exec.CommandContext(ctx, bin, "lab", "exec", "--name", lab, node, "--", "tcpdump", "-i", "e0", "-nn", "-x", "-c", "1", filter)
	var out bytes.Buffer
	cmd.Stdout, cmd.WaitDelay = &out, time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() && !strings.Contains(sc.Text(), "listening on") {
	}
	go io.Copy(io.Discard, stderr)
	return func() []byte {
		defer cancel()
		cmd.Wait()
		var hexText strings.Builder
		for _, line := range strings.Split(out.String(), "\n") {
			if _, rest, ok := strings.Cut(line, ":  "); ok && strings.HasPrefix(strings.TrimSpace(line), "0x") {
				hexText.WriteString(strings.ReplaceAll(rest, " ", ""))
			}
		}
		b, _ := hex.DecodeString(hexText.String())
		return b
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

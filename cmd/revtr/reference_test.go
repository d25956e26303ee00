package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

// The reference tools (traceroute(8), iputils ping, scamper) run side by
// side with revtr, only inside the namespaces of labs these tests build.

// chainLab builds h0 – r0 – ... – r(n-1) – h1 as a lab of its own.
func chainLab(t *testing.T, n int, edit func(*topo.Topology)) (*lab.Lab, *topo.Topology) {
	t.Helper()
	tp, err := topotest.Chain(n)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(tp)
	}
	return labtest.Up(t, tp), tp
}

// nsRun runs a reference tool in node's namespace and returns its output
// and exit status.
func nsRun(t *testing.T, l *lab.Lab, node string, argv ...string) (string, int) {
	t.Helper()
	needTools(t, argv[0])
	out, code, err := nsExec(l, node, argv...)
	if err != nil {
		t.Fatalf("%v on %s: %v", argv, node, err)
	}
	return out, code
}

// nsExec is nsRun for any goroutine: it returns what went wrong.
func nsExec(l *lab.Lab, node string, argv ...string) (string, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := l.Exec(ctx, node, argv, lab.Stdio{Stdout: &out, Stderr: &out})
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), ee.ExitCode(), nil
	}
	return out.String(), 0, err
}

// revtrIn runs revtr's command cmd from node h0 of lab l.
func revtrIn(t *testing.T, l *lab.Lab, cmd string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return run(t, -1, append([]string{cmd, "--lab", l.Name(), "--from", "h0"}, args...)...)
}

// lastHop returns the fields of the last hop line of a traceroute table
// (traceroute(8)'s or ours): TTL, address, RTT and its unit, any mark.
func lastHop(out string) []string {
	var last []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && strings.Trim(f[0], "0123456789") == "" {
			last = f
		}
	}
	return last
}

// hopMark returns the address and the mark (or "") of a hop line's first
// answer, "*" for a silent hop.
func hopMark(f []string) (addr, mark string) {
	if len(f) < 2 {
		return "", ""
	}
	if f[1] == "*" {
		return "*", ""
	}
	if len(f) > 4 && strings.HasPrefix(f[4], "!") {
		mark = f[4]
	}
	return f[1], mark
}

// TestPingExitCodes holds ping's exit status to iputils ping's: 0 when a
// reply came (also when some were lost), 1 when none did, 2 on errors.
func TestPingExitCodes(t *testing.T) {
	l, tp := chainLab(t, 2, nil)
	dst := tp.HostAddr(node(t, tp, "h1"), false).String()
	dst6 := tp.HostAddr(node(t, tp, "h1"), true).String()
	check := func(what string, ours, iputils []string, want int) {
		t.Helper()
		_, stderr, code := revtrIn(t, l, "ping", ours...)
		ref, refCode := nsRun(t, l, "h0", append([]string{"ping", "-i", "0.01", "-W", "1"}, iputils...)...)
		if code != want || refCode != want {
			t.Errorf("%s: revtr ping exits %d (%q), iputils ping %d; want %d\n%s", what, code, stderr, refCode, want, ref)
		}
	}
	check("all replies", []string{"-c", "2", dst}, []string{"-c", "2", dst}, 0)
	check("-6 with an IPv4 literal", []string{"-6", dst}, []string{"-6", "-c", "1", dst}, 2)
	check("-4 with an IPv6 literal", []string{"-4", dst6}, []string{"-4", "-c", "1", dst6}, 2)
	// Every other echo request lost: still a reply, exit 0.
	labtest.Nft(t, l, "h1", `table inet revtr_test {
		chain in { type filter hook input priority 0; icmp type echo-request numgen inc mod 2 == 0 drop; }
	}`)
	check("half lost", []string{"-c", "4", dst}, []string{"-c", "4", dst}, 0)
	out, _, _ := revtrIn(t, l, "ping", "-c", "4", dst)
	if !strings.Contains(out, "4 packets transmitted, 2 received, 50% packet loss") || !strings.Contains(out, "rtt min/avg/max/mdev = ") {
		t.Errorf("half lost: statistics are not iputils':\n%s", out)
	}
	labtest.Nft(t, l, "h1", `flush table inet revtr_test
	table inet revtr_test {
		chain in { type filter hook input priority 0; icmp type echo-request drop; }
	}`)
	check("all lost", []string{"-c", "2", "-W", "200ms", dst}, []string{"-c", "2", dst}, 1)
	check("all lost, Record Route", []string{"-R", "-W", "200ms", dst}, []string{"-R", "-c", "1", dst}, 1)
	out, _, _ = revtrIn(t, l, "ping", "--json", "-c", "2", "-W", "200ms", dst)
	if !strings.Contains(out, `"responses": []`) || !strings.Contains(out, `"loss": 100`) {
		t.Errorf("all lost, JSON: want an empty responses list and 100%% loss:\n%s", out)
	}
}

func node(t *testing.T, tp *topo.Topology, name string) topo.NodeID {
	t.Helper()
	n, ok := tp.Node(name)
	if !ok {
		t.Fatalf("no node %s", name)
	}
	return n.ID
}

// TestUnreachableMarks makes the last router refuse the destination in
// every way nftables and the routing table can (ICMP and ICMPv6
// destination unreachable of each code, prohibit, unreachable and
// blackhole routes) and holds the mark on our last hop to traceroute(8)'s
// on the same path: same address, same mark (or none).
func TestUnreachableMarks(t *testing.T) {
	l, tp := chainLab(t, 2, nil)
	needTools(t, "traceroute", "nft", "ip")
	type refusal struct {
		name, nft string   // an nftables reject statement for the destination
		route     []string // or a route to it
	}
	cases := map[bool][]refusal{
		false: {
			{name: "net-unreachable", nft: "reject with icmp type net-unreachable"},
			{name: "host-unreachable", nft: "reject with icmp type host-unreachable"},
			{name: "prot-unreachable", nft: "reject with icmp type prot-unreachable"},
			{name: "port-unreachable", nft: "reject with icmp type port-unreachable"},
			{name: "net-prohibited", nft: "reject with icmp type net-prohibited"},
			{name: "host-prohibited", nft: "reject with icmp type host-prohibited"},
			{name: "admin-prohibited", nft: "reject with icmp type admin-prohibited"},
			{name: "prohibit route", route: []string{"prohibit"}},
			{name: "unreachable route", route: []string{"unreachable"}},
			{name: "blackhole route", route: []string{"blackhole"}},
		},
		true: {
			{name: "no-route", nft: "reject with icmpv6 type no-route"},
			{name: "admin-prohibited", nft: "reject with icmpv6 type admin-prohibited"},
			{name: "addr-unreachable", nft: "reject with icmpv6 type addr-unreachable"},
			{name: "port-unreachable", nft: "reject with icmpv6 type port-unreachable"},
			{name: "policy-fail", nft: "reject with icmpv6 type policy-fail"},
			{name: "reject-route", nft: "reject with icmpv6 type reject-route"},
			{name: "prohibit route", route: []string{"prohibit"}},
			{name: "unreachable route", route: []string{"unreachable"}},
		},
	}
	marked := 0
	for _, v6 := range []bool{false, true} {
		dst := tp.HostAddr(node(t, tp, "h1"), v6)
		fam, ipfam := "-4", "ip"
		if v6 {
			fam, ipfam = "-6", "ip6"
		}
		for _, c := range cases[v6] {
			if c.nft != "" {
				labtest.Nft(t, l, "r1", "table inet revtr_test {\n chain f { type filter hook forward priority 0; "+
					ipfam+" daddr "+dst.String()+" "+c.nft+"; }\n}")
			} else {
				labtest.Run(t, l, "r1", append([]string{"ip", fam, "route", "add"}, append(c.route, dst.String())...)...)
			}
			// A route refuses at TTL 2 (before the TTL expires): probe that
			// TTL only, since the kernel allows routes' errors 5 at once
			// and 1 a second (net.ipv4.route.error_burst, error_cost).
			ttls := []string{"-f", "1", "-m", "3"}
			if c.route != nil {
				ttls = []string{"-f", "2", "-m", "2"}
			}
			ref, _ := nsRun(t, l, "h0", append(append([]string{"traceroute", fam, "-n", "-q", "1", "-w", "1"}, ttls...), dst.String())...)
			ours, stderr, code := revtrIn(t, l, "traceroute", append(append([]string{fam, "-n", "-q", "1", "--max-wait", "1s"}, ttls...), dst.String())...)
			refAddr, refMark := hopMark(lastHop(ref))
			addr, m := hopMark(lastHop(ours))
			if code != 0 || addr != refAddr || m != refMark {
				t.Errorf("v6=%v %s: our last hop %s %q, traceroute(8)'s %s %q (status %d, %s)\nours:\n%s\ntraceroute(8):\n%s",
					v6, c.name, addr, m, refAddr, refMark, code, stderr, ours, ref)
			}
			t.Logf("v6=%v %s: ours %s %s, traceroute(8) %s %s", v6, c.name, addr, m, refAddr, refMark)
			if refMark != "" {
				marked++
			}
			if c.nft != "" {
				labtest.Run(t, l, "r1", "nft", "delete", "table", "inet", "revtr_test")
			} else {
				labtest.Run(t, l, "r1", append([]string{"ip", fam, "route", "del"}, append(c.route, dst.String())...)...)
			}
		}
	}
	if marked < 8 {
		t.Errorf("only %d refusals drew a mark from traceroute(8): the lab did not refuse as meant", marked)
	}
}

// TestLateHostUnreachable: the last router cannot resolve the
// destination and answers host unreachable about 3 s after each probe,
// as a Linux router does when the host went away. traceroute(8), which
// waits up to 5 s for it, shows !H at that hop; so must we, with our
// defaults, over IPv4 and IPv6.
func TestLateHostUnreachable(t *testing.T) {
	l, tp := chainLab(t, 2, nil)
	needTools(t, "traceroute", "nft", "ip")
	labtest.Unresolved(t, l, "r1", "h1")
	for _, fam := range []string{"-4", "-6"} {
		dst := tp.HostAddr(node(t, tp, "h1"), fam == "-6").String()
		// Side by side: both wait for the same failed resolution.
		refDone := make(chan error, 1)
		var ref string
		go func() {
			var err error
			ref, _, err = nsExec(l, "h0", "traceroute", fam, "-n", "-q", "1", dst)
			refDone <- err
		}()
		ours, stderr, code := revtrIn(t, l, "traceroute", fam, "-n", "-q", "1", dst)
		if err := <-refDone; err != nil {
			t.Fatalf("traceroute(8): %v", err)
		}
		refLast, last := lastHop(ref), lastHop(ours)
		refAddr, refMark := hopMark(refLast)
		addr, m := hopMark(last)
		if code != 0 || refMark != "!H" || addr != refAddr || m != "!H" || last[0] != refLast[0] {
			t.Errorf("%s: our last hop %v, traceroute(8)'s %v; want both !H from the same router at the same TTL (status %d, %s)\nours:\n%s\ntraceroute(8):\n%s",
				fam, last, refLast, code, stderr, ours, ref)
		}
		if !strings.Contains(ours, "UNREACH after") {
			t.Errorf("%s: trace did not stop at the unreachable:\n%s", fam, ours)
		}
	}
}

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("reference tool %s missing (scripts/test installs it): %v", tool, err)
		}
	}
}

// TestTracerouteRefusals: -6 with an IPv4 literal (-4 with an IPv6 one)
// is refused by traceroute(8) (exit 2) and by us (exit 1, one line),
// before any probe leaves.
func TestTracerouteRefusals(t *testing.T) {
	l, tp := chainLab(t, 1, nil)
	v4, v6 := tp.HostAddr(node(t, tp, "h1"), false).String(), tp.HostAddr(node(t, tp, "h1"), true).String()
	for _, c := range [][2]string{{"-6", v4}, {"-4", v6}} {
		ref, refCode := nsRun(t, l, "h0", "traceroute", c[0], "-n", c[1])
		_, stderr, code := revtrIn(t, l, "traceroute", c[0], c[1])
		if refCode != 2 || code != 1 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, c[1]) {
			t.Errorf("traceroute %s %s: traceroute(8) exits %d (%q), we %d (%q); want 2 and 1, one line naming the address",
				c[0], c[1], refCode, ref, code, stderr)
		}
	}
}

// TestFlowAndQueriesOnTheWire holds the help to what goes on the wire:
// --flow is the destination port of UDP and TCP probes (source port
// 33456), and -q N probes a silent TTL N times, an answered one once.
func TestFlowAndQueriesOnTheWire(t *testing.T) {
	l, tp := chainLab(t, 3, func(tp *topo.Topology) {
		n, _ := tp.Node("r1")
		n.Behaviour.NoTimeExceeded = true
	})
	dst := tp.HostAddr(node(t, tp, "h1"), false).String()
	labtest.Nft(t, l, "h1", `table inet revtr_test {
		chain in { type filter hook input priority 0;
			udp sport 33456 udp dport 4000 counter; meta l4proto udp counter;
			tcp sport 33456 tcp dport 4000 counter; meta l4proto tcp counter; }
	}`)
	for _, proto := range []string{"udp", "tcp"} {
		if _, stderr, code := revtrIn(t, l, "traceroute", "-P", proto, "--flow", "4000", "-n", "-w", "200ms", dst); code != 0 {
			t.Fatalf("traceroute -P %s: status %d: %s", proto, code, stderr)
		}
	}
	counts := regexpAll(`counter packets (\d+)`, labtest.Run(t, l, "h1", "nft", "list", "table", "inet", "revtr_test"))
	if len(counts) != 4 || counts[0] == "0" || counts[0] != counts[1] || counts[2] == "0" || counts[2] != counts[3] {
		t.Errorf("packets at the destination (UDP 33456>4000, all UDP, TCP 33456>4000, all TCP): %v; want every probe from 33456 to 4000", counts)
	}
	help, _, _ := run(t, -1, "traceroute", "--help")
	for _, want := range []string{"destination port or ICMP checksum", "leave from port 33456", "until one is answered"} {
		if !strings.Contains(help, want) {
			t.Errorf("traceroute --help does not say %q", want)
		}
	}
	out, stderr, code := revtrIn(t, l, "traceroute", "-q", "3", "-w", "200ms", "--window", "1", "--json", dst)
	tr := jsonTraces(t, out)
	// TTL 1 r0, TTL 2 r1 silent (3 probes), TTL 3 r2, TTL 4 h1.
	if code != 0 || len(tr) != 1 || tr[0].ProbeCount != 6 || len(tr[0].Hops) != 3 {
		t.Errorf("-q 3 past a silent router: status %d (%s), %+v; want 6 probes, 3 answers", code, stderr, tr)
	}
	out, _, _ = revtrIn(t, l, "traceroute", "-q", "3", "-w", "200ms", "-n", dst)
	if !strings.Contains(out, "\n 2  * * *\n") {
		t.Errorf("-q 3: the silent TTL does not show a star per probe:\n%s", out)
	}
}

// TestJSONLikeScamper compares traceroute --json with scamper -O json on
// the same flows: where the concept is the same, the same field names and
// values (method, addresses, ports or ICMP checksum, stop reason, hop
// count; per answer the address, TTL, ICMP type and code, TCP flags).
// Multipath output has the same top level as single-path output.
func TestJSONLikeScamper(t *testing.T) {
	l, tp := chainLab(t, 2, nil)
	dst := tp.HostAddr(node(t, tp, "h1"), false).String()
	type hop struct {
		Addr     string `json:"addr"`
		ProbeTTL int    `json:"probe_ttl"`
		ICMPType *int   `json:"icmp_type"`
		ICMPCode *int   `json:"icmp_code"`
		TCPFlags *int   `json:"tcp_flags"`
	}
	type trace struct {
		Type, Method, Src, Dst string
		Sport, Dport           *int
		ICMPSum                *int   `json:"icmp_sum"`
		StopReason             string `json:"stop_reason"`
		HopCount               int    `json:"hop_count"`
		Hops                   []hop  `json:"hops"`
	}
	for _, c := range []struct{ scamper, ours []string }{
		{[]string{"-P", "udp-paris", "-d", "4000", "-s", "33456"}, []string{"-P", "udp", "--flow", "4000"}},
		{[]string{"-P", "tcp", "-d", "443", "-s", "33456"}, []string{"-P", "tcp", "--flow", "443"}},
		{[]string{"-P", "icmp-paris"}, []string{"-P", "icmp"}},
	} {
		ref, code := nsRun(t, l, "h0", "scamper", "-O", "json", "-c", "trace -q 1 "+strings.Join(c.scamper, " "), "-i", dst)
		var want trace
		for _, line := range strings.Split(ref, "\n") {
			if strings.Contains(line, `"type":"trace"`) {
				if err := json.Unmarshal([]byte(line), &want); err != nil {
					t.Fatal(err)
				}
			}
		}
		out, stderr, ourCode := revtrIn(t, l, "traceroute", append(c.ours, "--json", dst)...)
		var got struct {
			Version int     `json:"version"`
			Traces  []trace `json:"traces"`
		}
		if code != 0 || ourCode != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got.Traces) != 1 {
			t.Fatalf("%v: scamper %d, ours %d (%s):\n%s\n%s", c.ours, code, ourCode, stderr, ref, out)
		}
		g := got.Traces[0]
		if c.ours[1] == "icmp" { // scamper picks its own checksum
			want.ICMPSum, g.ICMPSum = nil, nil
		}
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(g)
		if string(wj) != string(gj) {
			t.Errorf("%v: scamper\n%s\nours\n%s", c.ours, wj, gj)
		}
	}
	out, _, code := revtrIn(t, l, "traceroute", "--multipath", "--json", dst)
	var mp struct {
		Version int `json:"version"`
		Traces  []struct {
			Type  string            `json:"type"`
			Nodes []json.RawMessage `json:"nodes"`
			Links []json.RawMessage `json:"links"`
		} `json:"traces"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &mp) != nil || mp.Version != 1 || len(mp.Traces) != 1 ||
		mp.Traces[0].Type != "tracelb" || len(mp.Traces[0].Nodes) != 3 || len(mp.Traces[0].Links) != 2 {
		t.Errorf("--multipath --json: status %d, want version 1, one tracelb of 3 nodes and 2 links:\n%s", code, out)
	}
}

// regexpAll returns the first group of every match of re in s.
func regexpAll(re, s string) []string {
	var out []string
	for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

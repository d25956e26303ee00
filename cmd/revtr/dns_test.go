package main

import (
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/revtr/revtr/lab/labtest"
)

// dnsServer answers DNS queries on 127.0.0.1:53 inside a lab host's
// namespace: names maps a name to its addresses, ptr an address to its
// name; an address in silent gets no answer at all (a resolver that
// times out); anything else is NXDOMAIN.
type dnsServer struct {
	names   map[string][]netip.Addr
	ptr     map[netip.Addr]string
	silent  map[netip.Addr]bool
	queries atomic.Int64
}

func (s *dnsServer) serve(pc net.PacketConn) {
	buf := make([]byte, 1500)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		s.queries.Add(1)
		if out, ok := s.answer(buf[:n]); ok {
			pc.WriteTo(out, from)
		}
	}
}

// answer builds the response to a query; false: stay silent.
func (s *dnsServer) answer(q []byte) ([]byte, bool) {
	var in dnsmessage.Message
	if in.Unpack(q) != nil || len(in.Questions) != 1 {
		return nil, false
	}
	qn := in.Questions[0]
	name := strings.TrimSuffix(qn.Name.String(), ".")
	out := dnsmessage.Message{Header: dnsmessage.Header{ID: in.ID, Response: true, Authoritative: true,
		RecursionDesired: in.RecursionDesired, RCode: dnsmessage.RCodeNameError}, Questions: in.Questions}
	rh := dnsmessage.ResourceHeader{Name: qn.Name, Class: dnsmessage.ClassINET, TTL: 60}
	add := func(body dnsmessage.ResourceBody) {
		out.Answers = append(out.Answers, dnsmessage.Resource{Header: rh, Body: body})
	}
	if as, ok := s.names[name]; ok {
		out.RCode = dnsmessage.RCodeSuccess
		for _, a := range as {
			switch {
			case qn.Type == dnsmessage.TypeA && a.Is4():
				add(&dnsmessage.AResource{A: a.As4()})
			case qn.Type == dnsmessage.TypeAAAA && a.Is6():
				add(&dnsmessage.AAAAResource{AAAA: a.As16()})
			}
		}
	}
	if a, ok := ptrAddr(name); ok && qn.Type == dnsmessage.TypePTR {
		if s.silent[a] {
			return nil, false
		}
		if n, ok := s.ptr[a]; ok {
			out.RCode = dnsmessage.RCodeSuccess
			add(&dnsmessage.PTRResource{PTR: dnsmessage.MustNewName(n + ".")})
		}
	}
	b, err := out.Pack()
	return b, err == nil
}

// ptrAddr parses a reverse-lookup name (in-addr.arpa, ip6.arpa).
func ptrAddr(name string) (netip.Addr, bool) {
	labels := strings.Split(name, ".")
	switch {
	case strings.HasSuffix(name, ".in-addr.arpa") && len(labels) == 6:
		a, err := netip.ParseAddr(labels[3] + "." + labels[2] + "." + labels[1] + "." + labels[0])
		return a, err == nil
	case strings.HasSuffix(name, ".ip6.arpa") && len(labels) == 34:
		var b strings.Builder
		for i := 31; i >= 0; i-- {
			b.WriteString(labels[i])
			if i%4 == 0 && i > 0 {
				b.WriteByte(':')
			}
		}
		a, err := netip.ParseAddr(b.String())
		return a, err == nil
	}
	return netip.Addr{}, false
}

// resolverIn points the resolver of commands run with 'ip netns exec NS'
// at 127.0.0.1 (ip netns exec binds /etc/netns/NS/* over /etc), DNS only,
// one try of 1 s.
func resolverIn(t *testing.T, ns string) {
	t.Helper()
	dir := filepath.Join("/etc/netns", ns)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.RemoveAll(dir)
		os.Remove("/etc/netns") // only if empty: others may use it
	})
	for name, text := range map[string]string{
		"resolv.conf":   "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
		"nsswitch.conf": "hosts: files dns\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// inNS runs argv with 'ip netns exec ns' (Go's own resolver forced) and
// returns its output, exit status and wall time.
func inNS(t *testing.T, ns string, argv ...string) (stdout, stderr string, code int, took time.Duration) {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns, "env", "GODEBUG=netdns=go"}, argv...)...)
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	start := time.Now()
	err := cmd.Run()
	took = time.Since(start)
	if xe, ok := err.(*exec.ExitError); ok {
		code = xe.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", argv, err)
	}
	return o.String(), e.String(), code, took
}

// TestReverseDNS runs revtr on a lab host whose resolver is a DNS server
// of this test (on the host's loopback): names are looked up in parallel,
// each at most nameTimeout, so three silent lookups cost about one
// timeout, not three; the hops are the same with and without names; ping
// and traceroute take names, and an unknown one is one line, exit 2 for
// ping as iputils ping's, 1 for traceroute (traceroute(8) exits 2).
func TestReverseDNS(t *testing.T) {
	l, tp := chainLab(t, 3, nil)
	ns, err := l.Namespace("h0")
	if err != nil {
		t.Fatal(err)
	}
	resolverIn(t, ns)
	h1, h1v6 := tp.HostAddr(node(t, tp, "h1"), false), tp.HostAddr(node(t, tp, "h1"), true)
	srv := &dnsServer{
		names:  map[string][]netip.Addr{"dst.revtr.test": {h1, h1v6}},
		ptr:    map[netip.Addr]string{},
		silent: map[netip.Addr]bool{},
	}
	// r0 has a name, r1, r2 and h1 never get an answer.
	for _, r := range []string{"r0", "r1", "r2", "h1"} {
		n, _ := tp.Node(r)
		for _, ifc := range n.Ifaces {
			if r == "r0" {
				srv.ptr[ifc.Addr.Addr()] = "r0.revtr.test"
			} else {
				srv.silent[ifc.Addr.Addr()] = true
			}
		}
	}
	pc := labtest.Open(t, l, "h0", func() (net.PacketConn, error) { return net.ListenPacket("udp", "127.0.0.1:53") })
	go srv.serve(pc)

	numeric, stderr, code, tookNumeric := inNS(t, ns, bin, "traceroute", "-q", "1", "-n", "dst.revtr.test")
	if code != 0 {
		t.Fatalf("traceroute -n dst.revtr.test: status %d: %s", code, stderr)
	}
	named, stderr, code, took := inNS(t, ns, bin, "traceroute", "-q", "1", "dst.revtr.test")
	if code != 0 {
		t.Fatalf("traceroute dst.revtr.test: status %d: %s", code, stderr)
	}
	if !strings.Contains(named, " 1  r0.revtr.test (") || !strings.Contains(named, "to "+h1.String()) {
		t.Errorf("traceroute dst.revtr.test: want r0 named and the trace toward %s:\n%s", h1, named)
	}
	if got, want := hopAddrs(named), hopAddrs(numeric); strings.Join(got, " ") != strings.Join(want, " ") || len(want) != 4 {
		t.Errorf("hops with names %v, without %v: DNS changed the measurement", got, want)
	}
	if extra := took - tookNumeric; extra >= 2*nameTimeout {
		t.Errorf("three silent lookups cost %v over the numeric trace: serial, not parallel (each ≤ %v)", extra, nameTimeout)
	}
	t.Logf("numeric %v, named %v (3 silent lookups of at most %v each); %d DNS queries", tookNumeric, took, nameTimeout, srv.queries.Load())

	out, stderr, code, _ := inNS(t, ns, bin, "traceroute", "-6", "-n", "-q", "1", "dst.revtr.test")
	if code != 0 || !strings.Contains(out, "to "+h1v6.String()) {
		t.Errorf("traceroute -6 dst.revtr.test: status %d (%s), want a trace to %s:\n%s", code, stderr, h1v6, out)
	}
	out, stderr, code, _ = inNS(t, ns, bin, "ping", "-c", "1", "dst.revtr.test")
	if code != 0 || !strings.Contains(out, "PING dst.revtr.test ("+h1.String()+")") {
		t.Errorf("ping dst.revtr.test: status %d (%s):\n%s", code, stderr, out)
	}
	for _, c := range []struct {
		ours, ref []string
		code      int
	}{
		{[]string{"ping", "-c", "1"}, []string{"ping", "-c", "1"}, 2},
		{[]string{"traceroute"}, []string{"traceroute", "-n"}, 1},
	} {
		_, stderr, code, _ := inNS(t, ns, append(append([]string{bin}, c.ours...), "nosuch.revtr.test")...)
		ref, _, refCode, _ := inNS(t, ns, append(c.ref, "nosuch.revtr.test")...)
		if code != c.code || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "nosuch.revtr.test: unknown host") || refCode != 2 {
			t.Errorf("%s of an unknown name: status %d, stderr %q; want %d and one line (%s exits %d: %s)",
				c.ours[0], code, stderr, c.code, c.ref[0], refCode, ref)
		}
	}
}

// hopAddrs returns the address of every hop line of a traceroute table,
// "*" for a silent one.
func hopAddrs(out string) []string {
	var as []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || strings.Trim(f[0], "0123456789") != "" {
			continue
		}
		a := f[1]
		if len(f) > 2 && strings.HasPrefix(f[2], "(") {
			a = strings.Trim(f[2], "()")
		}
		as = append(as, a)
	}
	return as
}

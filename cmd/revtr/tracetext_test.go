package main

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
)

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// samplePath is a reverse path with a silent TTL and a hop whose queries
// saw two addresses.
func samplePath() path {
	q := [][]meas.Hop{
		{{TTL: 1, Addr: addr("10.0.0.8"), RTT: 46 * time.Microsecond, Reply: meas.TimeExceeded},
			{TTL: 1, Addr: addr("10.0.0.8"), RTT: 31 * time.Microsecond, Reply: meas.TimeExceeded}},
		{{TTL: 2}, {TTL: 2}},
		{{TTL: 3, Addr: addr("10.0.0.2"), RTT: time.Millisecond, Reply: meas.TimeExceeded},
			{TTL: 3, Addr: addr("10.0.0.6"), RTT: 2 * time.Millisecond, Reply: meas.TimeExceeded}},
		{{TTL: 4, Addr: addr("10.0.0.3"), RTT: 3 * time.Millisecond, Reply: meas.DestUnreach}},
	}
	p := path{dir: reverse, queries: q}
	p.Src, p.Dst, p.Stop, p.Probes = addr("10.0.0.5"), addr("10.0.0.3"), meas.StopCompleted, 8
	p.Flow = meas.Flow{Proto: meas.UDP, ID: 33434, SrcPort: meas.TwoHostSrcPort}
	for _, h := range q {
		p.Hops = append(p.Hops, h[0])
	}
	return p
}

type fakeAS map[netip.Addr]string

func (f fakeAS) LookupAS(a netip.Addr) (string, bool) { s, ok := f[a]; return s, ok }

type fakeDNS map[string]string

func (f fakeDNS) LookupAddr(_ context.Context, a string) ([]string, error) {
	if n, ok := f[a]; ok {
		return []string{n}, nil
	}
	return nil, context.Canceled
}

// TestWriteText checks the traceroute-like table, numeric and named: the
// header names the probes' fields exactly.
func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := writeText(context.Background(), &b, textOptions{as: fakeAS{addr("10.0.0.8"): "64512"}}, samplePath()); err != nil {
		t.Fatal(err)
	}
	want := `reverse path from 10.0.0.5 to 10.0.0.3, udp 1021 > 33434 (flow 33434)
 1  10.0.0.8 [AS64512]  0.046 ms  0.031 ms
 2  * *
 3  10.0.0.2  1.000 ms 10.0.0.6  2.000 ms
 4  10.0.0.3  3.000 ms
COMPLETED after 8 probes; silent hops: 2
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := writeText(context.Background(), &b, textOptions{resolver: fakeDNS{"10.0.0.8": "r1.lab."}}, samplePath()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), " 1  r1.lab (10.0.0.8)  0.046 ms") {
		t.Errorf("named table:\n%s", b.String())
	}
}

// TestWriteDOT checks that a two-way drawing holds both directions.
func TestWriteDOT(t *testing.T) {
	rev := samplePath()
	fwd := rev
	fwd.dir, fwd.Src, fwd.Dst = forward, rev.Dst, rev.Src
	var b bytes.Buffer
	if err := writeDOT(&b, fwd, rev); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{"digraph revtr {", `"10.0.0.5" -> "10.0.0.8" [color="#c0392b", style=dashed];`,
		`"10.0.0.8" -> "reverse*2"`, `"reverse*2" -> "10.0.0.2"`, `"10.0.0.3" -> "10.0.0.8" [color="#1f5fbf"];`} {
		if !strings.Contains(s, want) {
			t.Errorf("DOT lacks %s:\n%s", want, s)
		}
	}
}

// TestParseTimeout checks the responder's -t forms.
func TestParseTimeout(t *testing.T) {
	for in, want := range map[string]time.Duration{"5000000000": 5 * time.Second, "250ms": 250 * time.Millisecond} {
		if d, err := parseTimeout(in); err != nil || d != want {
			t.Errorf("%q: %v, %v; want %v", in, d, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-1", "soon", "-2s"} {
		if _, err := parseTimeout(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

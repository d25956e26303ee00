package twohost_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/twohost"
)

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// samplePath is a reverse path with a silent TTL and a hop whose queries
// saw two addresses.
func samplePath() twohost.Path {
	q := [][]meas.Hop{
		{{TTL: 1, Addr: addr("10.0.0.8"), RTT: 46 * time.Microsecond, Reply: meas.TimeExceeded},
			{TTL: 1, Addr: addr("10.0.0.8"), RTT: 31 * time.Microsecond, Reply: meas.TimeExceeded}},
		{{TTL: 2}, {TTL: 2}},
		{{TTL: 3, Addr: addr("10.0.0.2"), RTT: time.Millisecond, Reply: meas.TimeExceeded},
			{TTL: 3, Addr: addr("10.0.0.6"), RTT: 2 * time.Millisecond, Reply: meas.TimeExceeded}},
		{{TTL: 4, Addr: addr("10.0.0.3"), RTT: 3 * time.Millisecond, Reply: meas.DestUnreach}},
	}
	p := twohost.Path{Direction: twohost.Reverse, Queries: q}
	p.Src, p.Dst, p.Flow, p.Stop, p.Probes = addr("10.0.0.5"), addr("10.0.0.3"), meas.Flow{Proto: meas.UDP, ID: 33434, SrcPort: meas.TwoHostSrcPort}, meas.StopCompleted, 8
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

// TestWriteText checks the traceroute-like table, numeric and named.
func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := twohost.WriteText(context.Background(), &b, twohost.TextOptions{AS: fakeAS{addr("10.0.0.8"): "64512"}}, samplePath()); err != nil {
		t.Fatal(err)
	}
	want := `reverse path from 10.0.0.5 to 10.0.0.3, udp flow 33434 (probes from port 1021 to port 33434)
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
	if err := twohost.WriteText(context.Background(), &b, twohost.TextOptions{Resolver: fakeDNS{"10.0.0.8": "r1.lab."}}, samplePath()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), " 1  r1.lab (10.0.0.8)  0.046 ms") {
		t.Errorf("named table:\n%s", b.String())
	}
}

// TestWriteJSON checks the JSON form of a two-way result.
func TestWriteJSON(t *testing.T) {
	rev := samplePath()
	fwd := rev
	fwd.Direction, fwd.Src, fwd.Dst = twohost.Forward, rev.Dst, rev.Src
	var b bytes.Buffer
	if err := twohost.WriteJSON(&b, fwd, rev); err != nil {
		t.Fatal(err)
	}
	var got map[string]struct {
		Src, Dst   string
		DstPort    int    `json:"dst_port"`
		SrcPort    int    `json:"src_port"`
		StopReason string `json:"stop_reason"`
		Hops       []struct {
			TTL     int
			Replies []struct {
				Addr  *string
				RTT   int64 `json:"rtt_ns"`
				Reply string
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	r := got["reverse"]
	if r.Src != "10.0.0.5" || r.SrcPort != 1021 || r.DstPort != 33434 || r.StopReason != "COMPLETED" || len(r.Hops) != 4 ||
		r.Hops[1].Replies[0].Addr != nil || *r.Hops[0].Replies[0].Addr != "10.0.0.8" || r.Hops[0].Replies[0].RTT != 46000 ||
		got["forward"].Src != "10.0.0.3" {
		t.Errorf("JSON:\n%s", b.String())
	}
}

// TestWriteDOT checks that a two-way drawing holds both directions.
func TestWriteDOT(t *testing.T) {
	rev := samplePath()
	fwd := rev
	fwd.Direction, fwd.Src, fwd.Dst = twohost.Forward, rev.Dst, rev.Src
	var b bytes.Buffer
	if err := twohost.WriteDOT(&b, fwd, rev); err != nil {
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

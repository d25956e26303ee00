package sim_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

func trace(t *testing.T, n *sim.Network, req meas.TraceRequest) meas.Trace {
	t.Helper()
	tr, err := n.Traceroute(context.Background(), req)
	if err != nil {
		t.Fatalf("Traceroute %v: %v", req, err)
	}
	return tr
}

func ping(t *testing.T, n *sim.Network, req meas.PingRequest) meas.Ping {
	t.Helper()
	p, err := n.Ping(context.Background(), req)
	if err != nil {
		t.Fatalf("Ping %v: %v", req, err)
	}
	return p
}

// TestTraceECMP traces many flows across the ECMP diamonds: each follows
// its ground-truth path, and the flows between them take every branch.
func TestTraceECMP(t *testing.T) {
	tp := build(t)(topotest.Diamond())
	n := network(t, tp, sim.Config{})
	src, dst := host(t, tp, "h0"), host(t, tp, "h1")
	paths := make(map[string]bool)
	for _, proto := range []meas.Proto{meas.UDP, meas.TCP, meas.ICMP} {
		for id := range uint16(24) {
			f := meas.Flow{Proto: proto, ID: 40000 + id}
			tr := trace(t, n, meas.TraceRequest{Src: src, Dst: dst, Flow: f})
			k := topo.FlowKey{Src: src, Dst: dst, Flow: f}
			if want := wantTrace(t, tp, k); !slices.Equal(tr.Path(), want) {
				t.Errorf("%v: path %v, want %v", f, tr.Path(), want)
			}
			last := tr.Hops[len(tr.Hops)-1]
			wantReply := map[meas.Proto]meas.Reply{meas.UDP: meas.DestUnreach, meas.TCP: meas.TCPReset, meas.ICMP: meas.EchoReply}[proto]
			if tr.Stop != meas.StopCompleted || last.Addr != dst || last.Reply != wantReply || tr.Probes != len(tr.Hops) {
				t.Errorf("%v: stop %v, last hop %+v, %d probes for %d hops", f, tr.Stop, last, tr.Probes, len(tr.Hops))
			}
			if proto != meas.ICMP {
				paths[proto.String()+fmtAddrs(tr.Path())] = true
			} else if id > 0 && fmtAddrs(tr.Path()) != fmtAddrs(trace(t, n, meas.TraceRequest{Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.ICMP}}).Path()) {
				t.Errorf("ICMP flow %d took another path than flow 0: ICMP carries no ports", id)
			}
		}
	}
	if len(paths) < 8 { // 2×3 branch combinations per protocol
		t.Errorf("only %d distinct UDP/TCP paths over 48 flows", len(paths))
	}
}

func fmtAddrs[T interface{ String() string }](s []T) string {
	var out string
	for _, a := range s {
		out += a.String() + " "
	}
	return out
}

// TestTraceSilentAndGap: a router that sends no time exceeded leaves a
// silent hop; enough silent hops in a row end the trace.
func TestTraceSilentAndGap(t *testing.T) {
	tp := build(t)(topotest.Chain(5))
	for _, name := range []string{"r1", "r2"} {
		r, _ := tp.Node(name)
		r.Behaviour.NoTimeExceeded = true
	}
	n := network(t, tp, sim.Config{Timeout: 2 * time.Second, ProbeGap: -1})
	src, dst := host(t, tp, "h0"), host(t, tp, "h1")
	tr := trace(t, n, meas.TraceRequest{Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.UDP}, Attempts: 2})
	if tr.Stop != meas.StopCompleted || len(tr.Hops) != 6 || tr.Hops[1].Addr.IsValid() || tr.Hops[2].Addr.IsValid() {
		t.Fatalf("trace %+v: want 6 hops, TTLs 2 and 3 silent", tr)
	}
	if tr.Probes != 8 {
		t.Errorf("%d probes, want 8 (two attempts at each silent TTL)", tr.Probes)
	}
	// Silent TTLs retry after the 2 s timeout: the trace lasts two of them.
	if el := n.Clock.Elapsed(); el < 4*time.Second || el > 4*time.Second+10*time.Millisecond {
		t.Errorf("trace took %v of virtual time, want 4 s and an RTT", el)
	}
	tr = trace(t, n, meas.TraceRequest{Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.UDP}, GapLimit: 2})
	if tr.Stop != meas.StopGapLimit || len(tr.Hops) != 3 {
		t.Errorf("gap limit 2: stop %v after %d hops, want GAPLIMIT after 3", tr.Stop, len(tr.Hops))
	}
	tr = trace(t, n, meas.TraceRequest{Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.UDP}, MaxTTL: 4, FirstTTL: 4})
	if tr.Stop != meas.StopMaxTTL || len(tr.Hops) != 1 || tr.Hops[0].TTL != 4 || tr.Hops[0].Addr != ifaddr(t, tp, "r3", "r2") {
		t.Errorf("TTL 4 only: %+v", tr)
	}
}

// TestRateLimit: Linux's per-destination token bucket lets a burst of six
// time exceeded through, then one per icmp_ratelimit. The bucket (HZ 250)
// starts with six seconds' worth of jiffies and a message costs one
// second's: the seventh answer can come no earlier than one second after
// the first, whatever the probes in between.
func TestRateLimit(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	r1, _ := tp.Node("r1")
	r1.Behaviour.ICMPRateLimitMS = 1000
	// r1's time exceeded takes 2.2 ms to come back; a silent probe costs
	// 10 ms.
	n := network(t, tp, sim.Config{Timeout: 10 * time.Millisecond, ProbeGap: -1})
	src, dst := host(t, tp, "h0"), host(t, tp, "h1")
	req := meas.TraceRequest{Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.UDP}, FirstTTL: 2, MaxTTL: 2}
	answered := func() bool { return trace(t, n, req).Hops[0].Addr.IsValid() }
	for i := range 6 {
		if !answered() {
			t.Fatalf("probe %d of the burst unanswered", i+1)
		}
	}
	if answered() {
		t.Fatal("seventh probe within the burst answered")
	}
	// Probes reach r1 1.1 ms after they leave.
	at := func(d time.Duration) {
		t.Helper()
		if now := n.Clock.AdvanceTo(d); now != d {
			t.Fatalf("clock at %v, past %v: the probes so far took too long for the test", now, d)
		}
	}
	at(990 * time.Millisecond)
	if answered() {
		t.Fatal("answered before a token accrued")
	}
	at(time.Second)
	if !answered() || answered() {
		t.Fatal("want exactly one answer one second after the burst")
	}
	// Another destination has its own bucket; r0 has no limit at all.
	other := trace(t, n, meas.TraceRequest{Src: host(t, tp, "h1"), Dst: src, Flow: meas.Flow{Proto: meas.UDP}, FirstTTL: 2, MaxTTL: 2})
	if !other.Hops[0].Addr.IsValid() {
		t.Error("a new destination's bucket should start full")
	}
	if c := n.Counts(); c.RateLimited != 3 || c.Late != 0 {
		t.Errorf("%d rate-limited errors and %d late replies counted, want 3 and none", c.RateLimited, c.Late)
	}
}

func TestTraceBadInput(t *testing.T) {
	tp := build(t)(topotest.Chain(2))
	n := network(t, tp, sim.Config{})
	src, dst := host(t, tp, "h0"), host(t, tp, "h1")
	for name, req := range map[string]meas.TraceRequest{
		"bad protocol": {Src: src, Dst: dst, Flow: meas.Flow{Proto: 3}},
		"gap limit":    {Src: src, Dst: dst, GapLimit: -1},
		"ttls":         {Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.UDP}, FirstTTL: 9, MaxTTL: 3},
		"max ttl":      {Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.UDP}, MaxTTL: 256},
		"attempts":     {Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.UDP}, Attempts: -1},
	} {
		if _, err := n.Traceroute(context.Background(), req); !errors.Is(err, meas.ErrBadRequest) {
			t.Errorf("%s: err %v, want ErrBadRequest", name, err)
		}
	}
	if _, err := n.Traceroute(context.Background(), meas.TraceRequest{Src: dst.Next(), Dst: src, Flow: meas.Flow{Proto: meas.UDP}}); !errors.Is(err, meas.ErrNoSource) {
		t.Errorf("unknown source: err %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := n.Traceroute(ctx, meas.TraceRequest{Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.UDP}}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err %v", err)
	}
}

// TestTraceIPv6 traces between every pair of hosts of the multi-AS
// topology over IPv6: routers answer from the inbound interface, as over
// IPv4 (icmp6_send picks the source on the input device), and rate-limit
// the same way.
func TestTraceIPv6(t *testing.T) {
	tp := build(t)(topotest.MultiAS())
	n := network(t, tp, sim.Config{})
	for _, a := range tp.Hosts() {
		for _, b := range tp.Hosts() {
			if a == b {
				continue
			}
			src, dst := tp.HostAddr(a, true), tp.HostAddr(b, true)
			tr := trace(t, n, meas.TraceRequest{Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.ICMP}})
			k := topo.FlowKey{Src: src, Dst: dst}
			if want := wantTrace(t, tp, k); tr.Stop != meas.StopCompleted || !slices.Equal(tr.Path(), want) {
				t.Errorf("IPv6 trace %v (%v), want %v", tr.Path(), tr.Stop, want)
			}
			if p := ping(t, n, meas.PingRequest{Src: src, Dst: dst}); !p.Replied() {
				t.Errorf("IPv6 ping %s to %s unanswered", src, dst)
			}
		}
	}

	tp = build(t)(topotest.Chain(3))
	r1, _ := tp.Node("r1")
	r1.Behaviour.ICMPRateLimitMS = 1000
	n = network(t, tp, sim.Config{Timeout: 10 * time.Millisecond, ProbeGap: -1})
	req := meas.TraceRequest{Src: tp.HostAddr(hostID(tp, "h0"), true), Dst: tp.HostAddr(hostID(tp, "h1"), true),
		Flow: meas.Flow{Proto: meas.ICMP}, FirstTTL: 2, MaxTTL: 2}
	answered := 0
	for range 10 {
		if trace(t, n, req).Hops[0].Addr.IsValid() {
			answered++
		}
	}
	// Six answers of 2.2 ms, four silent probes of 10 ms: far from the
	// second a token takes to accrue.
	if el := n.Clock.Elapsed(); answered != 6 || el >= time.Second {
		t.Errorf("IPv6: %d of 10 answered within the burst, over %v, want 6 within a second", answered, el)
	}
}

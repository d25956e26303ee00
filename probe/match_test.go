package probe_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

// expected is a probe and the answer the ground truth predicts.
type expected struct {
	pr    probe.Probe
	from  netip.Addr
	reply meas.Reply
	f     *probe.Inflight
}

// TestMatchThousands keeps 5,000 silent probes outstanding (their TTL
// expires at a router that sends no time exceeded) while 5,000 answered
// probes of every protocol, flow and TTL are sent among them, and checks
// that every answer is attributed to its own probe and no silent probe
// gets an answer.
func TestMatchThousands(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	node(t, tp, "r1").Behaviour.NoTimeExceeded = true
	inWorlds(t, tp, func(t *testing.T, w world) { matchThousands(t, w, tp) })
}

func matchThousands(t *testing.T, w world, tp *topo.Topology) {
	const n = 5000
	p := w.prober(t, "h0", probe.Config{Rate: 50000, Burst: 500, Timeout: 5 * time.Second})
	h0, h1 := hostAddr(t, tp, "h0", false), hostAddr(t, tp, "h1", false)
	path := wantTrace(t, tp, h0, h1, meas.Flow{Proto: meas.ICMP}) // r0, r1, r2, h1 inbound addresses
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	var all []*expected
	for i := range 2 * n {
		e := answered(rng, h1, path)
		if i%2 == 0 {
			e = &expected{pr: probe.Probe{Dst: h1, TTL: 2, Flow: randomFlow(rng)}}
		}
		f, err := p.Start(ctx, e.pr)
		if err != nil {
			t.Fatalf("probe %d: %v", i, err)
		}
		e.f = f
		all = append(all, e)
	}
	if out := p.Outstanding(); out < n {
		t.Errorf("%d probes outstanding after sending, want at least the %d silent ones", out, n)
	}
	bad := 0
	for i, e := range all {
		r, err := e.f.Wait(ctx)
		if err != nil {
			t.Fatalf("probe %d: %v", i, err)
		}
		if r.Reply != e.reply || r.From != e.from {
			if bad++; bad <= 10 {
				t.Errorf("probe %d %+v: got %v from %s, want %v from %s", i, e.pr, r.Reply, r.From, e.reply, e.from)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d probes mismatched or lost", bad, len(all))
	}
}

// answered returns a probe that gets an answer: a time exceeded from the
// first router or a reply from the destination.
func answered(rng *rand.Rand, dst netip.Addr, path []netip.Addr) *expected {
	f := randomFlow(rng)
	if rng.IntN(2) == 0 {
		return &expected{pr: probe.Probe{Dst: dst, TTL: 1, Flow: f}, from: path[0], reply: meas.TimeExceeded}
	}
	e := &expected{pr: probe.Probe{Dst: dst, Flow: f}, from: dst}
	switch f.Proto {
	case meas.UDP:
		e.reply = meas.DestUnreach
	case meas.TCP:
		e.reply = meas.TCPReset
	default:
		e.reply = meas.EchoReply
	}
	return e
}

func randomFlow(rng *rand.Rand) meas.Flow {
	protos := []meas.Proto{meas.ICMP, meas.UDP, meas.TCP}
	return meas.Flow{Proto: protos[rng.IntN(3)], ID: uint16(10000 + rng.IntN(8))}
}

// TestCloseAndCancel checks that probes outstanding at Close fail with
// ErrClosed, that a cancelled wait returns the context's error and frees
// the probe, and that a closed prober refuses new probes.
func TestCloseAndCancel(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	node(t, tp, "r1").Behaviour.NoTimeExceeded = true
	inWorlds(t, tp, func(t *testing.T, w world) { closeAndCancel(t, w, tp) })
}

func closeAndCancel(t *testing.T, w world, tp *topo.Topology) {
	p := w.prober(t, "h0", probe.Config{Rate: 1000, Timeout: time.Minute})
	h1 := hostAddr(t, tp, "h1", false)
	silent := probe.Probe{Dst: h1, TTL: 2} // expires at r1, which says nothing
	ctx, cancel := context.WithCancel(context.Background())
	f, err := p.Start(ctx, silent)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := f.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v, want context.Canceled", err)
	}
	if n := p.Outstanding(); n != 0 {
		t.Errorf("%d outstanding after the only probe was cancelled", n)
	}
	var fs []*probe.Inflight
	for range 10 {
		f, err := p.Start(context.Background(), silent)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if _, err := f.Wait(context.Background()); !errors.Is(err, probe.ErrClosed) {
			t.Errorf("outstanding probe after Close: %v, want ErrClosed", err)
		}
	}
	if _, err := p.Start(context.Background(), silent); !errors.Is(err, probe.ErrClosed) {
		t.Errorf("Start after Close: %v, want ErrClosed", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestProbeBadInput checks the errors of requests no prober could send.
func TestProbeBadInput(t *testing.T) {
	tp := build(t)(topotest.Chain(1))
	inWorlds(t, tp, func(t *testing.T, w world) { probeBadInput(t, w, tp) })
}

func probeBadInput(t *testing.T, w world, tp *topo.Topology) {
	p := w.prober(t, "h0", probe.Config{Rate: 1000})
	h1, h16 := hostAddr(t, tp, "h1", false), hostAddr(t, tp, "h1", true)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		pr   probe.Probe
		want error
	}{
		{"no destination", probe.Probe{}, meas.ErrBadRequest},
		{"TTL 256", probe.Probe{Dst: h1, TTL: 256}, meas.ErrBadRequest},
		{"protocol", probe.Probe{Dst: h1, Flow: meas.Flow{Proto: 47}}, meas.ErrBadRequest},
		{"RR over UDP", probe.Probe{Dst: h1, RecordRoute: true, Flow: meas.Flow{Proto: meas.UDP}}, meas.ErrBadRequest},
		{"RR over IPv6", probe.Probe{Dst: h16, RecordRoute: true}, meas.ErrBadRequest},
		{"families", probe.Probe{Src: hostAddr(t, tp, "h0", false), Dst: h16}, meas.ErrBadRequest},
		{"spoof", probe.Probe{Src: netip.MustParseAddr("10.99.0.1"), Dst: h1}, probe.ErrSpoofNotAllowed},
	} {
		if _, err := p.Probe(ctx, c.pr); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := p.Traceroute(ctx, meas.TraceRequest{Dst: h1, FirstTTL: 5, MaxTTL: 2}); !errors.Is(err, meas.ErrBadRequest) {
		t.Errorf("traceroute TTLs 5..2: %v", err)
	}
	if _, err := p.Multipath(ctx, meas.MultipathRequest{Dst: h1, Proto: 99}); err == nil {
		t.Error("multipath with protocol 99: no error")
	}
	if _, err := probe.AppendProbe(nil, probe.Probe{Dst: h1}, 1, 1); !errors.Is(err, meas.ErrBadRequest) {
		t.Errorf("AppendProbe without source: %v", err)
	}
}

// TestRateLimit checks the default token bucket: 100 packets per second,
// a window (16) deep.
func TestRateLimit(t *testing.T) {
	tp := build(t)(topotest.Chain(1))
	inWorlds(t, tp, func(t *testing.T, w world) { rateLimit(t, w, tp) })
}

func rateLimit(t *testing.T, w world, tp *topo.Topology) {
	p := w.prober(t, "h0", probe.Config{})
	h1 := hostAddr(t, tp, "h1", false)
	const n = 51
	start := time.Now()
	var fs []*probe.Inflight
	for range n {
		f, err := p.Start(context.Background(), probe.Probe{Dst: h1})
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
	}
	el := time.Since(start)
	for _, f := range fs {
		if r, err := f.Wait(context.Background()); err != nil || r.Reply != meas.EchoReply {
			t.Errorf("probe: %+v %v", r, err)
		}
	}
	// The first 16 leave at once, the other 35 over 35 intervals of 10 ms.
	if el < 340*time.Millisecond || el > 1500*time.Millisecond {
		t.Errorf("%d probes at the default rate took %v, want about 350 ms", n, el)
	}
}

// Package agenttest is a prober in memory for testing agents and the
// controller's fleet without root: it answers every measurement at once,
// as its hooks say, and records the spoofed probes it was asked to send.
package agenttest

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"github.com/revtr/revtr/agent"
	"github.com/revtr/revtr/meas"
)

// Prober is a fake agent.Prober of the hosts Own.
type Prober struct {
	Own []netip.Addr
	// Probe, if set, replaces the probe an expectation hands out (a
	// misbehaving source).
	Probe func(meas.RRProbe) meas.RRProbe
	// Capture, if set, replaces the reply an expectation captures.
	Capture func(meas.RRExpectRequest) meas.RRPing
	// Hang, if set, makes pings wait until their context ends (a
	// measurement still running when the session ends).
	Hang bool
	// Silent, if set, says which Record Route pings go unanswered (a
	// router on the way drops options).
	Silent func(meas.RRRequest) bool

	mu      sync.Mutex
	sent    []meas.RRProbe
	rrPings int
}

// Opener opens p (whatever the sources it may spoof).
func (p *Prober) Opener() agent.Opener {
	return func([]netip.Addr) (agent.Prober, error) { return p, nil }
}

// Sent are the spoofed probes SendRR sent.
func (p *Prober) Sent() []meas.RRProbe {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]meas.RRProbe(nil), p.sent...)
}

// Addrs are Own.
func (p *Prober) Addrs() []netip.Addr { return p.Own }

// Close does nothing.
func (p *Prober) Close() error { return nil }

// Ping answers every echo request (or, with Hang, none).
func (p *Prober) Ping(ctx context.Context, r meas.PingRequest) (meas.Ping, error) {
	if p.Hang {
		<-ctx.Done()
		return meas.Ping{}, ctx.Err()
	}
	r, err := r.Normalize()
	out := meas.Ping{Src: r.Src, Dst: r.Dst, Sent: r.Count}
	for range r.Count {
		out.RTTs = append(out.RTTs, time.Millisecond)
	}
	return out, err
}

// RecordRoute answers with the destination's stamps alone, unless Silent
// says it goes unanswered.
func (p *Prober) RecordRoute(_ context.Context, r meas.RRRequest) (meas.RRPing, error) {
	p.mu.Lock()
	p.rrPings++
	p.mu.Unlock()
	r, err := r.Normalize()
	if p.Silent != nil && p.Silent(r) {
		return meas.RRPing{Src: r.Src, Dst: r.Dst, Sender: r.Src}, err
	}
	return meas.RRPing{Src: r.Src, Dst: r.Dst, Sender: r.Src, Replied: true, Recorded: []netip.Addr{r.Dst, r.Dst}}, err
}

// RRPings is how many Record Route pings RecordRoute was asked for.
func (p *Prober) RRPings() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rrPings
}

// Traceroute reaches the destination at TTL 1.
func (p *Prober) Traceroute(_ context.Context, r meas.TraceRequest) (meas.Trace, error) {
	r, err := r.Normalize()
	return meas.Trace{Src: r.Src, Dst: r.Dst, Flow: r.Flow, Hops: []meas.Hop{{TTL: 1, Addr: r.Dst, Reply: meas.EchoReply}}, Probes: 1}, err
}

// Multipath finds the destination at TTL 1.
func (p *Prober) Multipath(_ context.Context, r meas.MultipathRequest) (meas.Multipath, error) {
	r, err := r.Normalize()
	return meas.Multipath{Src: r.Src, Dst: r.Dst, Proto: r.Proto, Interfaces: []meas.Interface{{TTL: 1, Addr: r.Dst}}, Probes: 1}, err
}

// ExpectRR hands out a probe whose reply Wait returns at once.
func (p *Prober) ExpectRR(_ context.Context, r meas.RRExpectRequest) (meas.RRCapture, error) {
	r, err := r.Normalize()
	if err != nil {
		return nil, err
	}
	pr := meas.RRProbe{Src: r.Src, Dst: r.Dst, ID: 7, Seq: 9}
	if p.Probe != nil {
		pr = p.Probe(pr)
	}
	res := meas.RRPing{Src: r.Src, Dst: r.Dst, Replied: true, Recorded: []netip.Addr{r.Dst, r.Dst}}
	if p.Capture != nil {
		res = p.Capture(r)
	}
	return capture{pr, res}, nil
}

type capture struct {
	probe meas.RRProbe
	res   meas.RRPing
}

func (c capture) Probe() meas.RRProbe                       { return c.probe }
func (c capture) Wait(context.Context) (meas.RRPing, error) { return c.res, nil }

// SendRR records the probe.
func (p *Prober) SendRR(_ context.Context, pr meas.RRProbe) (time.Time, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, pr)
	return time.Now(), nil
}

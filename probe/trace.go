package probe

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/revtr/revtr/meas"
)

// Traceroute defaults for a TraceRequest's zero fields.
const (
	DefaultMaxTTL   = 30
	DefaultGapLimit = 5
)

// traceParams is a TraceRequest with defaults applied.
type traceParams struct {
	req                       meas.TraceRequest
	first, max, gap, attempts int
	window                    int
}

func (p *Prober) traceParams(req meas.TraceRequest) (traceParams, error) {
	tp := traceParams{req: req, first: req.FirstTTL, max: req.MaxTTL, gap: req.GapLimit,
		attempts: req.Attempts, window: p.cfg.Window}
	if tp.first == 0 {
		tp.first = 1
	}
	if tp.max == 0 {
		tp.max = DefaultMaxTTL
	}
	if tp.gap == 0 {
		tp.gap = DefaultGapLimit
	}
	if tp.attempts == 0 {
		tp.attempts = 1
	}
	if tp.req.Flow.Proto == 0 {
		tp.req.Flow.Proto = meas.ICMP
	}
	if tp.first < 1 || tp.max < tp.first || tp.max > 255 || tp.gap < 1 || tp.attempts < 1 {
		return tp, badRequest("traceroute", "TTLs %d..%d, gap limit %d, attempts %d", tp.first, tp.max, tp.gap, tp.attempts)
	}
	src, err := p.source("traceroute", req.Src, req.Dst)
	tp.req.Src = src
	return tp, err
}

// Traceroute runs a Paris traceroute: every probe of the flow carries the
// same addresses, protocol and ports (and, for ICMP, checksum), so per-flow
// load balancers keep it on one path. Up to Config.Window TTLs are in
// flight at once, paced by the rate limit; no TTL beyond one the
// destination answered is sent. The trace stops at the destination, after
// GapLimit silent TTLs in a row, at a loop, at a router's destination
// unreachable, or at MaxTTL; Probes counts every probe sent, including
// those in flight beyond the stopping TTL.
func (p *Prober) Traceroute(ctx context.Context, req meas.TraceRequest) (meas.Trace, error) {
	tp, err := p.traceParams(req)
	if err != nil {
		return meas.Trace{}, err
	}
	tr, err := p.trace(ctx, tp)
	if err != nil {
		return meas.Trace{}, fmt.Errorf("traceroute %s to %s: %w", tp.req.Src, req.Dst, err)
	}
	return tr, nil
}

// hopResult is one finished TTL.
type hopResult struct {
	ttl int
	hop meas.Hop
	err error
}

// tracer is the state of one traceroute, owned by the goroutine that runs
// it; probing goroutines hand their results over a channel.
type tracer struct {
	tp      traceParams
	hops    []*hopResult // by TTL-first; nil while unknown
	destTTL int          // lowest TTL the destination answered; 0: none yet
	sent    atomic.Int64
}

func (p *Prober) trace(ctx context.Context, tp traceParams) (meas.Trace, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t := &tracer{tp: tp, hops: make([]*hopResult, tp.max-tp.first+1)}
	done := make(chan hopResult, len(t.hops))
	var wg sync.WaitGroup
	defer wg.Wait()
	inflight := 0
	for ttl := tp.first; ttl <= tp.max; ttl++ {
		for inflight >= tp.window {
			t.record(<-done)
			inflight--
		}
		for drained := false; !drained; {
			select {
			case h := <-done:
				t.record(h)
				inflight--
			default:
				drained = true
			}
		}
		if _, _, decided := t.walk(); decided || (t.destTTL > 0 && ttl > t.destTTL) {
			break
		}
		inflight++
		sent := make(chan struct{})
		wg.Go(func() { done <- p.traceHop(ctx, t, ttl, sent) })
		// TTLs leave in order: a probe beyond the destination must not
		// take a token before the probes that may reach it.
		<-sent
	}
	if _, _, decided := t.walk(); decided {
		cancel() // probes beyond the stopping TTL still waiting for a token stay unsent
	}
	for ; inflight > 0; inflight-- {
		t.record(<-done)
		if _, _, decided := t.walk(); decided {
			cancel() // abandon probes beyond the stopping TTL
		}
	}
	return t.result()
}

// traceHop probes one TTL up to attempts times; it closes sent once the
// first probe has left (or failed to).
func (p *Prober) traceHop(ctx context.Context, t *tracer, ttl int, sent chan<- struct{}) hopResult {
	pr := Probe{Src: t.tp.req.Src, Dst: t.tp.req.Dst, Flow: t.tp.req.Flow, TTL: ttl, Timeout: t.tp.req.Timeout}
	for i := range t.tp.attempts {
		f, err := p.Start(ctx, pr)
		if i == 0 {
			close(sent)
		}
		if err != nil {
			return hopResult{ttl: ttl, err: err}
		}
		t.sent.Add(1)
		r, err := f.Wait(ctx)
		if err != nil {
			return hopResult{ttl: ttl, err: err}
		}
		if r.Reply != meas.NoReply {
			return hopResult{ttl: ttl, hop: meas.Hop{TTL: ttl, Addr: r.From, RTT: r.RTT, Reply: r.Reply}}
		}
	}
	return hopResult{ttl: ttl, hop: meas.Hop{TTL: ttl}}
}

// record notes a finished TTL.
func (t *tracer) record(h hopResult) {
	t.hops[h.ttl-t.tp.first] = &h
	if h.err == nil && h.hop.Reply.FromDestination() && h.hop.Addr == t.tp.req.Dst &&
		(t.destTTL == 0 || h.ttl < t.destTTL) {
		t.destTTL = h.ttl
	}
}

// walk reads the hops in TTL order, as scamper decides a trace: it returns
// the index of the stopping hop and why the trace stops there; decided is
// false while a hop it depends on is unknown. A hop that failed decides
// the trace with its error (in stop's place, the caller reads it).
func (t *tracer) walk() (last int, stop meas.StopReason, decided bool) {
	gap := 0
	seen := make(map[netip.Addr]bool)
	for i, h := range t.hops {
		switch {
		case h == nil:
			return i, 0, false
		case h.err != nil:
			return i, 0, true
		case h.hop.Reply == meas.NoReply:
			if gap++; gap >= t.tp.gap {
				return i, meas.StopGapLimit, true
			}
			continue
		case h.hop.Reply == meas.DestUnreach && h.hop.Addr != t.tp.req.Dst:
			return i, meas.StopUnreachable, true
		case h.hop.Reply.FromDestination():
			return i, meas.StopCompleted, true
		case seen[h.hop.Addr]:
			return i, meas.StopLoop, true
		}
		gap = 0
		seen[h.hop.Addr] = true
	}
	return len(t.hops) - 1, meas.StopMaxTTL, true
}

// result assembles the trace once decided.
func (t *tracer) result() (meas.Trace, error) {
	last, stop, decided := t.walk()
	if !decided {
		return meas.Trace{}, fmt.Errorf("%w: trace undecided", ErrBadRequest)
	}
	if err := t.hops[last].err; err != nil {
		return meas.Trace{}, err
	}
	tr := meas.Trace{Src: t.tp.req.Src, Dst: t.tp.req.Dst, Flow: t.tp.req.Flow, Stop: stop, Probes: int(t.sent.Load())}
	for _, h := range t.hops[:last+1] {
		tr.Hops = append(tr.Hops, h.hop)
	}
	return tr, nil
}

package probe

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/revtr/revtr/meas"
)

func (p *Prober) traceRequest(req meas.TraceRequest) (meas.TraceRequest, error) {
	req, err := req.Normalize()
	if err != nil {
		return req, fmt.Errorf("probe: %w", err)
	}
	req.Src, err = p.source("traceroute", req.Src, req.Dst)
	return req, err
}

// Traceroute runs a Paris traceroute: every probe of the flow carries the
// same addresses, protocol and ports (and, for ICMP, checksum), so per-flow
// load balancers keep it on one path. Up to req.Window TTLs are in flight
// at once, paced by the rate limit; no TTL beyond one the destination
// answered is sent. The trace ends as meas.TraceEnd decides, or at
// MaxTTL; Probes counts every probe sent, including those in flight
// beyond the stopping TTL. With Config.LateWait, the TTLs beyond every
// answered one listen longer for a late answer.
func (p *Prober) Traceroute(ctx context.Context, req meas.TraceRequest) (meas.Trace, error) {
	req, err := p.traceRequest(req)
	if err != nil {
		return meas.Trace{}, err
	}
	tr, err := p.trace(ctx, req)
	if err != nil {
		return meas.Trace{}, fmt.Errorf("traceroute %s to %s: %w", req.Src, req.Dst, err)
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
	req     meas.TraceRequest
	hops    []*hopResult // by TTL-first; nil while unknown
	destTTL int          // lowest TTL the destination answered; 0: none yet
	sent    atomic.Int64
	answers *answers // the answers so far, shared with the probing goroutines
}

func (p *Prober) trace(ctx context.Context, req meas.TraceRequest) (meas.Trace, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t := &tracer{req: req, hops: make([]*hopResult, req.MaxTTL-req.FirstTTL+1), answers: newAnswers(req.FirstTTL, req.MaxTTL)}
	done := make(chan hopResult, len(t.hops))
	var wg sync.WaitGroup
	defer wg.Wait()
	inflight := 0
	for ttl := req.FirstTTL; ttl <= req.MaxTTL; ttl++ {
		for inflight >= req.Window {
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
		// take a token before the probes that may reach it. While it
		// waits for its token, answers keep arriving; once they decide
		// the trace, its wait is abandoned, not served a rate interval
		// later.
		inflight -= t.awaitSent(sent, done, cancel)
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

// awaitSent waits until the probe that closes sent has left, recording
// the answers that arrive meanwhile; it cancels the trace's pending
// probes once the answers decide it, and returns how many it recorded.
func (t *tracer) awaitSent(sent <-chan struct{}, done <-chan hopResult, cancel context.CancelFunc) int {
	n := 0
	for {
		select {
		case <-sent:
			return n
		case h := <-done:
			t.record(h)
			n++
			if _, _, decided := t.walk(); decided {
				cancel()
			}
		}
	}
}

// record notes a finished TTL.
func (t *tracer) record(h hopResult) {
	t.hops[h.ttl-t.req.FirstTTL] = &h
	if h.err == nil && h.hop.Reply.FromDestination() && h.hop.Addr == t.req.Dst &&
		(t.destTTL == 0 || h.ttl < t.destTTL) {
		t.destTTL = h.ttl
	}
}

// walk reads the hops in TTL order and decides the trace by
// meas.TraceEnd: it returns the index of the stopping hop and why the
// trace stops there; decided is false while a hop it depends on is
// unknown. A hop that failed decides the trace with its error (in stop's
// place, the caller reads it).
func (t *tracer) walk() (last int, stop meas.StopReason, decided bool) {
	end := meas.NewTraceEnd(t.req.Dst, t.req.GapLimit)
	for i, h := range t.hops {
		switch {
		case h == nil:
			return i, 0, false
		case h.err != nil:
			return i, 0, true
		}
		if stop, done := end.Next(h.hop); done {
			return i, stop, true
		}
	}
	return len(t.hops) - 1, meas.StopMaxTTL, true
}

// result assembles the trace once decided.
func (t *tracer) result() (meas.Trace, error) {
	last, stop, decided := t.walk()
	if !decided {
		return meas.Trace{}, errors.New("trace undecided")
	}
	if err := t.hops[last].err; err != nil {
		return meas.Trace{}, err
	}
	tr := meas.Trace{Src: t.req.Src, Dst: t.req.Dst, Flow: t.req.Flow, Stop: stop, Probes: int(t.sent.Load())}
	for _, h := range t.hops[:last+1] {
		tr.Hops = append(tr.Hops, h.hop)
	}
	return tr, nil
}

package probe

import (
	"context"
	"sync"
	"time"

	"github.com/revtr/revtr/meas"
)

// answers are the round-trip times of a traceroute's answered TTLs,
// shared by the goroutines probing it: how long a silent TTL keeps
// listening depends on the answers beyond it (Config.LateWait).
type answers struct {
	mu      sync.Mutex
	first   int
	rtt     []time.Duration // by TTL-first; 0: not answered
	changed chan struct{}   // closed, and replaced, on every answer
}

func newAnswers(first, max int) *answers {
	return &answers{first: first, rtt: make([]time.Duration, max-first+1), changed: make(chan struct{})}
}

// add notes an answer at ttl after rtt.
func (a *answers) add(ttl int, rtt time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rtt[ttl-a.first] = max(rtt, 1)
	close(a.changed)
	a.changed = make(chan struct{})
}

// beyond returns the round-trip time of the answer nearest above ttl (ok
// false when none has come) and a channel closed at the next answer.
func (a *answers) beyond(ttl int) (rtt time.Duration, ok bool, changed <-chan struct{}) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range a.rtt[ttl-a.first+1:] {
		if r > 0 {
			return r, true, a.changed
		}
	}
	return 0, false, a.changed
}

// nearWait is how long, from its first probe, a TTL listens once a higher
// TTL has answered after rtt: traceroute(8)'s "near" rule with its
// default factor (10) and precision (1 ms).
func nearWait(rtt time.Duration) time.Duration { return 10 * (rtt + time.Millisecond) }

// hopProbes are the probes sent for one TTL of a traceroute. Each stays
// registered for listen (the timeout, or the late wait if longer), so
// that an answer to an earlier attempt still counts while a later one
// waits; done receives each probe once it is resolved.
type hopProbes struct {
	flights []*Inflight
	done    chan *Inflight
	wg      sync.WaitGroup
}

func newHopProbes(attempts int) *hopProbes {
	return &hopProbes{done: make(chan *Inflight, attempts)}
}

func (h *hopProbes) add(f *Inflight) {
	h.flights = append(h.flights, f)
	h.wg.Go(func() {
		<-f.Done()
		h.done <- f
	})
}

// await waits until one of the probes is answered (true), until the
// channel wake is closed or the deadline passes (false, nil), or until
// ctx ends or the prober fails (its error).
func (h *hopProbes) await(ctx context.Context, deadline time.Time, wake <-chan struct{}) (Result, bool, error) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		select {
		case f := <-h.done:
			if f.pd.err != nil {
				return Result{}, false, f.pd.err
			}
			if f.pd.res.Reply != meas.NoReply {
				return f.pd.res, true, nil
			}
		case <-wake:
			return Result{}, false, nil
		case <-timer.C:
			return Result{}, false, nil
		case <-ctx.Done():
			return Result{}, false, ctx.Err()
		}
	}
}

// close abandons the probes still waiting and waits for their watchers.
func (h *hopProbes) close() {
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	for _, f := range h.flights {
		f.Wait(gone) // resolves it if still outstanding; returns at once
	}
	h.wg.Wait()
}

// traceHop probes one TTL up to Attempts times, each attempt sent once
// the previous one has waited its timeout; it closes sent once the first
// probe has left (or failed to). After the last attempt's timeout it keeps
// listening, as traceroute(8) does, until the late wait from its first
// probe while no higher TTL has answered, no longer than nearWait of the
// nearest answer above once one has.
func (p *Prober) traceHop(ctx context.Context, t *tracer, ttl int, sent chan<- struct{}) hopResult {
	timeout := p.timeout(t.req.Timeout)
	listen := max(timeout, p.cfg.LateWait)
	pr := Probe{Src: t.req.Src, Dst: t.req.Dst, Flow: t.req.Flow, TTL: ttl, Timeout: listen}
	hp := newHopProbes(t.req.Attempts)
	defer hp.close()
	var first time.Time
	for i := range t.req.Attempts {
		f, err := p.Start(ctx, pr)
		if i == 0 {
			close(sent)
			first = time.Now()
		}
		if err != nil {
			return hopResult{ttl: ttl, err: err}
		}
		t.sent.Add(1)
		hp.add(f)
		r, ok, err := hp.await(ctx, time.Now().Add(timeout), nil)
		if err != nil || ok {
			return t.answered(ttl, r, err)
		}
	}
	for {
		wait := listen
		rtt, ok, changed := t.answers.beyond(ttl)
		if ok {
			wait = min(wait, nearWait(rtt))
		}
		end := first.Add(wait)
		if !time.Now().Before(end) {
			return hopResult{ttl: ttl, hop: meas.Hop{TTL: ttl}}
		}
		r, ok, err := hp.await(ctx, end, changed)
		if err != nil || ok {
			return t.answered(ttl, r, err)
		}
	}
}

// answered is the result of a TTL that got answer r (or failed with err);
// it notes the answer for the TTLs below.
func (t *tracer) answered(ttl int, r Result, err error) hopResult {
	if err != nil {
		return hopResult{ttl: ttl, err: err}
	}
	t.answers.add(ttl, r.RTT)
	return hopResult{ttl: ttl, hop: meas.Hop{TTL: ttl, Addr: r.From, RTT: r.RTT, Reply: r.Reply, Code: r.Code}}
}

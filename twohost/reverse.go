package twohost

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/wire"
)

// TwoHostTrace measures the path from the responder on req.Dst back to
// the client: a presence check, then req.Queries requests per TTL with up
// to req.Window TTLs in flight, within the client's rate limit. It stops
// when the client itself answers the probe, or as meas.TraceEnd decides,
// or at req.MaxTTL. req.Src, when set, must be one of the client's
// addresses (the kernel picks the requests' source by its routes).
func (c *Client) TwoHostTrace(ctx context.Context, req meas.TwoHostRequest) (meas.TwoHostTrace, error) {
	req, err := c.normalize(req)
	if err != nil {
		return meas.TwoHostTrace{}, err
	}
	res := meas.TwoHostTrace{Trace: meas.Trace{Src: req.Dst, Dst: c.pathEnd(req.Src, req.Dst), Flow: req.Flow}}
	dist, checks, err := c.require(ctx, req.Dst)
	res.Probes = checks
	if err != nil {
		return res, fmt.Errorf("twohost: reverse trace: %w", err)
	}
	if err := c.reverse(ctx, req, dist, &res); err != nil {
		return res, fmt.Errorf("twohost: reverse trace from %s: %w", req.Dst, err)
	}
	return res, nil
}

// normalize applies the request's defaults and picks or checks its
// source.
func (c *Client) normalize(req meas.TwoHostRequest) (meas.TwoHostRequest, error) {
	req, err := req.Normalize()
	if err != nil {
		return req, fmt.Errorf("twohost: %w", err)
	}
	if req.Src, err = c.sourceFor(req.Src, req.Dst); err != nil {
		return req, err
	}
	return req, nil
}

// sourceFor returns src if it is the client's, or the client's first
// address of dst's family when src is zero.
func (c *Client) sourceFor(src, dst netip.Addr) (netip.Addr, error) {
	switch {
	case !src.IsValid():
		if src = c.source(dst); !src.IsValid() {
			return src, fmt.Errorf("twohost: %w: no local address of %s's family", meas.ErrNoSource, dst)
		}
	case !c.Local(src):
		return src, fmt.Errorf("twohost: %w: %s is not an address of the client's host", meas.ErrNoSource, src)
	}
	return src, nil
}

// ttlResult is one TTL's answers.
type ttlResult struct {
	ttl  int
	hops []meas.Hop
	err  error
}

// reverse runs the TTLs of a normalised request into res. dist, when
// known, is the reverse distance the presence check's answer suggests:
// TTLs beyond it are sent only once the TTLs up to it are done without
// reaching the client, so that a window of TTLs in flight does not
// overshoot the path.
func (c *Client) reverse(ctx context.Context, req meas.TwoHostRequest, dist int, res *meas.TwoHostTrace) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	results := make(chan ttlResult, req.MaxTTL-req.FirstTTL+1)
	done := make(map[int]ttlResult)
	end := meas.NewTraceEnd(c.pathEnd(req.Src, req.Dst), req.GapLimit)
	next, cursor, inflight, destTTL := req.FirstTTL, req.FirstTTL, 0, 0
	limit := req.MaxTTL
	if dist > 0 {
		limit = min(max(dist, req.FirstTTL), req.MaxTTL)
	}
	for {
		if inflight == 0 && next > limit {
			limit = req.MaxTTL // the estimate was short
		}
		for inflight < req.Window && next <= limit && (destTTL == 0 || next <= destTTL) {
			ttl := next
			wg.Go(func() { results <- c.probeTTL(ctx, req, ttl) })
			next, inflight = next+1, inflight+1
			res.Probes += req.Queries
		}
		if inflight == 0 {
			res.Stop = meas.StopMaxTTL
			return nil
		}
		r := <-results
		inflight--
		if r.err != nil {
			return r.err
		}
		done[r.ttl] = r
		if c.answered(r.hops, req.Dst) && (destTTL == 0 || r.ttl < destTTL) {
			destTTL = r.ttl
		}
		for ; done[cursor].hops != nil; cursor++ {
			if stop, ok := c.add(res, end, done[cursor]); ok {
				res.Stop = stop
				return nil
			}
		}
	}
}

// add appends TTL r to the trace and reports whether the trace ends there.
func (c *Client) add(res *meas.TwoHostTrace, end *meas.TraceEnd, r ttlResult) (meas.StopReason, bool) {
	responder := res.Src
	first := meas.Hop{TTL: r.ttl}
	for _, h := range r.hops {
		if h.Reply != meas.NoReply {
			first = h
			break
		}
	}
	res.Hops = append(res.Hops, first)
	res.Queries = append(res.Queries, r.hops)
	if c.answered(r.hops, responder) {
		return meas.StopCompleted, true
	}
	return end.Next(first)
}

// answered reports whether the path's end (the client itself, or the
// indirect target) answered at this TTL.
func (c *Client) answered(hops []meas.Hop, responder netip.Addr) bool {
	for _, h := range hops {
		if h.Reply != meas.NoReply && c.isEnd(h.Addr, responder) {
			return true
		}
	}
	return false
}

// indirect returns the indirect target of traces from responder, if the
// client asks for one.
func (c *Client) indirect(responder netip.Addr) (netip.Addr, bool) {
	t := c.cfg.ForwardTo
	return t, t.IsValid() && t.Is6() == responder.Is6()
}

// pathEnd is where the responder's probes go: the client's address src,
// or the indirect target.
func (c *Client) pathEnd(src, responder netip.Addr) netip.Addr {
	if t, ok := c.indirect(responder); ok {
		return t
	}
	return src
}

// isEnd reports whether a is the end of paths from responder.
func (c *Client) isEnd(a, responder netip.Addr) bool {
	if t, ok := c.indirect(responder); ok {
		return a == t
	}
	return c.Local(a)
}

// probeTTL sends req.Queries requests for one TTL at once and collects
// their answers.
func (c *Client) probeTTL(ctx context.Context, req meas.TwoHostRequest, ttl int) ttlResult {
	res := ttlResult{ttl: ttl, hops: make([]meas.Hop, req.Queries)}
	errs := make([]error, req.Queries)
	var wg sync.WaitGroup
	for i := range req.Queries {
		wg.Go(func() { res.hops[i], errs[i] = c.hop(ctx, req.Dst, req.Flow, ttl, req.Timeout) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			res.err = err
		}
	}
	return res
}

// hop sends one request for a probe of the (normalised) flow f and turns
// its answer into a meas.Hop: the node that answered the responder's probe
// and the RTT the responder measured. A refusal or an unsupported protocol
// is an error.
func (c *Client) hop(ctx context.Context, target netip.Addr, f meas.Flow, ttl int, timeout time.Duration) (meas.Hop, error) {
	a, err := c.Query(ctx, target, QueryOf(target, f, ttl, timeout))
	switch {
	case err != nil:
		return meas.Hop{}, err
	case !a.Replied:
		return meas.Hop{TTL: ttl}, nil
	case a.Echoed:
		return meas.Hop{}, fmt.Errorf("%s: %w", target, meas.ErrNoResponder)
	case a.State == wire.StateRefused && a.Reserved != 0:
		return meas.Hop{}, fmt.Errorf("%s: %w: extension object class %d type %d (indirect tracing) not served", target, ErrUnsupported, a.Reserved>>8, a.Reserved&0xff)
	case a.State == wire.StateRefused:
		return meas.Hop{}, fmt.Errorf("%s at TTL %d: %w: %w", target, ttl, meas.ErrNoResponder, ErrRefused)
	case a.State != wire.StateSuccess:
		return meas.Hop{}, fmt.Errorf("%s: %w: %v for %v", target, ErrUnsupported, a.State, f)
	}
	h := meas.Hop{TTL: ttl, Addr: a.Node, RTT: a.RTT, Reply: meas.TimeExceeded}
	if c.isEnd(a.Node, target) {
		h.Reply = clientReply(f.Proto)
	}
	return h, nil
}

// clientReply is how a client host answers a responder's probe.
func clientReply(p meas.Proto) meas.Reply {
	switch p {
	case meas.UDP:
		return meas.DestUnreach
	case meas.TCP:
		return meas.TCPReset
	}
	return meas.EchoReply
}

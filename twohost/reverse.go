package twohost

import (
	"context"
	"fmt"
	"net/netip"
	"sync"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/wire"
)

// Trace defaults. The reference client probes TTLs 1..15 three times each
// and stops after 3 silent hops.
const (
	DefaultMaxTTL   = 30
	DefaultQueries  = 3
	DefaultGapLimit = 3
	DefaultWindow   = 8 // TTLs in flight at once
)

// TraceConfig is one single-path trace (forward or reverse).
type TraceConfig struct {
	Proto    meas.Proto // 0 means UDP
	Flow     uint16     // the reverse probes' destination port (ICMP: checksum); 0: protocol default
	FirstTTL int        // 0 means 1
	MaxTTL   int        // 0 means DefaultMaxTTL
	Queries  int        // requests per TTL; 0 means DefaultQueries
	GapLimit int        // stop after this many silent TTLs in a row; 0 means DefaultGapLimit
	Window   int        // TTLs in flight at once; 0 means DefaultWindow
}

func (tc TraceConfig) withDefaults() (TraceConfig, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if tc.Proto == 0 {
		tc.Proto = meas.UDP
	}
	def(&tc.FirstTTL, 1)
	def(&tc.MaxTTL, DefaultMaxTTL)
	def(&tc.Queries, DefaultQueries)
	def(&tc.GapLimit, DefaultGapLimit)
	def(&tc.Window, DefaultWindow)
	switch {
	case tc.Proto != meas.UDP && tc.Proto != meas.TCP && tc.Proto != meas.ICMP:
		return tc, fmt.Errorf("%w: protocol %v", ErrBadQuery, tc.Proto)
	case tc.FirstTTL < 1 || tc.MaxTTL < tc.FirstTTL || tc.MaxTTL > 255:
		return tc, fmt.Errorf("%w: TTLs %d..%d not within 1..255", ErrBadQuery, tc.FirstTTL, tc.MaxTTL)
	case tc.Queries < 1 || tc.GapLimit < 1 || tc.Window < 1:
		return tc, fmt.Errorf("%w: queries %d, gap limit %d, window %d", ErrBadQuery, tc.Queries, tc.GapLimit, tc.Window)
	}
	return tc, nil
}

// Direction says which way a path was measured.
type Direction uint8

// Directions.
const (
	Forward Direction = iota // from the client to the target
	Reverse                  // from the target (its responder) back to the client
)

func (d Direction) String() string {
	if d == Reverse {
		return "reverse"
	}
	return "forward"
}

// Path is a single-path trace in one direction. The embedded meas.Trace
// holds, per TTL, the first answer (silent TTLs have a zero Addr); for a
// reverse path Src is the target, Dst the client and Flow the fields of
// the responder's probes (source port 1021, the flow as destination
// port), so that it compares directly with a forward traceroute from the
// target. Queries holds every answer of every TTL, in the order sent.
type Path struct {
	Direction Direction
	meas.Trace
	Queries [][]meas.Hop
}

// ReverseFlow is the meas.Flow of the probes a responder sends for q's
// protocol and flow.
func ReverseFlow(p meas.Proto, flow uint16) meas.Flow {
	if p == meas.ICMP {
		return meas.Flow{Proto: p, ID: flow}
	}
	return meas.Flow{Proto: p, ID: ProbeSrcPort, DstPort: probePorts(wire.Proto(p), flow)}
}

// ttlResult is one TTL's answers.
type ttlResult struct {
	ttl  int
	hops []meas.Hop
	err  error
}

// Reverse measures the path from target back to the client: a presence
// check, then tc.Queries requests per TTL with up to tc.Window TTLs in
// flight, within the client's rate limit. It stops when the client
// itself answers the probe, after tc.GapLimit silent TTLs in a row, or at
// tc.MaxTTL.
func (c *Client) Reverse(ctx context.Context, target netip.Addr, tc TraceConfig) (Path, error) {
	tc, err := tc.withDefaults()
	if err != nil {
		return Path{}, fmt.Errorf("twohost: reverse trace to %s: %w", target, err)
	}
	target = target.Unmap()
	dist, err := c.require(ctx, target)
	if err != nil {
		return Path{}, fmt.Errorf("twohost: reverse trace: %w", err)
	}
	p, err := c.reverse(ctx, target, tc, dist)
	if err != nil {
		return Path{}, fmt.Errorf("twohost: reverse trace from %s: %w", target, err)
	}
	return p, nil
}

// reverse runs the TTLs. dist, when known, is the reverse distance the
// presence check's answer suggests: TTLs beyond it are sent only once the
// TTLs up to it are done without reaching the client, so that a window
// of TTLs in flight does not overshoot the path.
func (c *Client) reverse(ctx context.Context, target netip.Addr, tc TraceConfig, dist int) (Path, error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	p := Path{Direction: Reverse, Trace: meas.Trace{Src: target, Dst: c.source(target), Flow: ReverseFlow(tc.Proto, tc.Flow)}}
	results := make(chan ttlResult, tc.MaxTTL-tc.FirstTTL+1)
	done := make(map[int]ttlResult)
	next, cursor, inflight, gap, destTTL := tc.FirstTTL, tc.FirstTTL, 0, 0, 0
	limit := tc.MaxTTL
	if dist > 0 {
		limit = min(max(dist, tc.FirstTTL), tc.MaxTTL)
	}
	for {
		if inflight == 0 && next > limit {
			limit = tc.MaxTTL // the estimate was short
		}
		for inflight < tc.Window && next <= limit && (destTTL == 0 || next <= destTTL) {
			ttl := next
			wg.Go(func() { results <- c.probeTTL(ctx, target, tc, ttl) })
			next, inflight = next+1, inflight+1
			p.Probes += tc.Queries
		}
		if inflight == 0 {
			p.Stop = meas.StopMaxTTL
			return p, nil
		}
		r := <-results
		inflight--
		if r.err != nil {
			return p, r.err
		}
		done[r.ttl] = r
		if isDest(c, r.hops) && (destTTL == 0 || r.ttl < destTTL) {
			destTTL = r.ttl
		}
		for ; done[cursor].hops != nil; cursor++ {
			stop, ok := p.add(c, done[cursor], &gap, tc.GapLimit)
			if ok {
				p.Stop = stop
				return p, nil
			}
		}
	}
}

// add appends TTL r to the path and reports whether the trace ends there.
func (p *Path) add(c *Client, r ttlResult, gap *int, gapLimit int) (meas.StopReason, bool) {
	first := meas.Hop{TTL: r.ttl}
	for _, h := range r.hops {
		if h.Reply != meas.NoReply {
			first = h
			break
		}
	}
	p.Hops = append(p.Hops, first)
	p.Queries = append(p.Queries, r.hops)
	switch {
	case isDest(c, r.hops):
		return meas.StopCompleted, true
	case first.Reply == meas.NoReply:
		*gap++
		if *gap >= gapLimit {
			return meas.StopGapLimit, true
		}
	default:
		*gap = 0
	}
	return 0, false
}

// isDest reports whether the client itself answered at this TTL.
func isDest(c *Client, hops []meas.Hop) bool {
	for _, h := range hops {
		if h.Reply != meas.NoReply && c.Local(h.Addr) {
			return true
		}
	}
	return false
}

// probeTTL sends tc.Queries requests for one TTL at once and collects
// their answers.
func (c *Client) probeTTL(ctx context.Context, target netip.Addr, tc TraceConfig, ttl int) ttlResult {
	res := ttlResult{ttl: ttl, hops: make([]meas.Hop, tc.Queries)}
	errs := make([]error, tc.Queries)
	var wg sync.WaitGroup
	for i := range tc.Queries {
		wg.Go(func() { res.hops[i], errs[i] = c.hop(ctx, target, tc.Proto, tc.Flow, ttl) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			res.err = err
		}
	}
	return res
}

// hop sends one request and turns its answer into a meas.Hop: the node
// that answered the responder's probe and the RTT the responder measured.
// A refusal or an unsupported protocol is an error.
func (c *Client) hop(ctx context.Context, target netip.Addr, proto meas.Proto, flow uint16, ttl int) (meas.Hop, error) {
	a, err := c.Query(ctx, target, Query{TTL: uint8(ttl), Proto: proto, Flow: flow})
	switch {
	case err != nil:
		return meas.Hop{}, err
	case !a.Replied:
		return meas.Hop{TTL: ttl}, nil
	case a.Echoed:
		return meas.Hop{}, fmt.Errorf("%s: %w", target, ErrNoResponder)
	case a.State == wire.StateRefused:
		return meas.Hop{}, fmt.Errorf("%s at TTL %d: %w", target, ttl, ErrRefused)
	case a.State != wire.StateSuccess:
		return meas.Hop{}, fmt.Errorf("%s: %w: %v for %v flow %d", target, ErrUnsupported, a.State, proto, flow)
	}
	h := meas.Hop{TTL: ttl, Addr: a.Node, RTT: a.RTT, Reply: meas.TimeExceeded}
	if c.Local(a.Node) {
		h.Reply = destReply(proto)
	}
	return h, nil
}

// destReply is how a client host answers a responder's probe.
func destReply(p meas.Proto) meas.Reply {
	switch p {
	case meas.UDP:
		return meas.DestUnreach
	case meas.TCP:
		return meas.TCPReset
	}
	return meas.EchoReply
}

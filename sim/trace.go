package sim

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// Traceroute defaults for a TraceRequest's zero fields.
const (
	DefaultMaxTTL   = 30
	DefaultGapLimit = 5
)

// traceParams is a TraceRequest with defaults applied.
type traceParams struct {
	first, max, gap, attempts int
	timeout                   time.Duration
}

func (n *Network) traceParams(req meas.TraceRequest) (traceParams, error) {
	p := traceParams{first: req.FirstTTL, max: req.MaxTTL, gap: req.GapLimit, attempts: req.Attempts,
		timeout: n.timeout(req.Timeout)}
	if p.first == 0 {
		p.first = 1
	}
	if p.max == 0 {
		p.max = DefaultMaxTTL
	}
	if p.gap == 0 {
		p.gap = DefaultGapLimit
	}
	if p.attempts == 0 {
		p.attempts = 1
	}
	if p.first < 1 || p.max < p.first || p.max > 255 || p.gap < 0 || p.attempts < 0 {
		return p, fmt.Errorf("sim: traceroute %s to %s: %w: TTLs %d..%d, gap limit %d, attempts %d",
			req.Src, req.Dst, ErrBadRequest, p.first, p.max, p.gap, p.attempts)
	}
	return p, nil
}

// flowKey is what the ECMP hash reads from the probes of a flow.
func flowKey(src, dst netip.Addr, f meas.Flow) (topo.FlowKey, error) {
	k := topo.FlowKey{Src: src, Dst: dst, Proto: uint8(f.Proto)}
	switch f.Proto {
	case meas.ICMP:
		k.Proto = icmpProto(dst)
	case meas.UDP, meas.TCP:
		k.SrcPort, k.DstPort = f.Ports()
	default:
		return k, fmt.Errorf("sim: %w: protocol %v", ErrBadRequest, f.Proto)
	}
	return k, nil
}

// Traceroute runs a Paris traceroute: every probe of the flow carries the
// same header fields, so per-flow load balancers keep it on one path; TTL
// after TTL until the destination answers, GapLimit TTLs in a row stay
// silent, an address repeats (a loop), a router reports the destination
// unreachable, or MaxTTL. A silent TTL is probed Attempts times, each after
// the previous one's timeout. Probes leave ProbeGap apart, all TTLs in
// flight at once, as the raw-socket prober sends them; the trace lasts
// until its last probe is answered or timed out.
func (n *Network) Traceroute(ctx context.Context, req meas.TraceRequest) (meas.Trace, error) {
	src, err := n.host("traceroute", req.Src)
	if err != nil {
		return meas.Trace{}, err
	}
	if err := checkDst("traceroute", req.Src, req.Dst); err != nil {
		return meas.Trace{}, err
	}
	p, err := n.traceParams(req)
	if err != nil {
		return meas.Trace{}, err
	}
	key, err := flowKey(req.Src, req.Dst, req.Flow)
	if err != nil {
		return meas.Trace{}, err
	}
	clk := n.clock(ctx)
	tr := meas.Trace{Src: req.Src, Dst: req.Dst, Flow: req.Flow, Stop: meas.StopMaxTTL}
	s := traceState{start: clk.Elapsed(), seen: make(map[netip.Addr]bool)}
	s.end = s.start
	for ttl := p.first; ttl <= p.max; ttl++ {
		if err := ctx.Err(); err != nil {
			return meas.Trace{}, fmt.Errorf("sim: traceroute %s to %s: %w", req.Src, req.Dst, err)
		}
		hop := n.traceHop(&s, src, key, ttl, p)
		tr.Hops = append(tr.Hops, hop)
		if stop, done := s.stop(hop, req.Dst, p.gap); done {
			tr.Stop = stop
			break
		}
	}
	tr.Probes = s.sent
	clk.Advance(s.end - s.start)
	return tr, nil
}

// traceState is the running state of a traceroute.
type traceState struct {
	start, end time.Duration
	sent, gap  int
	seen       map[netip.Addr]bool
}

// traceHop probes one TTL up to p.attempts times.
func (n *Network) traceHop(s *traceState, src topo.NodeID, key topo.FlowKey, ttl int, p traceParams) meas.Hop {
	hop := meas.Hop{TTL: ttl}
	var last time.Duration
	for a := range p.attempts {
		at := n.sendTime(s.start, s.sent)
		if a > 0 {
			at = max(at, last+p.timeout)
		}
		s.sent++
		n.counts.trace.Add(1)
		pk := packet{key: key, ttl: ttl}
		if r, ok := n.roundTripWithin(&pk, src, at, p.timeout); ok {
			s.end = max(s.end, at+r.rtt)
			return meas.Hop{TTL: ttl, Addr: r.from, RTT: r.rtt, Reply: r.kind}
		}
		s.end = max(s.end, at+p.timeout)
		last = at
	}
	return hop
}

// stop says whether a traceroute ends after hop, and why.
func (s *traceState) stop(hop meas.Hop, dst netip.Addr, gapLimit int) (meas.StopReason, bool) {
	if hop.Reply == meas.NoReply {
		s.gap++
		return meas.StopGapLimit, s.gap >= gapLimit
	}
	s.gap = 0
	switch {
	case hop.Reply == meas.DestUnreach && hop.Addr != dst:
		return meas.StopUnreachable, true
	case hop.Reply.FromDestination():
		return meas.StopCompleted, true
	case s.seen[hop.Addr]:
		return meas.StopLoop, true
	}
	s.seen[hop.Addr] = true
	return 0, false
}

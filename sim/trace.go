package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// Traceroute runs a Paris traceroute: every probe of the flow carries the
// same header fields, so per-flow load balancers keep it on one path; TTL
// after TTL until the trace ends as meas.TraceEnd decides, or MaxTTL. A
// silent TTL is probed Attempts times, each after the previous one's
// timeout. Probes leave ProbeGap apart, every TTL in flight at once
// whatever the request's Window, and none is sent beyond the TTL that ends
// the trace; the trace lasts until its last probe is answered or timed
// out.
func (n *Network) Traceroute(ctx context.Context, req meas.TraceRequest) (meas.Trace, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.Trace{}, fmt.Errorf("sim: %w", err)
	}
	src, err := n.host("traceroute", req.Src)
	if err != nil {
		return meas.Trace{}, err
	}
	clk := n.clock(ctx)
	tr := meas.Trace{Src: req.Src, Dst: req.Dst, Flow: req.Flow, Stop: meas.StopMaxTTL}
	s := traceState{start: clk.Elapsed(), key: topo.FlowKey{Src: req.Src, Dst: req.Dst, Flow: req.Flow},
		timeout: n.timeout(req.Timeout)}
	s.end = s.start
	end := meas.NewTraceEnd(req.Dst, req.GapLimit)
	for ttl := req.FirstTTL; ttl <= req.MaxTTL; ttl++ {
		if err := ctx.Err(); err != nil {
			return meas.Trace{}, fmt.Errorf("sim: traceroute %s to %s: %w", req.Src, req.Dst, err)
		}
		hop := n.traceHop(&s, src, ttl, req.Attempts)
		tr.Hops = append(tr.Hops, hop)
		if stop, done := end.Next(hop); done {
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
	key        topo.FlowKey
	timeout    time.Duration
	start, end time.Duration
	sent       int
}

// traceHop probes one TTL up to attempts times.
func (n *Network) traceHop(s *traceState, src topo.NodeID, ttl, attempts int) meas.Hop {
	var last time.Duration
	for a := range attempts {
		at := n.sendTime(s.start, s.sent)
		if a > 0 {
			at = max(at, last+s.timeout)
		}
		s.sent++
		n.counts.trace.Add(1)
		pk := packet{key: s.key, ttl: ttl}
		if r, ok := n.roundTripWithin(&pk, src, at, s.timeout); ok {
			s.end = max(s.end, at+r.rtt)
			return meas.Hop{TTL: ttl, Addr: r.from, RTT: r.rtt, Reply: r.kind, Code: r.code}
		}
		s.end = max(s.end, at+s.timeout)
		last = at
	}
	return meas.Hop{TTL: ttl}
}

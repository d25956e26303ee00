package twohost

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/mda"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/wire"
)

// Tracer is what forward measurements need: a Paris traceroute and a
// multipath traceroute from the client's host (probe.Prober implements
// it).
type Tracer interface {
	Traceroute(ctx context.Context, req meas.TraceRequest) (meas.Trace, error)
	Multipath(ctx context.Context, req meas.MultipathRequest) (meas.Multipath, error)
}

// ForwardFlow is the flow of forward probes for a protocol and flow: the
// mirror of the responder's probes (source port = flow, destination port
// 1021; ICMP: checksum = flow), so that both directions of a two-way
// measurement carry the same 5-tuple, reversed.
func ForwardFlow(p meas.Proto, flow uint16) meas.Flow {
	if p == meas.ICMP {
		return meas.Flow{Proto: p, ID: flow}
	}
	return meas.Flow{Proto: p, ID: probePorts(wire.Proto(p), flow), DstPort: ProbeSrcPort}
}

// ForwardPath runs a Paris traceroute from the client's host to target
// with tr, tc.Queries attempts per TTL.
func ForwardPath(ctx context.Context, tr Tracer, target netip.Addr, tc TraceConfig) (Path, error) {
	tc, err := tc.withDefaults()
	if err != nil {
		return Path{}, fmt.Errorf("twohost: forward trace to %s: %w", target, err)
	}
	t, err := tr.Traceroute(ctx, meas.TraceRequest{Dst: target, Flow: ForwardFlow(tc.Proto, tc.Flow),
		FirstTTL: tc.FirstTTL, MaxTTL: tc.MaxTTL, GapLimit: tc.GapLimit, Attempts: tc.Queries})
	if err != nil {
		return Path{}, fmt.Errorf("twohost: forward trace: %w", err)
	}
	p := Path{Direction: Forward, Trace: t}
	for _, h := range t.Hops {
		p.Queries = append(p.Queries, []meas.Hop{h})
	}
	return p, nil
}

// TwoWay is a measurement of both directions.
type TwoWay struct {
	Forward, Reverse Path
}

// TwoWay measures the forward path with tr and the reverse path with the
// responder on target, one after the other (the reverse first, so that a
// missing responder is reported before any forward probe is sent).
func (c *Client) TwoWay(ctx context.Context, tr Tracer, target netip.Addr, tc TraceConfig) (TwoWay, error) {
	rev, err := c.Reverse(ctx, target, tc)
	if err != nil {
		return TwoWay{}, err
	}
	fwd, err := ForwardPath(ctx, tr, target, tc)
	if err != nil {
		return TwoWay{}, err
	}
	return TwoWay{Forward: fwd, Reverse: rev}, nil
}

// MultipathConfig is one multipath measurement (MDA, Diamond-Miner
// stopping points): flows 10000, 10001, ... as the reference client draws
// them from 10000-65535.
type MultipathConfig struct {
	Proto    meas.Proto // 0 means UDP
	Epsilon  float64    // failure probability per hop; 0 means 0.05
	MaxTTL   int        // 0 means DefaultMaxTTL
	GapLimit int        // 0 means DefaultGapLimit
}

func (mc MultipathConfig) request(src, dst netip.Addr) meas.MultipathRequest {
	if mc.Proto == 0 {
		mc.Proto = meas.UDP
	}
	if mc.MaxTTL == 0 {
		mc.MaxTTL = DefaultMaxTTL
	}
	if mc.GapLimit == 0 {
		mc.GapLimit = DefaultGapLimit
	}
	return meas.MultipathRequest{Src: src, Dst: dst, Proto: mc.Proto, Epsilon: mc.Epsilon, MaxTTL: mc.MaxTTL, GapLimit: mc.GapLimit}
}

// ReverseMultipath enumerates the load-balanced paths from target back to
// the client: mda drives one request per probe, the flow being the
// responder probes' destination port (ICMP: checksum). The result's Src is
// target, its Dst the client, Probes the requests spent.
func (c *Client) ReverseMultipath(ctx context.Context, target netip.Addr, mc MultipathConfig) (meas.Multipath, error) {
	target = target.Unmap()
	if _, err := c.require(ctx, target); err != nil {
		return meas.Multipath{}, fmt.Errorf("twohost: reverse multipath: %w", err)
	}
	req := mc.request(target, c.source(target))
	probe := func(ctx context.Context, f meas.Flow, ttl int) (meas.Hop, error) {
		return c.hop(ctx, target, f.Proto, f.ID, ttl)
	}
	m, err := mda.Run(ctx, req, probe)
	if err != nil {
		return meas.Multipath{}, fmt.Errorf("twohost: reverse multipath from %s: %w", target, err)
	}
	return m, nil
}

// ForwardMultipath enumerates the load-balanced paths from the client's
// host to target with tr.
func ForwardMultipath(ctx context.Context, tr Tracer, target netip.Addr, mc MultipathConfig) (meas.Multipath, error) {
	m, err := tr.Multipath(ctx, mc.request(netip.Addr{}, target.Unmap()))
	if err != nil {
		return meas.Multipath{}, fmt.Errorf("twohost: forward multipath: %w", err)
	}
	return m, nil
}

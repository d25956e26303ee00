package sim

import (
	"context"
	"fmt"

	"github.com/revtr/revtr/mda"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// Multipath runs a multipath traceroute (package mda): flows differ in
// their destination port (UDP, TCP), so per-flow load balancers spread
// them; ICMP probes carry no ports and follow one path. Probes leave
// ProbeGap apart; a silent probe, or one answered after its timeout,
// costs the timeout.
func (n *Network) Multipath(ctx context.Context, req meas.MultipathRequest) (meas.Multipath, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.Multipath{}, fmt.Errorf("sim: %w", err)
	}
	src, err := n.host("multipath", req.Src)
	if err != nil {
		return meas.Multipath{}, err
	}
	clk := n.clock(ctx)
	start, timeout := clk.Elapsed(), n.timeout(req.Timeout)
	end, sent := start, 0
	probe := func(ctx context.Context, f meas.Flow, ttl int) (meas.Hop, error) {
		at := n.sendTime(start, sent)
		sent++
		n.counts.multipath.Add(1)
		p := packet{key: topo.FlowKey{Src: req.Src, Dst: req.Dst, Flow: f}, ttl: ttl}
		r, ok := n.roundTripWithin(&p, src, at, timeout)
		if !ok {
			end = max(end, at+timeout)
			return meas.Hop{TTL: ttl}, nil
		}
		end = max(end, at+r.rtt)
		return meas.Hop{TTL: ttl, Addr: r.from, RTT: r.rtt, Reply: r.kind, Code: r.code}, nil
	}
	res, err := mda.Run(ctx, req, probe)
	clk.Advance(end - start)
	if err != nil {
		return meas.Multipath{}, fmt.Errorf("sim: %w", err)
	}
	return res, nil
}

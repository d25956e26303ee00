package probe

import (
	"context"
	"fmt"

	"github.com/revtr/revtr/mda"
	"github.com/revtr/revtr/meas"
)

// Multipath runs a multipath traceroute with the MDA and Diamond-Miner's
// stopping points (package mda). Flows differ in their identifier — the
// source port for UDP and TCP, the echo checksum for ICMP — so per-flow
// load balancers spread them. Probes go one at a time, as mda asks for
// them, paced by the rate limit; the result counts every probe sent.
func (p *Prober) Multipath(ctx context.Context, req meas.MultipathRequest) (meas.Multipath, error) {
	src, err := p.source("multipath", req.Src, req.Dst)
	if err != nil {
		return meas.Multipath{}, err
	}
	req.Src = src
	probe := func(ctx context.Context, f meas.Flow, ttl int) (meas.Hop, error) {
		r, err := p.Probe(ctx, Probe{Src: src, Dst: req.Dst, Flow: f, TTL: ttl, Timeout: req.Timeout})
		if err != nil {
			return meas.Hop{}, err
		}
		return meas.Hop{TTL: ttl, Addr: r.From, RTT: r.RTT, Reply: r.Reply}, nil
	}
	res, err := mda.Run(ctx, req, probe)
	if err != nil {
		return meas.Multipath{}, fmt.Errorf("probe: multipath %s to %s: %w", src, req.Dst, err)
	}
	return res, nil
}

// Ensure the prober speaks the engine's interfaces.
var (
	_ meas.Prober          = (*Prober)(nil)
	_ meas.MultipathProber = (*Prober)(nil)
	_ meas.Prober          = (*Group)(nil)
	_ meas.MultipathProber = (*Group)(nil)
)

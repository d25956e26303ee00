package probe

import (
	"context"
	"fmt"

	"github.com/revtr/revtr/mda"
	"github.com/revtr/revtr/meas"
)

// Multipath runs a multipath traceroute with the MDA and Diamond-Miner's
// stopping points (package mda). Flows differ in their identifier — the
// destination port for UDP and TCP, the echo checksum for ICMP — so
// per-flow load balancers spread them. Probes go one at a time, as mda
// asks for them, paced by the rate limit; the result counts every probe
// sent.
func (p *Prober) Multipath(ctx context.Context, req meas.MultipathRequest) (meas.Multipath, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.Multipath{}, fmt.Errorf("probe: %w", err)
	}
	if req.Src, err = p.source("multipath", req.Src, req.Dst); err != nil {
		return meas.Multipath{}, err
	}
	probe := func(ctx context.Context, f meas.Flow, ttl int) (meas.Hop, error) {
		r, err := p.Probe(ctx, Probe{Src: req.Src, Dst: req.Dst, Flow: f, TTL: ttl, Timeout: req.Timeout})
		if err != nil {
			return meas.Hop{}, err
		}
		return meas.Hop{TTL: ttl, Addr: r.From, RTT: r.RTT, Reply: r.Reply, Code: r.Code}, nil
	}
	res, err := mda.Run(ctx, req, probe)
	if err != nil {
		return meas.Multipath{}, fmt.Errorf("probe: multipath %s to %s: %w", req.Src, req.Dst, err)
	}
	return res, nil
}

// Ensure the prober speaks the engine's interfaces.
var (
	_ meas.Prober          = (*Prober)(nil)
	_ meas.MultipathTracer = (*Prober)(nil)
	_ meas.RRCapturer      = (*Prober)(nil)
	_ meas.RRSender        = (*Prober)(nil)
	_ meas.Prober          = (*Group)(nil)
	_ meas.MultipathTracer = (*Group)(nil)
)

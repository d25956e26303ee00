package twohost

import (
	"context"
	"fmt"

	"github.com/revtr/revtr/mda"
	"github.com/revtr/revtr/meas"
)

// TwoHostMultipath enumerates the load-balanced paths from the responder
// on req.Dst back to the client: after a presence check, mda drives one
// request per probe, the flows being the responder probes' destination
// ports (ICMP: checksums). The result's Src is the responder, its Dst the
// client, Probes the requests spent, presence checks included.
func (c *Client) TwoHostMultipath(ctx context.Context, req meas.MultipathRequest) (meas.Multipath, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.Multipath{}, fmt.Errorf("twohost: %w", err)
	}
	if req.Src, err = c.sourceFor(req.Src, req.Dst); err != nil {
		return meas.Multipath{}, err
	}
	_, checks, err := c.require(ctx, req.Dst)
	if err != nil {
		return meas.Multipath{Src: req.Dst, Dst: req.Src, Proto: req.Proto, Probes: checks},
			fmt.Errorf("twohost: reverse multipath: %w", err)
	}
	probe := func(ctx context.Context, f meas.Flow, ttl int) (meas.Hop, error) {
		return c.hop(ctx, req.Dst, f, ttl, req.Timeout)
	}
	// The probes go from the responder to the client.
	back := req
	back.Src, back.Dst = req.Dst, c.pathEnd(req.Src, req.Dst)
	m, err := mda.Run(ctx, back, probe)
	if err != nil {
		return meas.Multipath{}, fmt.Errorf("twohost: reverse multipath from %s: %w", req.Dst, err)
	}
	m.Probes += checks
	return m, nil
}

// Ensure the client speaks the measurement vocabulary.
var (
	_ meas.TwoHostTracer          = (*Client)(nil)
	_ meas.TwoHostMultipathTracer = (*Client)(nil)
)

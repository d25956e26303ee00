package twohost

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
)

// Engine lets the reverse traceroute engine ask responders (it implements
// revtr.TwoHost): the engine's hops from a responder get hop type
// revtr.HopTwoHost (20). Clients holds a client per source address, each
// opened in that source's host; Trace tunes the traces (zero: defaults).
type Engine struct {
	Clients map[netip.Addr]*Client
	Trace   TraceConfig
}

// ReversePath measures the path from dst back to src with src's client.
// A destination without a responder, or one that does not answer the
// presence check, gives revtr.ErrNoResponder; a path that does not reach
// src is an error too, so that the engine falls back to its other
// techniques rather than trusting half a path.
func (e Engine) ReversePath(ctx context.Context, src, dst netip.Addr) (revtr.TwoHostPath, error) {
	c, ok := e.Clients[src.Unmap()]
	if !ok {
		return revtr.TwoHostPath{}, fmt.Errorf("twohost: no client for source %s: %w", src, revtr.ErrNoResponder)
	}
	p, err := c.Reverse(ctx, dst, e.Trace)
	switch {
	case errors.Is(err, ErrNoResponder), errors.Is(err, ErrSilent), errors.Is(err, ErrRefused):
		return revtr.TwoHostPath{Probes: p.Probes + 1}, fmt.Errorf("%w: %w", revtr.ErrNoResponder, err)
	case err != nil:
		return revtr.TwoHostPath{}, err
	case p.Stop != meas.StopCompleted:
		return revtr.TwoHostPath{Probes: p.Probes + 1}, fmt.Errorf("twohost: reverse path from %s did not reach %s (%v)", dst, src, p.Stop)
	}
	return revtr.TwoHostPath{Hops: p.Path(), Probes: p.Probes + 1}, nil
}

var _ revtr.TwoHost = Engine{}

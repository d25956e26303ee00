package eval

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

// SimTwoHost stands in for two-host responders (docs/protocols.md §3) on the
// simulator: a host whose role says it runs one answers the presence check
// and traces back to the source from itself, as the responder does, with
// probes of the echo replies' flow; others fail the presence check. (The
// role is what a presence check would tell; the path is measured, not read
// from the truth: silent routers stay silent.)
type SimTwoHost struct {
	Net *sim.Network
}

// ReversePath traces from dst back to src if dst runs a responder.
func (s SimTwoHost) ReversePath(ctx context.Context, src, dst netip.Addr) (revtr.TwoHostPath, error) {
	t := s.Net.Topology()
	ep, ok := t.Owner(dst)
	if !ok || t.Nodes[ep.Node].Kind != topo.Host || !t.Nodes[ep.Node].Role.Responder {
		return revtr.TwoHostPath{Probes: 1}, fmt.Errorf("eval: %v: %w", dst, revtr.ErrNoResponder)
	}
	tr, err := s.Net.Traceroute(ctx, meas.TraceRequest{Src: dst, Dst: src, Flow: meas.Flow{Proto: meas.ICMP}, Attempts: 3, GapLimit: 3})
	if err != nil {
		return revtr.TwoHostPath{}, fmt.Errorf("eval: two-host from %v: %w", dst, err)
	}
	if tr.Stop != meas.StopCompleted {
		return revtr.TwoHostPath{Probes: tr.Probes + 1}, fmt.Errorf("eval: two-host from %v to %v ended %v", dst, src, tr.Stop)
	}
	return revtr.TwoHostPath{Hops: tr.Path(), Probes: tr.Probes + 1}, nil
}

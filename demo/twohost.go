package demo

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/meas"
)

// twoHostDestinations is how many responder destinations the demo traces
// back from.
const twoHostDestinations = 2

// twoHost asks the two-host responders of the first destinations that run
// one for the path back to src, and checks it against the ground truth.
func (s *scenario) twoHost(ctx context.Context, src netip.Addr) error {
	if s.cfg.TwoHost == nil {
		return nil
	}
	fmt.Fprintf(s.w, "\n== two-host reverse traceroutes (responders on the destinations)\n")
	asked := 0
	for _, id := range s.t.Hosts() {
		n := &s.t.Nodes[id]
		if !n.Role.Destination || !n.Role.Responder || asked == twoHostDestinations {
			continue
		}
		asked++
		if err := s.twoHostPath(ctx, src, s.t.HostAddr(id, false)); err != nil {
			return err
		}
	}
	if asked == 0 {
		fmt.Fprintln(s.w, "   no destination runs a responder")
	}
	return nil
}

func (s *scenario) twoHostPath(ctx context.Context, src, dst netip.Addr) error {
	p, err := s.cfg.TwoHost.TwoHostTrace(ctx, meas.TwoHostRequest{Src: src, Dst: dst})
	if errors.Is(err, meas.ErrNoResponder) {
		fmt.Fprintf(s.w, "   %s (%s): no responder\n", dst, s.name(dst))
		return nil
	}
	if err != nil {
		return err
	}
	right, err := s.truth.twoHostMatches(p)
	if err != nil {
		return err
	}
	s.rep.TwoHost++
	if right {
		s.rep.TwoHostRight++
	}
	fmt.Fprintf(s.w, "   %s (%s) back to %s (%s) in %d probes, %s:", dst, s.name(dst), src, s.name(src), p.Probes, verdict(right))
	for _, a := range p.Path() {
		fmt.Fprintf(s.w, " %s", s.name(a))
	}
	fmt.Fprintln(s.w)
	return nil
}

// twoHostMatches reports whether a responder's reverse path reached the
// client along the true path of its probes.
func (g truth) twoHostMatches(p meas.TwoHostTrace) (bool, error) {
	if p.Stop != meas.StopCompleted {
		return false, nil
	}
	return g.traceMatches(p.Trace)
}

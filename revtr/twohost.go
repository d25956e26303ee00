package revtr

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/meas"
)

// twoHost asks the destination's responder, if it has one, for the exact
// reverse path. It reports whether the path reached the source.
func (r *run) twoHost(ctx context.Context) (bool, error) {
	if _, err := r.askResponder(ctx, 0); err != nil {
		return false, err
	}
	return r.reached(), nil
}

// twoHostHop asks the responder of the hop the path has newly reached,
// when the policy allows it, once per hop and run. It reports whether the
// path grew.
func (r *run) twoHostHop(ctx context.Context) (bool, error) {
	i := len(r.path) - 1
	if !r.e.cfg.Policy.TwoHostHops || i == 0 || r.path[i].Candidate {
		return false, nil
	}
	return r.askResponder(ctx, i)
}

// askResponder asks path[i]'s two-host responder for the reverse path from
// it (a meas.TwoHostRequest with every default: ICMP probes, one request
// per TTL) and, when the path it traces reaches the source, puts that path
// after it (type HopTwoHost): the hops after path[i], silent ones left
// out, ending at the source. An address known to run none (a failed
// presence check within the policy's staleness) is not asked again. A
// responder that fails, or a path that stops short of the source, is not
// an error: the other techniques follow.
func (r *run) askResponder(ctx context.Context, i int) (bool, error) {
	th, at := r.e.cfg.TwoHost, r.path[i].Addr
	if th == nil || r.thAsked[at] || r.e.noResponder.has(at, r.res.Date) {
		return false, nil
	}
	if r.thAsked == nil {
		r.thAsked = make(map[netip.Addr]bool)
	}
	r.thAsked[at] = true
	r.round()
	tr, err := th.TwoHostTrace(ctx, meas.TwoHostRequest{Src: r.req.Src, Dst: at})
	if errors.Is(err, meas.ErrNoResponder) {
		r.e.noResponder.mark(at, r.res.Date)
	}
	if spendErr := r.spendAfter(max(tr.Probes, 1), &r.res.Cost.TwoHost); spendErr != nil {
		return false, spendErr
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false, fmt.Errorf("revtr: two-host from %v: %w", at, err)
	case err != nil, tr.Stop != meas.StopCompleted:
		// Half a path is not trusted: the other techniques follow.
		return false, nil
	}
	return r.extend(i, twoHostHops(tr.Path(), r.nextID()))
}

// twoHostHops turns a responder's path into hops revealed by measurement
// id.
func twoHostHops(addrs []netip.Addr, id uint64) []Hop {
	seg := make([]Hop, len(addrs))
	for i, a := range addrs {
		seg[i] = Hop{Addr: a, Type: HopTwoHost, MeasurementID: id}
	}
	return seg
}

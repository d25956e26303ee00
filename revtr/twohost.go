package revtr

import (
	"context"
	"errors"
	"fmt"
)

// twoHost asks the destination's responder, if it has one, for the exact
// reverse path. It reports whether the path reached the source; a
// responder that fails is not an error, the other techniques follow.
func (r *run) twoHost(ctx context.Context) (bool, error) {
	th := r.e.cfg.TwoHost
	if th == nil || r.e.knownNoResponder(r.req.Dst, r.res.Date) {
		return false, nil
	}
	r.round()
	p, err := th.ReversePath(ctx, r.req.Src, r.req.Dst)
	if errors.Is(err, ErrNoResponder) {
		r.e.markNoResponder(r.req.Dst, r.res.Date)
	}
	if spendErr := r.spendAfter(max(p.Probes, 1), &r.res.Cost.TwoHost); spendErr != nil {
		return false, spendErr
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return false, fmt.Errorf("revtr: two-host to %v: %w", r.req.Dst, err)
		}
		return false, nil
	}
	id := r.e.nextID()
	seg := make([]Hop, len(p.Hops))
	for i, a := range p.Hops {
		seg[i] = Hop{Addr: a, Type: HopTwoHost, MeasurementID: id}
	}
	if _, err := r.extend(0, seg); err != nil {
		return false, err
	}
	return r.reached(), nil
}

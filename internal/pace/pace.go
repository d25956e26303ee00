// Package pace waits for the tokens of a rate limit
// (golang.org/x/time/rate) as probers and clients need to: for as long
// as the caller's context and the owner of the limit last, so that
// closing a prober or client ends every wait at once instead of when the
// token would have come.
package pace

import (
	"context"
	"time"

	"golang.org/x/time/rate"
)

// Wait takes one token of lim, waiting until it is due, ctx ends (its
// error) or closed is closed (then closedErr). A wait that ends early
// gives its token back.
func Wait(ctx context.Context, lim *rate.Limiter, closed <-chan struct{}, closedErr error) error {
	select {
	case <-closed:
		return closedErr
	case <-ctx.Done():
		return ctx.Err()
	default:
	}
	r := lim.Reserve()
	d := r.Delay()
	if d == 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	case <-closed:
		r.Cancel()
		return closedErr
	}
}

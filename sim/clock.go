package sim

import (
	"context"
	"sync/atomic"
	"time"
)

// Clock is a virtual clock: a timeline that simulated measurements advance
// by what they would have taken (round-trip times, timeouts of silent probes)
// instead of waiting. The zero value stands at the Unix epoch. A Clock is
// safe for concurrent use; measurements sharing one run one after the other
// in virtual time.
type Clock struct {
	elapsed atomic.Int64 // nanoseconds since the epoch
}

// Now returns the virtual time.
func (c *Clock) Now() time.Time { return time.Unix(0, c.elapsed.Load()) }

// Elapsed returns the virtual time as a duration since the epoch.
func (c *Clock) Elapsed() time.Duration { return time.Duration(c.elapsed.Load()) }

// Advance moves the clock forward by d (negative d is ignored) and returns
// the new virtual time as a duration since the epoch.
func (c *Clock) Advance(d time.Duration) time.Duration {
	if d < 0 {
		d = 0
	}
	return time.Duration(c.elapsed.Add(int64(d)))
}

type clockKey struct{}

// WithClock returns a context whose measurements run on the timeline c
// instead of the Network's own clock. Give every concurrent task (say, one
// reverse traceroute) its own Clock started at the same time, and the tasks
// run in parallel in virtual time, as they would against a real network:
// each one's elapsed virtual time is its own runtime, while routers' rate
// limits see the probes of all of them.
func WithClock(ctx context.Context, c *Clock) context.Context {
	return context.WithValue(ctx, clockKey{}, c)
}

// clock returns the timeline a measurement under ctx runs on.
func (n *Network) clock(ctx context.Context) *Clock {
	if c, ok := ctx.Value(clockKey{}).(*Clock); ok && c != nil {
		return c
	}
	return &n.Clock
}

// AdvanceTo moves the clock forward to t if it is behind t, and returns the
// virtual time as a duration since the epoch.
func (c *Clock) AdvanceTo(t time.Duration) time.Duration {
	for {
		cur := c.elapsed.Load()
		if cur >= int64(t) {
			return time.Duration(cur)
		}
		if c.elapsed.CompareAndSwap(cur, int64(t)) {
			return t
		}
	}
}

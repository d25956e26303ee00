package eval

import (
	"context"
	"time"

	"github.com/revtr/revtr/sim"
)

// VirtualClock is the engine's clock on the simulator: each reverse
// traceroute runs on its own sim.Clock, carried by its context (see
// Timeline), so that its runtime is the virtual time its probes took, and
// probes the engine sends in parallel run on branches of it.
type VirtualClock struct {
	// Epoch is the wall time the timelines' zero stands for.
	Epoch time.Time
}

type timelineKey struct{}

// Timeline returns a context whose measurements run on a new timeline
// starting at at (a duration since the clock's epoch).
func Timeline(ctx context.Context, at time.Duration) context.Context {
	c := new(sim.Clock)
	c.AdvanceTo(at)
	return withClock(ctx, c)
}

func withClock(ctx context.Context, c *sim.Clock) context.Context {
	return sim.WithClock(context.WithValue(ctx, timelineKey{}, c), c)
}

func timeline(ctx context.Context) *sim.Clock {
	c, _ := ctx.Value(timelineKey{}).(*sim.Clock)
	return c
}

// Now returns the epoch plus the context's timeline.
func (v VirtualClock) Now(ctx context.Context) time.Time {
	if c := timeline(ctx); c != nil {
		return v.Epoch.Add(c.Elapsed())
	}
	return v.Epoch
}

// Branch forks the context's timeline; the join advances it to the
// branch's end if that is later.
func (v VirtualClock) Branch(ctx context.Context) (context.Context, func()) {
	parent := timeline(ctx)
	if parent == nil {
		return ctx, func() {}
	}
	b := new(sim.Clock)
	b.AdvanceTo(parent.Elapsed())
	return withClock(ctx, b), func() { parent.AdvanceTo(b.Elapsed()) }
}

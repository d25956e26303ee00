package eval

import (
	"context"
	"time"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/sim"
)

// Clock is the time an evaluation runs on: the engine's clock, and where
// each measurement starts. On the simulator it is virtual (VirtualClock:
// every reverse traceroute on its own timeline, runtimes are what the
// probes would have taken); in the lab it is the wall clock (RealClock:
// runtimes are wall time, and since lab RTTs are microseconds, the
// report's sequential probe rounds are what predicts runtime on the
// Internet).
type Clock interface {
	revtr.Clock
	// Start returns the context a measurement starting at offset at
	// (since the evaluation's zero) runs in.
	Start(ctx context.Context, at time.Duration) context.Context
}

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

// Start is Timeline: a new timeline starting at at.
func (VirtualClock) Start(ctx context.Context, at time.Duration) context.Context {
	return Timeline(ctx, at)
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

// WaitUntil moves the context's timeline on to t, if it is behind: a
// reverse traceroute waiting for a measurement in flight (revtr.Waiter).
func (v VirtualClock) WaitUntil(ctx context.Context, t time.Time) {
	if c := timeline(ctx); c != nil {
		c.AdvanceTo(t.Sub(v.Epoch))
	}
}

// RealClock is the wall clock, for real probers (the lab): measurements
// start when they are run, as fast as the workers take them.
type RealClock struct{ revtr.WallClock }

// Start returns ctx: real measurements need no timeline.
func (RealClock) Start(ctx context.Context, _ time.Duration) context.Context { return ctx }

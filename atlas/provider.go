package atlas

import (
	"context"
	"fmt"
	"net/netip"

	"golang.org/x/sync/errgroup"

	"github.com/revtr/revtr/meas"
)

// Provider measures what an atlas is made of. Our own probers
// (ProberProvider) are the default; RIPE Atlas (atlas/ripe.Provider) fits
// the same interface (traceroute measurements toward the source, results
// fetched back).
type Provider interface {
	// TracesToward returns traceroutes from vantage points toward src.
	TracesToward(ctx context.Context, src netip.Addr, vps []netip.Addr) ([]meas.Trace, error)
	// RecordRoutes returns a Record Route ping from src to every target.
	RecordRoutes(ctx context.Context, src netip.Addr, targets []netip.Addr) ([]meas.RRPing, error)
}

// ProberProvider measures with a meas.Prober that can send from the
// vantage points and the source (an agent fleet, the lab or the
// simulator), Parallel measurements at a time.
type ProberProvider struct {
	Prober   meas.Prober
	Flow     meas.Flow // traceroute flow; zero means ICMP echo, like the replies
	Parallel int       // 0 means 8
}

func (p ProberProvider) limit() int {
	if p.Parallel > 0 {
		return p.Parallel
	}
	return 8
}

// TracesToward runs one Paris traceroute from every vantage point to src.
func (p ProberProvider) TracesToward(ctx context.Context, src netip.Addr, vps []netip.Addr) ([]meas.Trace, error) {
	flow := p.Flow
	if flow.Proto == 0 {
		flow.Proto = meas.ICMP
	}
	out := make([]meas.Trace, len(vps))
	err := p.each(ctx, len(vps), func(ctx context.Context, i int) error {
		tr, err := p.Prober.Traceroute(ctx, meas.TraceRequest{Src: vps[i], Dst: src, Flow: flow})
		if err != nil {
			return fmt.Errorf("atlas: traceroute %v to %v: %w", vps[i], src, err)
		}
		out[i] = tr
		return nil
	})
	return out, err
}

// RecordRoutes sends one Record Route ping from src to every target.
func (p ProberProvider) RecordRoutes(ctx context.Context, src netip.Addr, targets []netip.Addr) ([]meas.RRPing, error) {
	out := make([]meas.RRPing, len(targets))
	err := p.each(ctx, len(targets), func(ctx context.Context, i int) error {
		rr, err := p.Prober.RecordRoute(ctx, meas.RRRequest{Src: src, Dst: targets[i]})
		if err != nil {
			return fmt.Errorf("atlas: record route %v to %v: %w", src, targets[i], err)
		}
		out[i] = rr
		return nil
	})
	return out, err
}

// each runs f for i < n, at most limit at a time, and returns the first
// error.
func (p ProberProvider) each(ctx context.Context, n int, f func(context.Context, int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(p.limit())
	for i := range n {
		g.Go(func() error { return f(ctx, i) })
	}
	return g.Wait()
}

package eval

import (
	"context"
	"fmt"
	"net/netip"

	"golang.org/x/sync/errgroup"

	"github.com/revtr/revtr/atlas"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr/vpsel"
	"github.com/revtr/revtr/topo"
)

// onboard runs the spoofing test of every vantage point: a Record Route
// ping spoofed as the first source, to another host (spoofTarget), must
// come back to the source. (Not to the source itself: Linux drops packets
// arriving with one of its own addresses as source.) Vantage points that
// fail it still measure the atlas but do not spoof.
func (w *World) onboard(ctx context.Context) error {
	if len(w.Sources) == 0 {
		return fmt.Errorf("eval: topology has no source: %w", ErrConfig)
	}
	s := w.Sources[0]
	ok := make([]bool, len(w.VPs))
	err := w.each(ctx, len(w.VPs), func(ctx context.Context, i int) error {
		dst, found := w.spoofTarget(i)
		if !found {
			return nil
		}
		rr, err := w.Prober.RecordRoute(w.Clock.Start(ctx, 0), meas.RRRequest{Src: s, Dst: dst, Sender: w.VPs[i]})
		if err != nil {
			return fmt.Errorf("eval: spoofing test of %v: %w", w.VPs[i], err)
		}
		ok[i] = rr.Replied
		return nil
	})
	for i, vp := range w.VPs {
		if ok[i] {
			w.Spoofers = append(w.Spoofers, vp)
		}
	}
	return err
}

// spoofTarget is the host vantage point i's spoofing test probes: the next
// vantage point, else another source; found is false when there is none
// (a lone vantage point is not tested and does not spoof).
func (w *World) spoofTarget(i int) (dst netip.Addr, found bool) {
	if len(w.VPs) > 1 {
		return w.VPs[(i+1)%len(w.VPs)], true
	}
	if len(w.Sources) > 1 {
		return w.Sources[1], true
	}
	return netip.Addr{}, false
}

// buildAtlas measures the atlas toward every source, at the clock's zero.
func (w *World) buildAtlas(ctx context.Context) error {
	p := atlas.ProberProvider{Prober: w.Prober, Parallel: w.parallel}
	for _, s := range w.Sources {
		ctx := w.Clock.Start(ctx, 0)
		paths, cost, err := atlas.Build(ctx, p, s, w.VPs, w.Clock.Now(ctx), func() uint64 { return w.ids.Add(1) })
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		w.Atlas.Set(s, paths)
		w.Paths = append(w.Paths, paths...)
		w.AtlasCost.Traces += cost.Traces
		w.AtlasCost.TraceProbes += cost.TraceProbes
		w.AtlasCost.RRPings += cost.RRPings
	}
	return nil
}

// survey runs the reference's Record Route survey: one responsive address
// per announced prefix (a destination if the prefix has one, else an atlas
// hop), from every vantage point.
func (w *World) survey(ctx context.Context) error {
	targets := w.surveyTargets()
	out := make([]vpsel.SurveyProbe, len(targets)*len(w.VPs))
	ctx = w.Clock.Start(ctx, 0)
	err := w.each(ctx, len(out), func(ctx context.Context, i int) error {
		t, vp := targets[i/len(w.VPs)], w.VPs[i%len(w.VPs)]
		rr, err := w.Prober.RecordRoute(ctx, meas.RRRequest{Src: vp, Dst: t})
		if err != nil {
			return fmt.Errorf("eval: survey %v from %v: %w", t, vp, err)
		}
		out[i] = vpsel.SurveyOne(rr, w.ASMap.Prefix)
		return nil
	})
	w.Survey = out
	return err
}

// surveyTargets picks the survey's address per prefix.
func (w *World) surveyTargets() []netip.Addr {
	per := make(map[netip.Prefix]netip.Addr)
	var order []netip.Prefix
	add := func(a netip.Addr) {
		p := w.ASMap.Prefix(a)
		if _, ok := per[p]; !ok {
			per[p] = a
			order = append(order, p)
		}
	}
	for _, a := range w.Targets {
		if ep, ok := w.Topo.Owner(a); ok && w.Topo.Nodes[ep.Node].Kind == topo.Host {
			add(a)
		}
	}
	for _, p := range w.Paths {
		for _, a := range p.Hops {
			if a.IsValid() {
				add(a)
			}
		}
	}
	targets := make([]netip.Addr, len(order))
	for i, p := range order {
		targets[i] = per[p]
	}
	return targets
}

// each runs f(ctx, i) for i < n, the world's parallelism at a time (in
// order when it is 1), and returns the first error.
func (w *World) each(ctx context.Context, n int, f func(context.Context, int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(w.parallel)
	for i := range n {
		g.Go(func() error { return f(ctx, i) })
	}
	return g.Wait()
}

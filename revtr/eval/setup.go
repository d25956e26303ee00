package eval

import (
	"context"
	"fmt"
	"net/netip"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/revtr/revtr/atlas"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr/vpsel"
	"github.com/revtr/revtr/topo"
)

// spoofTries is how many targets a vantage point's spoofing test tries
// before it fails: one target's path may cross a router that drops options.
const spoofTries = 3

// onboard runs the spoofing test of every vantage point: a Record Route
// ping spoofed as a source must come back to the source from one of up
// to spoofTries other hosts that answer the source's own Record Route
// ping (not the source itself: Linux drops packets arriving with its own
// address as source). The source is vpsel.SpoofTestSource's, as in the
// controller's onboarding. Vantage points that fail it still measure the
// atlas but do not spoof.
func (w *World) onboard(ctx context.Context) error {
	if len(w.Sources) == 0 {
		return fmt.Errorf("eval: topology has no source: %w", ErrConfig)
	}
	s, targets, err := vpsel.SpoofTestSource(w.Sources, spoofTries, func(src netip.Addr) ([]netip.Addr, error) {
		others := slices.DeleteFunc(append(slices.Clone(w.VPs), w.Sources...), func(a netip.Addr) bool { return a == src })
		w.SpoofProbes += len(others)
		return w.answering(ctx, src, others)
	})
	if err != nil {
		return err
	}
	ok := make([]bool, len(w.VPs))
	sent := make([]int, len(w.VPs))
	err = w.each(ctx, len(w.VPs), func(ctx context.Context, i int) error {
		var err error
		ok[i], sent[i], err = w.spoofTest(ctx, s, w.VPs[i], targets)
		return err
	})
	for _, n := range sent {
		w.SpoofProbes += n
	}
	for i, vp := range w.VPs {
		if ok[i] {
			w.Spoofers = append(w.Spoofers, vp)
		}
	}
	return err
}

// answering returns the hosts among cands that answer a Record Route ping
// from s, in order.
func (w *World) answering(ctx context.Context, s netip.Addr, cands []netip.Addr) ([]netip.Addr, error) {
	ok := make([]bool, len(cands))
	err := w.each(ctx, len(cands), func(ctx context.Context, i int) error {
		rr, err := w.Prober.RecordRoute(w.Clock.Start(ctx, 0), meas.RRRequest{Src: s, Dst: cands[i]})
		ok[i] = rr.Replied
		if err != nil {
			return fmt.Errorf("eval: spoofing test target %v: %w", cands[i], err)
		}
		return nil
	})
	var out []netip.Addr
	for i, a := range cands {
		if ok[i] && a != s {
			out = append(out, a)
		}
	}
	return out, err
}

// spoofTest sends vp's spoofed probes, as s, to up to spoofTries targets
// (the ones after vp in the list first, so that the load spreads), and
// reports whether one came back and how many it sent.
func (w *World) spoofTest(ctx context.Context, s, vp netip.Addr, targets []netip.Addr) (ok bool, sent int, err error) {
	start := slices.Index(targets, vp) + 1
	for k := 0; k < len(targets) && sent < spoofTries; k++ {
		dst := targets[(start+k)%len(targets)]
		if dst == vp {
			continue
		}
		sent++
		rr, err := w.Prober.RecordRoute(w.Clock.Start(ctx, 0), meas.RRRequest{Src: s, Dst: dst, Sender: vp})
		if err != nil {
			return false, sent, fmt.Errorf("eval: spoofing test of %v: %w", vp, err)
		}
		if rr.Replied {
			return true, sent, nil
		}
	}
	return false, sent, nil
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

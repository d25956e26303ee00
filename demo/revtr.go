package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/eval"
)

// reverseTraceroutes builds what a deployment knows (the vantage points'
// spoofing test, the atlas toward every source), then runs the engine's
// default policy on a few (source, destination) pairs, printing each
// reverse path with the technique that revealed every hop, scored against
// the ground truth.
func (s *scenario) reverseTraceroutes(ctx context.Context) error {
	if s.cfg.Revtrs < 0 {
		return nil
	}
	wc := eval.Config{Topology: s.t}
	if !s.cfg.Simulated {
		wc.Prober = s.cfg.Prober
	}
	w, err := eval.NewWorld(ctx, wc)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.w, "\n== reverse traceroutes (engine, default policy): atlas of %d traceroutes toward %d sources, %d of %d vantage points may spoof\n",
		len(w.Paths), len(w.Sources), len(w.Spoofers), len(w.VPs))
	eng, _, err := w.Engine("default", nil, false, 1)
	if err != nil {
		return err
	}
	for i, p := range w.Pairs(s.t.Seed, s.cfg.Revtrs) {
		// Each run starts a second after the previous one, on the world's
		// clock: virtual on the simulator, the wall clock in the lab.
		run := w.Clock.Start(ctx, time.Duration(i)*time.Second)
		res, err := eng.Run(run, revtr.Request{Src: p.Src, Dst: p.Dst, Label: "demo"})
		if err != nil {
			return err
		}
		if err := s.showRevtr(res); err != nil {
			return err
		}
	}
	return nil
}

// showRevtr prints one reverse traceroute like traceroute, with hop types,
// and its score against the ground truth.
func (s *scenario) showRevtr(res revtr.Result) error {
	s.rep.Revtrs++
	fmt.Fprintf(s.w, "\n%s (%s) back to %s (%s): %s", res.Dst, s.name(res.Dst), res.Src, s.name(res.Src), res.Stop)
	if res.Stop != revtr.Reaches {
		fmt.Fprintf(s.w, " (%s)\n", res.Fail)
		return nil
	}
	s.rep.RevtrsReached++
	sc, err := eval.ScoreResult(s.t, res)
	if err != nil {
		return err
	}
	verdict := fmt.Sprintf("%d of %d hops not on the true path", sc.Wrong, sc.Hops)
	switch {
	case sc.Exact:
		s.rep.RevtrsExact++
		s.rep.RevtrsConsistent++
		verdict = "exactly the true path"
	case sc.Consistent:
		s.rep.RevtrsConsistent++
		verdict = fmt.Sprintf("every hop on the true path, in order (%d of its %d routers seen)", sc.FoundHops, sc.TruthHops)
	}
	fmt.Fprintf(s.w, " in %d probes, %d rounds, %s; %s, AS level: %s\n",
		res.Cost.Probes(), res.Cost.Rounds, res.Runtime.Round(time.Millisecond), verdict, sc.AS)
	for i, h := range res.Hops {
		mark := ""
		if h.Candidate {
			mark = " (candidate)"
		}
		fmt.Fprintf(s.w, "  %2d  %-16s %-6s %s%s\n", i, h.Addr, s.name(h.Addr), h.Type, mark)
	}
	return nil
}

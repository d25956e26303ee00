package eval_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/topo"
)

// TestEvalLab runs the evaluation in a lab — a generated demo Internet
// (seed 1: 30 ASes, 112 routers, 10 vantage points) in network
// namespaces, real kernels forwarding and answering, probers at 2,000
// packets/s with a 250 ms timeout — for both policies on every (source,
// destination) pair, routers included; then on the simulator over the same
// topology and pairs. It holds the lab to floors set from what was
// measured (in brackets) and requires the two to agree.
func TestEvalLab(t *testing.T) {
	labtest.NeedRoot(t)
	tp, err := topo.Generate(1, topo.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	l := labtest.Up(t, tp)
	cfg := eval.Config{Topology: tp, Seed: 1, RouterTargets: true, Revtrs: labRevtrs, Workers: 4}
	start := time.Now()
	lab, err := eval.RunLab(context.Background(), l, cfg, eval.LabProbe())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("lab evaluation took %v", time.Since(start))
	cfg.Workers = 1
	sim, err := eval.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	logReport(t, lab)
	logReport(t, sim)
	if lab.ASes < 30 || lab.Routers < 100 || lab.VPs < 8 {
		t.Fatalf("%d ASes, %d routers, %d vantage points: too small", lab.ASes, lab.Routers, lab.VPs)
	}
	labFloors(t, lab)
	for i := range lab.Policies {
		agree(t, lab.Policies[i], sim.Policies[i])
	}
}

// labRevtrs is how many reverse traceroutes each policy runs (0: every
// pair once).
const labRevtrs = 0

func logReport(t *testing.T, r *eval.Report) {
	t.Helper()
	var b strings.Builder
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
}

// labFloors holds each policy to floors and ours to the reference.
func labFloors(t *testing.T, r *eval.Report) {
	t.Helper()
	const seed = 1
	for _, s := range r.Policies {
		floor(t, seed, "lab "+s.Policy, "coverage", s.Coverage(), 0.97, true)                         // [0.987]
		floor(t, seed, "lab "+s.Policy, "router-level exact", s.ExactShare(), 0.40, true)             // [0.426]
		floor(t, seed, "lab "+s.Policy, "all ASes present", s.ASShare(eval.ASAllPresent), 0.78, true) // [0.809]
		floor(t, seed, "lab "+s.Policy, "hops wrong", s.WrongShare(), 0.025, false)                   // [0.021]
		floor(t, seed, "lab "+s.Policy, "probes per revtr", s.ProbesPerRevtr(), 12.5, false)          // [11.33]
	}
	ours, ref := r.Policies[0], r.Policies[1]
	floor(t, seed, "lab ours/ref", "probes to find the path", float64(ours.Cost.Measure())/float64(ref.Cost.Measure()), 0.85, false) // [0.79]
	floor(t, seed, "lab ours/ref", "probes", ours.ProbesPerRevtr()/ref.ProbesPerRevtr(), 0.96, false)                                // [0.92]
}

// agree requires the lab and the simulator to agree on one policy's
// figures: coverage and accuracy within a percentage point, Record Route
// probes (plain and spoofed) and rounds within 3% (measured: equal; the
// margins allow for replies later than the timeout on a loaded machine). Traceroute probes
// are not compared: the lab's prober keeps a window of TTLs in flight and
// counts those sent past the destination, the simulator does not.
func agree(t *testing.T, lab, sim eval.Summary) {
	t.Helper()
	near := func(what string, a, b, tol float64) {
		if math.Abs(a-b) > tol {
			t.Errorf("%s: %s lab %.4f, sim %.4f: differ by more than %.3f", lab.Policy, what, a, b, tol)
		}
	}
	near("coverage", lab.Coverage(), sim.Coverage(), 0.01)
	near("router-level exact", lab.ExactShare(), sim.ExactShare(), 0.01)
	near("hops wrong", lab.WrongShare(), sim.WrongShare(), 0.01)
	near("all ASes present", lab.ASShare(eval.ASAllPresent), sim.ASShare(eval.ASAllPresent), 0.01)
	rel := func(what string, a, b int) {
		near(what+" (relative)", float64(a)/float64(max(b, 1)), 1, 0.03)
	}
	rel("RR probes", lab.Cost.RR+lab.Cost.SpoofedRR, sim.Cost.RR+sim.Cost.SpoofedRR)
	rel("rounds", lab.Cost.Rounds, sim.Cost.Rounds)
}

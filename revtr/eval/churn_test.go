package eval_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/topo"
)

// churnRun runs our policy alone on the demo Internet of seed 5 (router
// targets), n reverse traceroutes spread over 30 simulated hours.
func churnRun(t *testing.T, n int, churn float64, reuse time.Duration) eval.Summary {
	t.Helper()
	cfg := eval.Config{Seed: 5, Params: topo.DefaultParams(), RouterTargets: true, Policies: []string{revtr.PolicyDefault},
		Revtrs: n, Churn: churn, PerHour: float64(n) / 30}
	if reuse > 0 {
		cfg.Tune = func(p *revtr.Policy) { p.ReusePaths = reuse }
	}
	rep, err := eval.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Policies[0]
	s.Wall, s.ProberWall = 0, 0 // wall times differ from run to run
	return s
}

// TestChurn holds the route-churn experiment of docs/eval.md to what it
// showed, on a short run: at 8 link-cost changes per hour, with reuse
// unbounded, reverse paths older than the default staleness are reused,
// and hops taken from earlier measurements (reverse paths and the atlas)
// are wrong more often the older they are; with the default staleness no
// reused reverse path is older than it; and churn too slow to change
// anything in the run changes no figure.
func TestChurn(t *testing.T) {
	n := 2000
	if raceEnabled {
		n = 800
	}
	stale := revtr.DefaultPolicy().ReusePaths
	free := churnRun(t, n, 8, 100*time.Hour)
	if free.AgeMax[eval.AgePathAtlas] <= stale {
		t.Errorf("reuse unbounded: oldest reused path %v, want older than %v (else the next check proves nothing)",
			free.AgeMax[eval.AgePathAtlas], stale)
	}
	bounded := churnRun(t, n, 8, 0)
	if got := bounded.AgeMax[eval.AgePathAtlas]; got > stale {
		t.Errorf("default staleness %v: reused a path %v old", stale, got)
	}
	// Wrong share of reused hops of every kind, under 1 h, 1–4 h, over 4 h.
	var hops, wrong [3]int
	for k := range []eval.AgeKind{eval.AgePathAtlas, eval.AgeTrace, eval.AgeRRAtlas} {
		for b := range len(eval.AgeBucketNames) {
			g := min(max(b-2, 0), 2)
			hops[g] += free.AgeHops[k][b]
			wrong[g] += free.AgeWrong[k][b]
		}
	}
	var share [3]float64
	for g := range share {
		if hops[g] < 100 {
			t.Fatalf("age group %d: %d reused hops, too few to judge", g, hops[g])
		}
		share[g] = float64(wrong[g]) / float64(hops[g])
	}
	t.Logf("reused hops wrong: <1h %.3f (%d), 1-4h %.3f (%d), >4h %.3f (%d)", share[0], hops[0], share[1], hops[1], share[2], hops[2])
	if !(share[0] < share[1] && share[1] < share[2] && share[2] >= 2*share[0]) {
		t.Errorf("reused hops do not grow wrong with age: %v", share)
	}
	still := churnRun(t, n/4, 0, 0)
	if slow := churnRun(t, n/4, 1e-9, 0); !reflect.DeepEqual(still, slow) {
		t.Errorf("churn that changes nothing changed the figures: coverage %.3f, %.3f; wrong %.3f, %.3f; probes %d, %d",
			still.Coverage(), slow.Coverage(), still.WrongShare(), slow.WrongShare(), still.Cost.Probes(), slow.Cost.Probes())
	}
}

package topo_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/revtr/revtr/topo"
)

func TestChurnRefusesBadRates(t *testing.T) {
	tp, err := topo.Generate(1, topo.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := topo.NewChurn(tp, 1, r); !errors.Is(err, topo.ErrChurn) {
			t.Errorf("rate %g: got %v, want ErrChurn", r, err)
		}
	}
	if _, err := topo.NewChurn(nil, 1, 1); !errors.Is(err, topo.ErrChurn) {
		t.Errorf("nil topology: got %v, want ErrChurn", err)
	}
}

// TestChurn holds route churn to its contract on a generated Internet:
// no change at rate 0; at 20 changes per hour, about 200 in 10 hours
// (Poisson: 200 ± 3σ), epochs that only grow with time, the same
// sequence from the same seed whatever the order of questions, another
// from another seed, and epochs that are valid topologies whose routes
// differ from the original's.
func TestChurn(t *testing.T) {
	tp, err := topo.Generate(1, topo.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	off, err := topo.NewChurn(tp, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if k := off.Epoch(1000 * time.Hour); k != 0 || off.Topology(k) != tp {
		t.Fatalf("rate 0: epoch %d", k)
	}
	a, _ := topo.NewChurn(tp, 1, 20)
	b, _ := topo.NewChurn(tp, 1, 20)
	other, _ := topo.NewChurn(tp, 2, 20)
	k := b.Epoch(10 * time.Hour) // b asked the late time first
	if k < 158 || k > 242 {
		t.Errorf("20/h over 10 h: %d changes", k)
	}
	prev := 0
	for m := time.Duration(0); m <= 10*time.Hour; m += 7 * time.Minute {
		e := a.Epoch(m)
		if e < prev {
			t.Fatalf("epoch went back from %d to %d at %v", prev, e, m)
		}
		prev = e
		if e != b.Epoch(m) {
			t.Fatalf("same seed, epochs %d and %d at %v", e, b.Epoch(m), m)
		}
	}
	if a.Epoch(10*time.Hour) != k {
		t.Fatalf("epoch at 10 h: %d then %d", k, a.Epoch(10*time.Hour))
	}
	late, lateB := a.Topology(k), b.Topology(k)
	if err := late.Validate(); err != nil {
		t.Fatalf("epoch %d: %v", k, err)
	}
	changed := 0
	for i := range tp.Nodes {
		if !slices.EqualFunc(tp.Nodes[i].Routes, late.Nodes[i].Routes, equalRoute) {
			changed++
		}
		if !slices.EqualFunc(late.Nodes[i].Routes, lateB.Nodes[i].Routes, equalRoute) {
			t.Fatalf("same seed, epoch %d: %s's routes differ", k, tp.Nodes[i].Name)
		}
	}
	if changed*4 < len(tp.Nodes) {
		t.Errorf("after %d changes only %d of %d nodes' routes changed", k, changed, len(tp.Nodes))
	}
	if other.Epoch(10*time.Hour) == k && sameRoutes(other.Topology(k), late) {
		t.Error("seeds 1 and 2 made the same churn")
	}
	t.Logf("%d changes in 10 h; %d of %d nodes' routes changed", k, changed, len(tp.Nodes))
}

func equalRoute(a, b topo.Route) bool { return a.Dst == b.Dst && slices.Equal(a.NextHops, b.NextHops) }

func sameRoutes(a, b *topo.Topology) bool {
	for i := range a.Nodes {
		if !slices.EqualFunc(a.Nodes[i].Routes, b.Nodes[i].Routes, equalRoute) {
			return false
		}
	}
	return true
}

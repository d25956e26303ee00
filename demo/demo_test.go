package demo_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/revtr/revtr/demo"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

// TestDemoOnSimulator runs the demo scenario on the default Internet in
// memory: every answer must agree with the ground truth.
func TestDemoOnSimulator(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		tp, err := topo.Generate(seed, topo.DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		n, err := sim.New(tp, sim.Config{})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		rep, err := demo.Run(context.Background(), demo.Config{
			Topology: tp, Prober: n, Out: &out, Simulated: true, TwoHost: n})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if rep.Traces == 0 || rep.TracesRight != rep.Traces {
			t.Errorf("seed %d: %d of %d traceroutes equal the ground truth\n%s", seed, rep.TracesRight, rep.Traces, &out)
		}
		if rep.RRChecked == 0 || rep.RRRight != rep.RRChecked {
			t.Errorf("seed %d: %d of %d RR answers equal the ground truth\n%s", seed, rep.RRRight, rep.RRChecked, &out)
		}
		t.Logf("seed %d: %d reverse traceroutes, %d reached the source, %d without a wrong hop, %d exact",
			seed, rep.Revtrs, rep.RevtrsReached, rep.RevtrsConsistent, rep.RevtrsExact)
		// Floors from what the engine achieves on these seeds (6/6 reach,
		// at most one run with a wrong hop).
		if rep.Revtrs != 6 || rep.RevtrsReached < 5 || rep.RevtrsConsistent < rep.RevtrsReached-1 {
			t.Errorf("seed %d: reverse traceroutes %d, reached %d, without a wrong hop %d\n%s",
				seed, rep.Revtrs, rep.RevtrsReached, rep.RevtrsConsistent, &out)
		}
		if rep.TwoHost == 0 || rep.TwoHostRight != rep.TwoHost {
			t.Errorf("seed %d: %d of %d two-host reverse paths equal the ground truth\n%s", seed, rep.TwoHostRight, rep.TwoHost, &out)
		}
		if !strings.Contains(out.String(), "== summary") {
			t.Errorf("seed %d: no summary in the output", seed)
		}
	}
}

func TestDemoNeedsHosts(t *testing.T) {
	tp, err := topotest.Diamond()
	if err != nil {
		t.Fatal(err)
	}
	for i := range tp.Nodes {
		tp.Nodes[i].Role.Destination = false
	}
	n, err := sim.New(tp, sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = demo.Run(context.Background(), demo.Config{Topology: tp, Prober: n, Out: &bytes.Buffer{}})
	if !errors.Is(err, demo.ErrNoHosts) {
		t.Fatalf("Run on a topology without destinations = %v, want ErrNoHosts", err)
	}
}

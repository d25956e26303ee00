package eval_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/topo"
)

// TestEvalLab runs the evaluation in a lab: a generated demo Internet in
// network namespaces, real kernels forwarding and answering, both
// policies on the same pairs; then the simulator on the same topology.
func TestEvalLab(t *testing.T) {
	labtest.NeedRoot(t)
	tp, err := topo.Generate(1, topo.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	l := labtest.Up(t, tp)
	cfg := eval.Config{Topology: tp, Seed: 1, RouterTargets: true, Revtrs: 300, Workers: 4}
	start := time.Now()
	lrep, err := eval.RunLab(context.Background(), l, cfg, eval.LabProbe())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("lab evaluation took %v", time.Since(start))
	cfg.Workers = 1
	srep, err := eval.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*eval.Report{lrep, srep} {
		var b strings.Builder
		if err := r.Write(&b); err != nil {
			t.Fatal(err)
		}
		t.Log("\n" + b.String())
	}
}

package eval_test

import (
	"context"
	"strings"
	"testing"

	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/topo"
)

func TestEvalDefault(t *testing.T) {
	cfg := eval.Config{Seed: 1, Params: topo.DefaultParams(), RouterTargets: true}
	rep, err := eval.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := rep.Write(&b); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
}

func TestEvalLarge(t *testing.T) {
	cfg := eval.Config{Seed: 1, Params: topo.SizedParams(1000), RouterTargets: true, Revtrs: 20000, Workers: 2}
	rep, err := eval.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := rep.Write(&b); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
}

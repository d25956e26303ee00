package eval_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/topo"
)

func envInt(k string, d int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return d
}

func TestExp(t *testing.T) {
	if os.Getenv("EXP") == "" {
		t.Skip()
	}
	p := topo.SizedParams(envInt("EXP_ROUTERS", 1000))
	p.VantagePoints = envInt("EXP_VPS", 10)
	p.Sources = envInt("EXP_SRCS", 2)
	cfg := eval.Config{Seed: int64(envInt("EXP_SEED", 1)), Params: p, RouterTargets: true, Revtrs: envInt("EXP_N", 20000), Workers: 2}
	if b := os.Getenv("EXP_BATCHES"); b != "" {
		var bs []int
		for _, f := range strings.Split(b, ",") {
			n, _ := strconv.Atoi(f)
			bs = append(bs, n)
		}
		cfg.Tune = func(p *revtr.Policy) {
			p.Batches = bs
			p.AllSegmentHops = os.Getenv("EXP_LASTONLY") == ""
		}
	}
	if os.Getenv("EXP_INTER") != "" {
		cfg.Tune = func(p *revtr.Policy) { p.RefuseInterdomainSymmetry = false }
	}
	if minSeg >= 0 {
		old := cfg.Tune
		cfg.Tune = func(p *revtr.Policy) {
			if old != nil {
				old(p)
			}
			p.MinSegment = minSeg
		}
	}
	rep, err := eval.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.Write(&b)
	t.Log("\n" + b.String())
}

func init() {
	if v := os.Getenv("EXP_MINSEG"); v != "" {
		n, _ := strconv.Atoi(v)
		minSeg = n
	}
}

var minSeg = -1

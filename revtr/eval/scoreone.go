package eval

import (
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/topo"
)

// ScoreResult compares one reverse traceroute that reached its source with
// tp's ground truth, as the evaluation scores every run.
func ScoreResult(tp *topo.Topology, res revtr.Result) (Score, error) {
	return score(tp, res, nil)
}

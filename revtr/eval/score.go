package eval

import (
	"slices"
	"time"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/topo"
)

// ASCategory is the paper's AS-level comparison of a measured reverse path
// with the true one.
type ASCategory uint8

// AS-level categories.
const (
	ASAllPresent ASCategory = iota // the same AS path
	ASMissingOne                   // the true AS path with exactly one AS missing
	ASDiscrepant                   // anything else
)

var asCatNames = [...]string{"all ASes present", "missing one AS", "discrepant"}

// String names the category.
func (c ASCategory) String() string { return asCatNames[c] }

// maxType bounds hop type numbers for per-type arrays.
const maxType = 32

// Score compares one reverse traceroute that reached its source with the
// ground truth: the path of the echo replies from the destination.
type Score struct {
	Exact bool // router by router, alias-aware, the true path
	// Consistent: no wrong hop and the hops in the true order; only routers
	// no technique could see (non-stamping, silent) are missing.
	Consistent bool
	AS         ASCategory
	Hops       int // hops after the destination
	Wrong      int // of which not on the true path
	TypeHops   [maxType]int
	TypeWrong  [maxType]int
	TruthHops  int // routers on the true path (ends excluded)
	FoundHops  int // of which the measured path has
	Candidates int // RR-atlas candidate hops kept
	// Reused hops (and the wrong ones) by what they were taken from and
	// how old it was (AgeBuckets).
	AgeHops, AgeWrong [ageKinds][ageBuckets]int
	AgeMax            [ageKinds]time.Duration // the oldest of each kind
}

// score reads the truth; only the evaluator does. With ag, it counts
// reused hops by age.
func score(tp *topo.Topology, res revtr.Result, ag *ager) (Score, error) {
	var s Score
	truth, err := tp.ReversePath(topo.FlowKey{Src: res.Src, Dst: res.Dst}) // ICMP echo replies
	if err != nil {
		return s, err
	}
	want := truth.Nodes()
	got := nodesOf(tp, res.Hops)
	s.Exact = slices.Equal(got, want)
	onPath := make(map[topo.NodeID]bool, len(want))
	for _, n := range want {
		onPath[n] = true
	}
	for i, h := range res.Hops[1:] {
		t := int(h.Type) % maxType
		s.Hops++
		s.TypeHops[t]++
		if h.Candidate {
			s.Candidates++
		}
		wrong := got[i+1] < 0 || !onPath[got[i+1]]
		if wrong {
			s.Wrong++
			s.TypeWrong[t]++
		}
		if ag == nil {
			continue
		}
		if k, age, ok := ag.age(res, h); ok {
			b := bucketOf(age)
			s.AgeMax[k] = max(s.AgeMax[k], age)
			s.AgeHops[k][b]++
			if wrong {
				s.AgeWrong[k][b]++
			}
		}
	}
	found := make(map[topo.NodeID]bool, len(got))
	for _, n := range got {
		found[n] = true
	}
	for _, n := range want[1 : len(want)-1] {
		s.TruthHops++
		if found[n] {
			s.FoundHops++
		}
	}
	s.Consistent = s.Wrong == 0 && subsequence(got, want)
	s.AS = asCategory(tp.ASPath(truth), asPath(tp, got))
	return s, nil
}

// nodesOf maps hops to the nodes owning them (-1: nobody), consecutive
// repeats collapsed as one router.
func nodesOf(tp *topo.Topology, hops []revtr.Hop) []topo.NodeID {
	out := make([]topo.NodeID, 0, len(hops))
	for _, h := range hops {
		n := topo.NodeID(-1)
		if ep, ok := tp.Owner(h.Addr); ok {
			n = ep.Node
		}
		out = append(out, n)
	}
	return out
}

// asPath is the AS path of measured nodes, unknown ones skipped.
func asPath(tp *topo.Topology, nodes []topo.NodeID) []uint32 {
	var as []uint32
	for _, n := range nodes {
		if n < 0 {
			continue
		}
		a := tp.Nodes[n].AS
		if len(as) == 0 || as[len(as)-1] != a {
			as = append(as, a)
		}
	}
	return as
}

func asCategory(truth, got []uint32) ASCategory {
	if slices.Equal(truth, got) {
		return ASAllPresent
	}
	if len(got) == len(truth)-1 {
		for i := range truth {
			if slices.Equal(got, slices.Concat(truth[:i], truth[i+1:])) {
				return ASMissingOne
			}
		}
	}
	return ASDiscrepant
}

// subsequence reports whether a's elements appear in b in order
// (consecutive repeats in a counted once).
func subsequence(a, b []topo.NodeID) bool {
	j := 0
	for i, x := range a {
		if i > 0 && a[i-1] == x {
			continue
		}
		for j < len(b) && b[j] != x {
			j++
		}
		if j == len(b) {
			return false
		}
		j++
	}
	return true
}

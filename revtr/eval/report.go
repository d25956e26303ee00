package eval

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/topo"
)

// Summary aggregates one policy's outcomes.
type Summary struct {
	Policy  string
	N       int
	Stops   map[revtr.Stop]int
	Fails   map[revtr.FailReason]int
	Reached int
	// Accuracy over the reverse traceroutes that reached the source.
	Exact, Consistent    int
	AS                   [3]int
	Hops, Wrong          int
	TypeHops, TypeWrong  [maxType]int
	TruthHops, FoundHops int
	Candidates           int
	AgeHops, AgeWrong    [ageKinds][ageBuckets]int
	AgeMax               [ageKinds]time.Duration
	// Cost over all reverse traceroutes.
	Cost     revtr.Cost
	Runtimes []time.Duration // sorted; virtual on the simulator, wall in the lab
	// Wall time running the engine and, of it, inside the simulator.
	Wall, ProberWall time.Duration
	// Marks holds, per pair of the run (in the order given), what its
	// reverse traceroute achieved: for comparing policies pair by pair
	// (Paired).
	Marks []Mark
	// Results holds every result, in pair order, when the schedule kept
	// them (Schedule.KeepResults); nil otherwise.
	Results []revtr.Result
}

// Mark is what one reverse traceroute achieved, as bits.
type Mark uint8

// The bits of a Mark.
const (
	MarkReached Mark = 1 << iota // reached the source
	MarkExact                    // and is the true path
	MarkAllASes                  // and has every AS of it
)

func newSummary(policy string, pairs int, keep bool) Summary {
	s := Summary{Policy: policy, Stops: map[revtr.Stop]int{}, Fails: map[revtr.FailReason]int{}, Marks: make([]Mark, pairs)}
	if keep {
		s.Results = make([]revtr.Result, pairs)
	}
	return s
}

// add counts in the outcome of the run's pair i.
func (s *Summary) add(i int, o Outcome) {
	r := o.Result
	s.Marks[i] = markOf(o)
	if s.Results != nil {
		s.Results[i] = o.Result
	}
	s.N++
	s.Stops[r.Stop]++
	if r.Stop == revtr.Failed {
		s.Fails[r.Fail]++
	}
	s.Cost = s.Cost.Add(r.Cost)
	s.Runtimes = append(s.Runtimes, r.Runtime)
	if r.Stop == revtr.Reaches {
		s.addScore(o.Score)
	}
}

// finish sorts the runtimes for quantiles.
func (s *Summary) finish() { slices.Sort(s.Runtimes) }

func (s *Summary) addScore(sc Score) {
	s.Reached++
	if sc.Exact {
		s.Exact++
	}
	if sc.Consistent {
		s.Consistent++
	}
	s.AS[sc.AS]++
	s.Hops += sc.Hops
	s.Wrong += sc.Wrong
	for t := range maxType {
		s.TypeHops[t] += sc.TypeHops[t]
		s.TypeWrong[t] += sc.TypeWrong[t]
	}
	s.TruthHops += sc.TruthHops
	s.FoundHops += sc.FoundHops
	s.Candidates += sc.Candidates
	for k := range ageKinds {
		s.AgeMax[k] = max(s.AgeMax[k], sc.AgeMax[k])
		for b := range ageBuckets {
			s.AgeHops[k][b] += sc.AgeHops[k][b]
			s.AgeWrong[k][b] += sc.AgeWrong[k][b]
		}
	}
}

// AgeWrongShare is the share of reused hops of kind k in age bucket b
// that were wrong, and how many there were.
func (s Summary) AgeWrongShare(k AgeKind, b int) (float64, int) {
	return ratio(s.AgeWrong[k][b], s.AgeHops[k][b]), s.AgeHops[k][b]
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Coverage is the share of reverse traceroutes that reached the source.
func (s Summary) Coverage() float64 { return ratio(s.Reached, s.N) }

// ExactShare is the share of reached paths exactly right, router by router.
func (s Summary) ExactShare() float64 { return ratio(s.Exact, s.Reached) }

// ConsistentShare is the share of reached paths with no wrong hop, in
// the true order.
func (s Summary) ConsistentShare() float64 { return ratio(s.Consistent, s.Reached) }

// WrongShare is the share of measured hops not on the true path.
func (s Summary) WrongShare() float64 { return ratio(s.Wrong, s.Hops) }

// Recall is the share of true routers the measured paths found.
func (s Summary) Recall() float64 { return ratio(s.FoundHops, s.TruthHops) }

// ASShare is the share of reached paths in an AS-level category.
func (s Summary) ASShare(c ASCategory) float64 { return ratio(s.AS[c], s.Reached) }

// ProbesPerRevtr is the mean number of probes.
func (s Summary) ProbesPerRevtr() float64 { return ratio(s.Cost.Probes(), s.N) }

// RoundsPerRevtr is the mean number of sequential probe rounds.
func (s Summary) RoundsPerRevtr() float64 { return ratio(s.Cost.Rounds, s.N) }

// Runtime returns the q-quantile of the virtual runtimes.
func (s Summary) Runtime(q float64) time.Duration {
	if len(s.Runtimes) == 0 {
		return 0
	}
	return s.Runtimes[min(len(s.Runtimes)-1, int(q*float64(len(s.Runtimes))))]
}

// EngineCPU is the engine's wall time per reverse traceroute, the
// simulator's excluded (one worker per core or fewer: CPU time). It is
// meaningless with a real prober, whose time is spent waiting.
func (s Summary) EngineCPU() time.Duration {
	if s.N == 0 {
		return 0
	}
	return (s.Wall - s.ProberWall) / time.Duration(s.N)
}

// Report is an evaluation: the world and one summary per policy.
type Report struct {
	// Simulated: measured on the simulator (runtimes virtual), not with
	// real probers (runtimes wall time).
	Simulated bool
	Seed      int64
	Params    topo.Params
	Routers   int
	ASes      int
	Sources   int
	VPs       int
	Spoofers  int // vantage points that passed the spoofing test
	Targets   int
	AtlasCost [3]int // traceroutes, their probes, RR pings
	Survey    int    // reference survey probes
	SpoofTest int    // spoofing test probes
	// Churn and PerHour are Config's: route churn and start rate.
	Churn, PerHour float64
	// Symmetry is Config's: every request's stance on symmetry.
	Symmetry revtr.Symmetry
	Policies []Summary
	// Discordant is how many pairs were written to Config.Discordant.
	Discordant int
}

// Run builds the world and evaluates every policy on the same pairs.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	pols := cfg.Policies
	if len(pols) == 0 {
		pols = []string{revtr.PolicyDefault, revtr.PolicyReference}
	}
	if cfg.Discordant != nil && len(pols) < 2 {
		return nil, fmt.Errorf("eval: discordant pairs need two policies, not %d: %w", len(pols), ErrConfig)
	}
	w, err := NewWorld(ctx, cfg)
	if err != nil {
		return nil, err
	}
	rep := &Report{Simulated: w.Net != nil, Seed: w.Topo.Seed, Params: w.Topo.Params, Routers: len(w.Topo.Routers()), ASes: len(w.Topo.ASes),
		Sources: len(w.Sources), VPs: len(w.VPs), Spoofers: len(w.Spoofers), Targets: len(w.Targets), Survey: len(w.Survey), SpoofTest: w.SpoofProbes,
		AtlasCost: [3]int{w.AtlasCost.Traces, w.AtlasCost.TraceProbes, w.AtlasCost.RRPings}, Churn: cfg.Churn, PerHour: cfg.PerHour, Symmetry: cfg.Symmetry}
	pairs := w.Pairs(cfg.Seed, cfg.Revtrs)
	if cfg.Batch > 0 {
		pairs = w.BatchPairs(cfg.Seed, cfg.Batch, max(cfg.Revtrs, cfg.Batch))
	}
	for _, p := range pols {
		var tune func(*revtr.Policy)
		if p != revtr.PolicyReference {
			tune = cfg.Tune
		}
		sum, err := w.RunPolicy(ctx, p, tune, cfg.TwoHost, pairs, Schedule{Workers: cfg.Workers, Batch: cfg.Batch,
			Sequential: cfg.Sequential, Gap: cfg.Gap(), KeepResults: cfg.Discordant != nil})
		if err != nil {
			return nil, err
		}
		rep.Policies = append(rep.Policies, sum)
	}
	if cfg.Discordant != nil {
		if rep.Discordant, err = w.WriteDiscordant(cfg.Discordant, rep.Policies[0], rep.Policies[1]); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

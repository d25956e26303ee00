package eval

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/vpsel"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

// Engine returns an engine for a built-in policy, wired as a deployment
// would be: the world's prober (the simulator or the lab's), the atlas (and the aliases it
// learned), the prefix AS map, and the policy's selector — the learned one
// warmed with the atlas traceroutes for ours, ingress cover from the survey
// for the reference — and, for ours if twoHost, the destinations'
// two-host responders (World.TwoHost). The prober is timed so that engine
// CPU can be told from the simulator's.
func (w *World) Engine(policy string, tune func(*revtr.Policy), twoHost bool, firstID uint64) (*revtr.Engine, *TimedProber, error) {
	tp := &TimedProber{P: w.Prober}
	e, err := w.engineOn(tp, w.TwoHost, policy, tune, twoHost, firstID, Shared{})
	return e, tp, err
}

// Shared is what engines of one service share: the measurement cache and
// the reverse paths (zero fields: each engine makes its own when its
// policy uses them).
type Shared struct {
	Cache *revtr.Cache
	Paths *revtr.PathAtlas
}

// EngineSharing is Engine with sh shared with the other engines given it
// (a controller's engines with and without two-host responders).
func (w *World) EngineSharing(policy string, twoHost bool, firstID uint64, sh Shared) (*revtr.Engine, error) {
	return w.engineOn(&TimedProber{P: w.Prober}, w.TwoHost, policy, nil, twoHost, firstID, sh)
}

// engineOn is Engine measuring with tp and asking responders th.
func (w *World) engineOn(tp *TimedProber, th meas.TwoHostTracer, policy string, tune func(*revtr.Policy), twoHost bool,
	firstID uint64, sh Shared) (*revtr.Engine, error) {
	pol, err := revtr.PolicyByName(policy)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	if tune != nil {
		tune(&pol)
	}
	var sel revtr.Selector
	if pol.Name == revtr.PolicyReference {
		sel = vpsel.NewIngressCover(w.Spoofers, w.spooferSurvey(), w.ASMap.Prefix)
	} else {
		l := vpsel.NewLearned(w.Spoofers, w.ASMap.Prefix, w.vpAS)
		l.LearnPaths(w.Paths)
		l.LearnSurvey(w.spooferSurvey())
		sel = l
	}
	var asked meas.TwoHostTracer
	if twoHost && pol.Name != revtr.PolicyReference {
		if th == nil {
			return nil, fmt.Errorf("eval: two-host asked with no responders (World.TwoHost): %w", ErrConfig)
		}
		asked = timedTwoHost{th: th, t: tp}
	}
	e, err := revtr.New(revtr.Config{Prober: tp, Atlas: w.Atlas, Aliases: w.Atlas, ASMap: w.ASMap, TwoHost: asked,
		Selector: sel, Clock: w.Clock, Allow: topo.ReservedPrefixes(),
		Sources: w.Sources, VantagePoints: w.Spoofers, Policy: pol, FirstID: firstID, Cache: sh.Cache, Paths: sh.Paths})
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	return e, nil
}

// spooferSurvey is the survey's probes from vantage points that spoof.
func (w *World) spooferSurvey() []vpsel.SurveyProbe {
	ok := make(map[netip.Addr]bool, len(w.Spoofers))
	for _, s := range w.Spoofers {
		ok[s] = true
	}
	var out []vpsel.SurveyProbe
	for _, sp := range w.Survey {
		if ok[sp.VP] {
			out = append(out, sp)
		}
	}
	return out
}

// TimedProber wraps a prober and adds up the wall time spent inside it.
type TimedProber struct {
	P  meas.Prober
	ns atomic.Int64
}

// Spent is the wall time spent in the wrapped prober so far.
func (t *TimedProber) Spent() time.Duration { return time.Duration(t.ns.Load()) }

func (t *TimedProber) since(start time.Time) { t.ns.Add(int64(time.Since(start))) }

// Ping times the wrapped Ping.
func (t *TimedProber) Ping(ctx context.Context, r meas.PingRequest) (meas.Ping, error) {
	defer t.since(time.Now())
	return t.P.Ping(ctx, r)
}

// RecordRoute times the wrapped RecordRoute.
func (t *TimedProber) RecordRoute(ctx context.Context, r meas.RRRequest) (meas.RRPing, error) {
	defer t.since(time.Now())
	return t.P.RecordRoute(ctx, r)
}

// Traceroute times the wrapped Traceroute.
func (t *TimedProber) Traceroute(ctx context.Context, r meas.TraceRequest) (meas.Trace, error) {
	defer t.since(time.Now())
	return t.P.Traceroute(ctx, r)
}

// timedTwoHost adds the wall time spent asking responders to t's, so that
// engine CPU is told from waiting for them too.
type timedTwoHost struct {
	th meas.TwoHostTracer
	t  *TimedProber
}

// TwoHostTrace times the wrapped TwoHostTrace.
func (t timedTwoHost) TwoHostTrace(ctx context.Context, r meas.TwoHostRequest) (meas.TwoHostTrace, error) {
	defer t.t.since(time.Now())
	return t.th.TwoHostTrace(ctx, r)
}

// Outcome is one reverse traceroute and its score.
type Outcome struct {
	Result revtr.Result
	Score  Score // zero unless the result reached the source
}

// Schedule is how a policy's reverse traceroutes run (Config's Workers,
// Batch, Sequential and PerHour).
type Schedule struct {
	Workers    int
	Batch      int
	Sequential bool
	// Gap is the virtual time between two starts; 0: 3 ms, the
	// reference service's rate.
	Gap time.Duration
	// KeepResults keeps every result in Summary.Results, in pair order
	// (Config.Discordant).
	KeepResults bool
}

// gap is the schedule's time between two starts.
func (s Schedule) gap() time.Duration {
	if s.Gap > 0 {
		return s.Gap
	}
	return startGap
}

// RunPolicy runs the pairs with one policy, as sch says, scores every
// result and adds it to the policy's summary (outcomes are not kept:
// memory stays flat). On the simulator pair i starts at virtual time
// i × 3 ms (sch.Gap), or, sequentially, when pair i-1 ended (at least
// the gap after it started); every policy measures
// on a fresh realisation of the topology (Fresh): no router's ICMP
// rate-limit bucket carries over from one policy's run into the next, so
// the order of policies changes nothing.
//
// With sch.Batch > 0, every batch of that many pairs runs on a new engine
// (empty cache and reverse paths), its pairs started as if it were the
// only one.
func (w *World) RunPolicy(ctx context.Context, policy string, tune func(*revtr.Policy), twoHost bool, pairs []Pair, sch Schedule) (Summary, error) {
	if sch.Sequential && sch.Workers > 1 {
		return Summary{}, fmt.Errorf("eval: sequential with %d workers: %w", sch.Workers, ErrConfig)
	}
	p, th, err := w.Fresh()
	if err != nil {
		return Summary{}, err
	}
	batch := sch.Batch
	if batch <= 0 {
		batch = max(len(pairs), 1)
	}
	tp := &TimedProber{P: p}
	sum := newSummary(policy, len(pairs), sch.KeepResults)
	ag := w.newAger()
	var at time.Duration // the sequential schedule's next start
	for from := 0; from < len(pairs); from += batch {
		e, err := w.engineOn(tp, th, policy, tune, twoHost, uint64(from+1), Shared{})
		if err != nil {
			return Summary{}, err
		}
		b := pairs[from:min(from+batch, len(pairs))]
		if sch.Sequential {
			err = w.runSequential(ctx, e, b, from, &at, sch.gap(), ag, &sum)
		} else {
			err = w.runBatch(ctx, e, b, from, sch, ag, &sum)
		}
		if err != nil {
			return Summary{}, err
		}
	}
	sum.ProberWall = tp.Spent()
	sum.finish()
	return sum, nil
}

// runBatch runs pairs on e, sch.Workers at a time, pair i starting at
// virtual time (offset + i) × the schedule's gap, and adds their
// outcomes to sum.
func (w *World) runBatch(ctx context.Context, e *revtr.Engine, pairs []Pair, offset int, sch Schedule, ag *ager, sum *Summary) error {
	var mu sync.Mutex
	var first error
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(sch.Workers, 1) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(pairs); i = int(next.Add(1) - 1) {
				o, spent, _, err := w.one(ctx, e, pairs[i], time.Duration(offset+i)*sch.gap(), ag)
				mu.Lock()
				sum.Wall += spent
				if err != nil && first == nil {
					first = err
				}
				sum.add(offset+i, o)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

// runSequential runs pairs on e one after the other, each starting (in
// virtual time on the simulator) when the one before ended but at least
// gap after it started, the first at *at, and adds their outcomes to sum
// (pair i as the run's offset+i); *at is left where the next would start.
func (w *World) runSequential(ctx context.Context, e *revtr.Engine, pairs []Pair, offset int, at *time.Duration, gap time.Duration, ag *ager, sum *Summary) error {
	for i, p := range pairs {
		o, spent, end, err := w.one(ctx, e, p, *at, ag)
		sum.Wall += spent
		if err != nil {
			return err
		}
		sum.add(offset+i, o)
		*at = max(end, *at+gap)
	}
	return nil
}

// one runs and scores one reverse traceroute starting at at, against the
// ground truth in force then (route churn changes it), dating the hops
// it reused with ag; spent is the wall time of the run alone, scoring
// excluded, and end when it ended on the evaluation's clock (since its
// zero).
func (w *World) one(ctx context.Context, e *revtr.Engine, p Pair, at time.Duration, ag *ager) (o Outcome, spent, end time.Duration, err error) {
	ctx = w.Clock.Start(ctx, at)
	start := time.Now()
	res, err := e.Run(ctx, revtr.Request{Src: p.Src, Dst: p.Dst, Label: "eval", Symmetry: w.symmetry})
	spent = time.Since(start)
	end = at + res.Runtime
	if err != nil {
		return Outcome{}, spent, end, fmt.Errorf("eval: revtr %v to %v: %w", p.Src, p.Dst, err)
	}
	o = Outcome{Result: res}
	ag.keep(res)
	if res.Stop == revtr.Reaches {
		if o.Score, err = score(w.truthAt(at), res, ag); err != nil {
			return o, spent, end, fmt.Errorf("eval: truth of %v to %v: %w", p.Src, p.Dst, err)
		}
	}
	return o, spent, end, nil
}

// Fresh returns the prober and two-host responders a policy's run
// measures with: on the simulator a new realisation of the topology, in
// the state of no measurement yet (routers' ICMP rate-limit buckets
// full); with a given prober (the lab) the world's own, whose kernels
// keep their state.
func (w *World) Fresh() (meas.Prober, meas.TwoHostTracer, error) {
	if w.Net == nil {
		return w.Prober, w.TwoHost, nil
	}
	n, err := sim.New(w.Topo, sim.Config{Churn: w.churn})
	if err != nil {
		return nil, nil, fmt.Errorf("eval: %w", err)
	}
	th := w.TwoHost
	if th == meas.TwoHostTracer(w.Net) {
		th = n
	}
	return n, th, nil
}

// truthAt is the topology whose routes were in force at virtual time at:
// the ground truth of a reverse traceroute started then.
func (w *World) truthAt(at time.Duration) *topo.Topology {
	if w.Net == nil {
		return w.Topo
	}
	return w.Net.TopologyAt(at)
}

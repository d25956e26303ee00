package eval

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/revtr/revtr/atlas"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/vpsel"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

// Config says what to evaluate.
type Config struct {
	// Topology, if set, is evaluated as is (the CLI's flags build it);
	// otherwise topo.Generate(Seed, Params) makes it.
	Topology *topo.Topology
	Seed     int64
	Params   topo.Params
	// Revtrs is how many reverse traceroutes to run per policy, cycling
	// over the (source, destination) pairs in a seeded order; 0 means each
	// pair once.
	Revtrs int
	// RouterTargets adds every router interface to the destinations (on
	// the Internet, many targets of reverse traceroute are routers).
	RouterTargets bool
	// Policies to compare; empty means default and reference.
	Policies []string
	// TwoHost lets our policy ask two-host responders (the destinations
	// whose role says they run one): Responders, the simulator's by
	// default (sim.Network is a meas.TwoHostTracer). It costs every reverse traceroute a presence
	// check (a probe and a round) unless the destination is known, so the
	// comparison with the reference, which never asks, leaves it off by
	// default.
	TwoHost bool
	// Responders is what our policy asks with TwoHost: in the lab, real
	// responders (LabTwoHost; RunLab sets it). A given Prober with TwoHost
	// needs it; on the simulator, nil means the simulator's.
	Responders meas.TwoHostTracer
	// Batch, if set, measures the cost of a service's batches: the
	// reverse traceroutes come in batches of this many toward one source
	// (the sources in turn, destinations drawn without repeat while they
	// last), each batch started at once on a new engine, whose cache and
	// reverse paths start empty. 0: one engine for every pair, which
	// come in the order Pairs gives.
	Batch int
	// Tune, if set, adjusts a built-in policy before use (experiments).
	Tune func(p *revtr.Policy)
	// Workers run reverse traceroutes concurrently; 0 means 1, which keeps
	// the learned selector's order, hence the figures, deterministic.
	Workers int
	// Sequential starts each reverse traceroute when the one before it
	// has ended — on the simulator, in virtual time — so that none is in
	// flight when another starts and what the measurement cache and the
	// reverse paths hold does not depend on timing. The default, one
	// start every 3 ms (the reference service's rate) whatever the
	// workers, leaves tens in flight on the simulator's timelines, where
	// a lab's RTTs of microseconds leave few or none: a lab and a
	// simulator compared pair by pair run sequentially. It needs
	// Workers ≤ 1.
	Sequential bool

	// PerHour, if set, spaces the starts of reverse traceroutes in
	// virtual time: this many per hour (sequentially: when the one before
	// ended, but no sooner). 0: one every 3 ms.
	PerHour float64
	// Churn changes the simulator's routes over virtual time: this many
	// IGP link-cost changes per hour over the whole Internet, seeded by
	// Seed (topo.Churn); the ground truth follows. 0: none. Simulator
	// only.
	Churn float64
	// Symmetry is every reverse traceroute's stance on assumed symmetry
	// (revtr.Request.Symmetry), whatever the policy: the zero value
	// leaves it to each policy (both refuse interdomain symmetry).
	Symmetry revtr.Symmetry
	// Discordant, if set, receives a JSON line per pair on which the
	// first two policies differ pair by pair (Paired): both results and
	// the true reverse path (WriteDiscordant). Every result is then kept
	// until the end of the run.
	Discordant io.Writer

	// Prober, if set, measures instead of a simulator of the topology:
	// real probers in the lab (LabProbers, RunLab), which can send from
	// every source and vantage point, and spoof the sources' addresses
	// from the vantage points. Topology must then be set: it is the
	// ground truth the results are scored against.
	Prober meas.Prober
	// Clock, if set, replaces the default: VirtualClock on the simulator,
	// RealClock with a given Prober.
	Clock Clock
	// Parallel is how many measurements of the setup (spoofing tests,
	// atlas, survey) run at once; 0 means 1 on the simulator (its virtual
	// timeline stays deterministic) and 16 with a given Prober (silent
	// probes cost real timeouts).
	Parallel int
}

// ErrConfig is returned for an evaluation configuration that cannot run.
var ErrConfig = errors.New("bad evaluation configuration")

// Epoch is the wall time the simulation's virtual time zero stands for.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// startGap is the virtual time between two reverse traceroute starts: the
// reference service starts one every 3 ms.
const startGap = 3 * time.Millisecond

// World is an Internet — the simulator, or a lab through real probers —
// with what a deployment would know of it: the vantage points that passed
// the spoofing test, the atlas toward every source, an IP-to-AS map of the
// announced prefixes, and the reference's Record Route survey.
type World struct {
	Topo         *topo.Topology
	Prober       meas.Prober  // what the engines and the setup measure with
	Net          *sim.Network // the simulator; nil with a given Prober
	Clock        Clock
	ASMap        *ASMap
	Atlas        *atlas.Index
	Paths        []*atlas.Path
	Sources, VPs []netip.Addr
	Spoofers     []netip.Addr // the vantage points that passed the spoofing test
	Targets      []netip.Addr
	Survey       []vpsel.SurveyProbe
	TwoHost      meas.TwoHostTracer // the responders our policy asks with Config.TwoHost
	AtlasCost    atlas.Cost
	SpoofProbes  int         // Record Route pings the spoofing tests sent
	churn        *topo.Churn // nil: no route churn
	ids          atomic.Uint64
	vpAS         map[netip.Addr]uint32
	parallel     int
	symmetry     revtr.Symmetry // every request's (Config.Symmetry)
}

// NewWorld generates the topology (unless given), realises it in the
// simulator (unless a prober is given), and measures the spoofing tests,
// the atlas and the survey.
func NewWorld(ctx context.Context, cfg Config) (*World, error) {
	if err := checkSchedule(cfg); err != nil {
		return nil, err
	}
	if cfg.TwoHost && cfg.Prober != nil && cfg.Responders == nil {
		return nil, fmt.Errorf("eval: two-host with a given prober needs its responders (Config.Responders): %w", ErrConfig)
	}
	tp := cfg.Topology
	if tp == nil {
		if cfg.Prober != nil {
			return nil, fmt.Errorf("eval: a given prober needs its topology (Config.Topology): %w", ErrConfig)
		}
		var err error
		if tp, err = topo.Generate(cfg.Seed, cfg.Params); err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
	}
	w, err := newWorld(tp, cfg)
	if err != nil {
		return nil, err
	}
	w.roles(cfg.RouterTargets)
	if err := w.onboard(ctx); err != nil {
		return nil, err
	}
	if err := w.buildAtlas(ctx); err != nil {
		return nil, err
	}
	if err := w.survey(ctx); err != nil {
		return nil, err
	}
	return w, nil
}

// newWorld wires the prober, clock and IP-to-AS map of tp.
func newWorld(tp *topo.Topology, cfg Config) (*World, error) {
	asm, err := NewASMap(tp)
	if err != nil {
		return nil, err
	}
	w := &World{Topo: tp, Prober: cfg.Prober, Clock: cfg.Clock, ASMap: asm, Atlas: atlas.NewIndex(),
		TwoHost: cfg.Responders, vpAS: make(map[netip.Addr]uint32), parallel: cfg.Parallel, symmetry: cfg.Symmetry}
	w.ids.Store(1 << 40) // atlas IDs apart from the engines'
	if w.Prober == nil {
		if cfg.Churn > 0 {
			if w.churn, err = topo.NewChurn(tp, cfg.Seed, cfg.Churn); err != nil {
				return nil, fmt.Errorf("eval: %w: %w", ErrConfig, err)
			}
		}
		if w.Net, err = sim.New(tp, sim.Config{Churn: w.churn}); err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		w.Prober = w.Net
		if w.TwoHost == nil {
			w.TwoHost = w.Net
		}
		w.setDefaults(VirtualClock{Epoch: Epoch}, 1)
	}
	w.setDefaults(RealClock{}, 16)
	return w, nil
}

// checkSchedule refuses churn and start rates that cannot run.
func checkSchedule(cfg Config) error {
	switch {
	case !(cfg.Churn >= 0) || math.IsInf(cfg.Churn, 1):
		return fmt.Errorf("eval: route churn %g per hour, want a finite rate ≥ 0: %w", cfg.Churn, ErrConfig)
	case cfg.Churn > 0 && cfg.Prober != nil:
		return fmt.Errorf("eval: route churn needs the simulator, not a given prober: %w", ErrConfig)
	case !(cfg.PerHour >= 0) || math.IsInf(cfg.PerHour, 1):
		return fmt.Errorf("eval: %g reverse traceroutes per hour, want a finite rate ≥ 0: %w", cfg.PerHour, ErrConfig)
	}
	return nil
}

// Gap is the virtual time between two starts of reverse traceroutes
// that Config.PerHour asks for (0: the default).
func (cfg Config) Gap() time.Duration {
	if cfg.PerHour <= 0 {
		return 0
	}
	return time.Duration(float64(time.Hour) / cfg.PerHour)
}

// roles lists sources, vantage points and destinations.
func (w *World) roles(routers bool) {
	tp := w.Topo
	for _, nd := range tp.Nodes {
		if nd.Kind == topo.Router {
			if routers {
				for _, ifc := range nd.Ifaces {
					w.Targets = append(w.Targets, ifc.Addr.Addr())
				}
			}
			continue
		}
		a := tp.HostAddr(nd.ID, false)
		switch {
		case nd.Role.Source:
			w.Sources = append(w.Sources, a)
		case nd.Role.VantagePoint:
			w.VPs = append(w.VPs, a)
			if _, as, ok := w.ASMap.Lookup(a); ok {
				w.vpAS[a] = as
			}
		}
		if nd.Role.Destination {
			w.Targets = append(w.Targets, a)
		}
	}
}

// setDefaults sets the clock and the setup's parallelism where unset.
func (w *World) setDefaults(c Clock, parallel int) {
	if w.Clock == nil {
		w.Clock = c
	}
	if w.parallel <= 0 {
		w.parallel = parallel
	}
}

// Pair is one reverse traceroute to run.
type Pair struct{ Src, Dst netip.Addr }

// Pairs returns n (source, destination) pairs in a seeded order, cycling
// over all pairs; n = 0 means each once.
func (w *World) Pairs(seed int64, n int) []Pair {
	return shuffled(seed, w.pairsToward(w.Sources), n)
}

// BatchPairs returns n pairs in batches of size toward one source each,
// the sources in turn; a batch draws destinations without repeat, its
// source's all of them again once it has taken every one. Seeded as
// Pairs.
func (w *World) BatchPairs(seed int64, size, n int) []Pair {
	out := make([]Pair, 0, n)
	for b := 0; len(out) < n && len(w.Sources) > 0; b++ {
		src := w.Sources[b%len(w.Sources)]
		out = append(out, shuffled(seed+int64(b), w.pairsToward([]netip.Addr{src}), min(size, n-len(out)))...)
	}
	return out
}

// pairsToward is every (source, destination) pair toward srcs.
func (w *World) pairsToward(srcs []netip.Addr) []Pair {
	var all []Pair
	for _, s := range srcs {
		for _, d := range w.Targets {
			if d != s {
				all = append(all, Pair{s, d})
			}
		}
	}
	return all
}

// shuffled returns n of all (all of them once when n is 0), cycling
// through shuffles of all as often as n needs.
func shuffled(seed int64, all []Pair, n int) []Pair {
	if n == 0 {
		n = len(all)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6576616c))
	out := make([]Pair, 0, n)
	for len(out) < n && len(all) > 0 {
		rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		out = append(out, all[:min(len(all), n-len(out))]...)
	}
	return out
}

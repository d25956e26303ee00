package eval

import (
	"context"
	"fmt"
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
	// whose role says they run one; SimTwoHost). It costs every reverse
	// traceroute a presence check (a probe and a round) unless the
	// destination is known, so the comparison with the reference, which
	// never asks, leaves it off by default.
	TwoHost bool
	// Tune, if set, adjusts a built-in policy before use (experiments).
	Tune func(p *revtr.Policy)
	// Workers run reverse traceroutes concurrently; 0 means 1, which keeps
	// the learned selector's order, hence the figures, deterministic.
	Workers int
}

// Epoch is the wall time the simulation's virtual time zero stands for.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// startGap is the virtual time between two reverse traceroute starts: the
// reference service starts one every 3 ms.
const startGap = 3 * time.Millisecond

// World is a simulated Internet with what a deployment would know of it:
// the atlas toward every source, an IP-to-AS map of the announced
// prefixes, and the reference's Record Route survey.
type World struct {
	Topo         *topo.Topology
	Net          *sim.Network
	ASMap        *ASMap
	Atlas        *atlas.Index
	Paths        []*atlas.Path
	Sources, VPs []netip.Addr
	Spoofers     []netip.Addr // the vantage points that passed the spoofing test
	Targets      []netip.Addr
	Survey       []vpsel.SurveyProbe
	AtlasCost    atlas.Cost
	ids          atomic.Uint64
	vpAS         map[netip.Addr]uint32
}

// NewWorld generates the topology and measures the atlas and the survey.
func NewWorld(ctx context.Context, cfg Config) (*World, error) {
	tp := cfg.Topology
	if tp == nil {
		var err error
		if tp, err = topo.Generate(cfg.Seed, cfg.Params); err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
	}
	n, err := sim.New(tp, sim.Config{})
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	asm, err := NewASMap(tp)
	if err != nil {
		return nil, err
	}
	w := &World{Topo: tp, Net: n, ASMap: asm, Atlas: atlas.NewIndex(), vpAS: make(map[netip.Addr]uint32)}
	w.ids.Store(1 << 40) // atlas IDs apart from the engines'
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

// onboard runs the spoofing test of every vantage point: a Record Route
// ping spoofed as the first source, to the source itself, must come back.
// Vantage points that fail it still measure the atlas but do not spoof.
func (w *World) onboard(ctx context.Context) error {
	if len(w.Sources) == 0 {
		return fmt.Errorf("eval: topology has no source")
	}
	s := w.Sources[0]
	for _, vp := range w.VPs {
		rr, err := w.Net.RecordRoute(Timeline(ctx, 0), meas.RRRequest{Src: s, Dst: s, Sender: vp})
		if err != nil {
			return fmt.Errorf("eval: spoofing test of %v: %w", vp, err)
		}
		if rr.Replied {
			w.Spoofers = append(w.Spoofers, vp)
		}
	}
	return nil
}

// buildAtlas measures the atlas toward every source at virtual time 0.
func (w *World) buildAtlas(ctx context.Context) error {
	p := atlas.ProberProvider{Prober: w.Net, Parallel: 1}
	for _, s := range w.Sources {
		paths, cost, err := atlas.Build(Timeline(ctx, 0), p, s, w.VPs, Epoch, func() uint64 { return w.ids.Add(1) })
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		w.Atlas.Set(s, paths)
		w.Paths = append(w.Paths, paths...)
		w.AtlasCost.Traces += cost.Traces
		w.AtlasCost.TraceProbes += cost.TraceProbes
		w.AtlasCost.RRPings += cost.RRPings
	}
	return nil
}

// survey runs the reference's Record Route survey: one responsive address
// per announced prefix (a destination if the prefix has one, else an atlas
// hop), from every vantage point.
func (w *World) survey(ctx context.Context) error {
	per := make(map[netip.Prefix]netip.Addr)
	var order []netip.Prefix
	add := func(a netip.Addr) {
		p := w.ASMap.Prefix(a)
		if _, ok := per[p]; !ok {
			per[p] = a
			order = append(order, p)
		}
	}
	for _, a := range w.Targets {
		if ep, ok := w.Topo.Owner(a); ok && w.Topo.Nodes[ep.Node].Kind == topo.Host {
			add(a)
		}
	}
	for _, p := range w.Paths {
		for _, a := range p.Hops {
			if a.IsValid() {
				add(a)
			}
		}
	}
	targets := make([]netip.Addr, len(order))
	for i, p := range order {
		targets[i] = per[p]
	}
	sv, err := vpsel.Survey(Timeline(ctx, 0), w.Net, w.VPs, targets, w.ASMap.Prefix)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	w.Survey = sv
	return nil
}

// Pair is one reverse traceroute to run.
type Pair struct{ Src, Dst netip.Addr }

// Pairs returns n (source, destination) pairs in a seeded order, cycling
// over all pairs; n = 0 means each once.
func (w *World) Pairs(seed int64, n int) []Pair {
	var all []Pair
	for _, s := range w.Sources {
		for _, d := range w.Targets {
			if d != s {
				all = append(all, Pair{s, d})
			}
		}
	}
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

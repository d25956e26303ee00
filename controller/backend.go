package controller

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/topo"
)

// Backend measures reverse traceroutes for the workers: the engine over
// a prober. Until agents exist, the simulator (NewSimBackend) and the
// lab's probers are the backends; agents will be one more.
type Backend interface {
	// Run measures one reverse traceroute; twoHost asks the
	// destination's two-host responder first, if it runs one.
	Run(ctx context.Context, req revtr.Request, twoHost bool) (revtr.Result, error)
	// Sources are the sources it can measure toward, authorized when
	// the controller starts.
	Sources() []store.Source
	// Allow lists the destination prefixes it measures although they
	// are not public unicast (its own).
	Allow() []netip.Prefix
}

// engines are a world's engines, without and with two-host responders.
type engines struct{ plain, twoHost *revtr.Engine }

func (e engines) pick(twoHost bool) *revtr.Engine {
	if twoHost {
		return e.twoHost
	}
	return e.plain
}

// worldBackend measures on an eval.World: the simulator, or a lab through
// its probers.
type worldBackend struct {
	w       *eval.World
	engines engines
	site    string
	// start is the wall time the world's virtual clock starts at: each
	// reverse traceroute on the simulator runs on a timeline starting
	// when it starts, so that its date is the wall clock's and its
	// runtime what its probes would have taken.
	start  time.Time
	sim    bool
	shared eval.Shared
}

// Collectors are the backend's metrics: its measurement cache's hits,
// joins, misses and size.
func (b *worldBackend) Collectors() []prometheus.Collector {
	return []prometheus.Collector{b.shared.Cache}
}

// NewSimBackend generates the emulated Internet cfg describes, in memory,
// measures its atlas and survey, and returns a backend measuring on it
// with the default policy (two-host responders where its destinations run
// them, when a request asks). It needs no privileges.
func NewSimBackend(ctx context.Context, cfg SimConfig) (Backend, error) {
	start := time.Now()
	tp, err := simTopology(cfg)
	if err != nil {
		return nil, fmt.Errorf("controller: simulator: %w", err)
	}
	w, err := eval.NewWorld(ctx, eval.Config{Topology: tp, TwoHost: true, Clock: eval.VirtualClock{Epoch: start}})
	if err != nil {
		return nil, fmt.Errorf("controller: simulator: %w", err)
	}
	return newWorldBackend(w, "sim", start, true)
}

// simTopology is the Internet cfg describes: its topology file, or the
// one the generator makes of its parameters.
func simTopology(cfg SimConfig) (*topo.Topology, error) {
	if cfg.Topology != "" {
		f, err := os.Open(cfg.Topology)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		tp, err := topo.ReadJSON(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.Topology, err)
		}
		return tp, nil
	}
	p := topo.SizedParams(cfg.Routers)
	if cfg.VantagePoints > 0 {
		p.VantagePoints = cfg.VantagePoints
	}
	if cfg.Sources > 0 {
		p.Sources = cfg.Sources
	}
	return topo.Generate(cfg.Seed, p)
}

func newWorldBackend(w *eval.World, site string, start time.Time, sim bool) (*worldBackend, error) {
	// One cache and one atlas of reverse paths for both engines and every
	// batch: what one reverse traceroute measured, the next reuses.
	b := &worldBackend{w: w, site: site, start: start, sim: sim,
		shared: eval.Shared{Cache: revtr.NewCache(revtr.CacheConfig{}), Paths: revtr.NewPathAtlas(0)}}
	var err error
	if b.engines.plain, err = w.EngineSharing(revtr.PolicyDefault, false, 1, b.shared); err != nil {
		return nil, fmt.Errorf("controller: %s backend: %w", site, err)
	}
	if b.engines.twoHost, err = w.EngineSharing(revtr.PolicyDefault, true, 1, b.shared); err != nil {
		return nil, fmt.Errorf("controller: %s backend: %w", site, err)
	}
	return b, nil
}

// Run measures req on the world, on its own timeline on the simulator.
func (b *worldBackend) Run(ctx context.Context, req revtr.Request, twoHost bool) (revtr.Result, error) {
	if b.sim {
		ctx = eval.Timeline(ctx, time.Since(b.start))
	}
	return b.engines.pick(twoHost).Run(ctx, req)
}

// Sources are the world's sources, named after their topology nodes.
func (b *worldBackend) Sources() []store.Source {
	out := make([]store.Source, 0, len(b.w.Sources))
	for _, a := range b.w.Sources {
		name := a.String()
		if ep, ok := b.w.Topo.Owner(a); ok {
			name = b.w.Topo.Nodes[ep.Node].Name
		}
		out = append(out, store.Source{Addr: a, Hostname: name, Site: b.site})
	}
	return out
}

// Allow is the topology's address space.
func (b *worldBackend) Allow() []netip.Prefix { return topo.ReservedPrefixes() }

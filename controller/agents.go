package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/revtr/revtr/atlas"
	"github.com/revtr/revtr/controller/fleet"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/vpsel"
	"github.com/revtr/revtr/store"
)

// Onboarding roles, as stored.
const (
	roleSource       = "source"
	roleVantagePoint = "vantage_point"
)

// errRetry marks a reverse traceroute to measure again later: an agent
// it needed was lost while it ran.
var errRetry = errors.New("measure again later")

// agentsBackend measures through the agents connected to the fleet: the
// engine's sources are the onboarded authorized sources, its vantage
// points those that passed the spoofing test, its atlas the sources'
// atlases, built by atlas/run from the agents' own measurements. The
// engine is rebuilt when any of these changes.
type agentsBackend struct {
	cfg   AgentsConfig
	allow []netip.Prefix
	fleet *fleet.Fleet
	store *store.Store
	asmap revtr.ASMap // nil: no prefix-to-AS file
	log   *slog.Logger
	ids   atomic.Uint64 // atlas measurement IDs

	// shared is the measurement cache and atlas of reverse paths of
	// every engine the backend builds: a rebuild keeps what they hold.
	cache *revtr.Cache
	paths *revtr.PathAtlas

	rebuilding sync.Mutex // one rebuild at a time, so the last one's engine stays
	mu         sync.RWMutex
	engines    engines      // none until a source passed onboarding
	engineKey  string       // what engines were made of (engineKey)
	sources    []netip.Addr // onboarded, authorized

	onboarding sync.Map // addresses being tested
	building   sync.Map // sources whose atlas is being built
}

func newAgentsBackend(cfg Config, st *store.Store, asmap revtr.ASMap, log *slog.Logger) *agentsBackend {
	b := &agentsBackend{cfg: cfg.Agents, allow: cfg.API.Allow, store: st, asmap: asmap, log: log.With("component", "agents"),
		cache: revtr.NewCache(revtr.CacheConfig{}), paths: revtr.NewPathAtlas(0)}
	b.ids.Store(1<<40 + uint64(time.Now().Unix())<<12)
	b.fleet = fleet.New(fleet.Config{Authenticate: b.authenticate, Wait: cfg.Agents.Wait, Timeout: cfg.Agents.Timeout,
		Log: b.log, Connected: b.vantagePointsChanged, Disconnected: b.vantagePointsChanged})
	return b
}

// Collectors are the backend's metrics: its measurement cache's hits,
// joins and misses.
func (b *agentsBackend) Collectors() []prometheus.Collector {
	return []prometheus.Collector{b.cache}
}

// vantagePointsChanged rebuilds the engine when a vantage point comes or
// goes: the engine spoofs from the connected ones alone, so that the
// reverse traceroutes a lost one leaves are measured again elsewhere.
func (b *agentsBackend) vantagePointsChanged(a fleet.Agent) {
	if !a.VantagePoint {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := b.rebuild(ctx); err != nil {
		b.log.Warn("engine not rebuilt", "agent", a.Name, "err", err)
	}
}

// authenticate checks an agent's credential against the store.
func (b *agentsBackend) authenticate(ctx context.Context, credential string) (fleet.Identity, error) {
	a, err := b.store.AgentByCredential(ctx, credential)
	switch {
	case errors.Is(err, store.ErrUnknownCredential), errors.Is(err, store.ErrRevokedCredential):
		return fleet.Identity{}, fmt.Errorf("%w: %w", fleet.ErrUnauthenticated, err)
	case err != nil:
		return fleet.Identity{}, err
	}
	return fleet.Identity{Name: a.Name, Addrs: a.Addrs}, nil
}

// Run measures req with the current engine. A failure because an agent
// was lost, or none served an address, is errRetry: the job measures it
// again (the engine, rebuilt meanwhile, uses the vantage points still
// connected).
func (b *agentsBackend) Run(ctx context.Context, req revtr.Request, twoHost bool) (revtr.Result, error) {
	b.mu.RLock()
	e := b.engines.pick(twoHost)
	b.mu.RUnlock()
	if e == nil {
		return revtr.Result{ID: req.ID, Src: req.Src, Dst: req.Dst, Label: req.Label, Date: time.Now(), Stop: revtr.Failed,
			Fail: revtr.FailSourceNotConfigured}, errors.New("controller: no source has passed onboarding yet")
	}
	res, err := e.Run(ctx, req)
	if err == nil && res.Stop == revtr.Failed && res.Fail == revtr.FailProber &&
		(strings.Contains(res.Detail, fleet.ErrAgentLost.Error()) || strings.Contains(res.Detail, fleet.ErrNoAgent.Error())) {
		return res, fmt.Errorf("%w: %s", errRetry, res.Detail)
	}
	return res, err
}

// Forward measures the forward traceroute from src's agent.
func (b *agentsBackend) Forward(ctx context.Context, src, dst netip.Addr) (meas.Trace, error) {
	return b.fleet.Traceroute(ctx, meas.TraceRequest{Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.ICMP}})
}

// ASMap is the prefix-to-AS file's map (one without prefixes if none is
// configured).
func (b *agentsBackend) ASMap() revtr.ASMap {
	if b.asmap == nil {
		return noAS{}
	}
	return b.asmap
}

// Sources are none: an operator authorizes agents' sources.
func (b *agentsBackend) Sources() []store.Source { return nil }

// Allow is the configured allow-list.
func (b *agentsBackend) Allow() []netip.Prefix { return nil }

// usable reports whether src has passed onboarding.
func (b *agentsBackend) usable(src netip.Addr) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return slices.Contains(b.sources, src)
}

// prefixOf is the key vantage-point selection learns by: the announced
// prefix, else the /24 (/48), as the evaluation's.
func (b *agentsBackend) prefixOf(a netip.Addr) netip.Prefix {
	if b.asmap != nil {
		if p, _, ok := b.asmap.Lookup(a); ok {
			return p
		}
	}
	bits := 24
	if a.Is6() {
		bits = 48
	}
	p, _ := a.Prefix(bits)
	return p
}

// rebuild makes the engine of what the store says: passed onboarding
// of authorized sources and of vantage points (those connected now), and
// the atlases.
func (b *agentsBackend) rebuild(ctx context.Context) error {
	b.rebuilding.Lock()
	defer b.rebuilding.Unlock()
	obs, err := b.store.Onboardings(ctx)
	if err != nil {
		return err
	}
	auth, err := b.store.Sources(ctx)
	if err != nil {
		return err
	}
	authorized := map[netip.Addr]bool{}
	var all []netip.Addr
	for _, s := range auth {
		authorized[s.Addr] = true
		all = append(all, s.Addr)
	}
	b.fleet.SetAuthorized(all)
	var sources, spoofers []netip.Addr
	vpAS := map[netip.Addr]uint32{}
	for _, o := range obs {
		switch {
		case o.Role == roleSource && o.Passed && authorized[o.Addr]:
			sources = append(sources, o.Addr)
		case o.Role == roleVantagePoint && o.Passed && b.connected(o.Addr):
			spoofers = append(spoofers, o.Addr)
		}
		if o.Role == roleVantagePoint && !o.Passed {
			var r Report
			if json.Unmarshal(o.Report, &r) == nil && r.Quarantine != "" {
				b.fleet.Quarantine(o.Addr, r.Quarantine)
			}
		}
		if o.Role == roleVantagePoint && b.asmap != nil {
			if _, as, ok := b.asmap.Lookup(o.Addr); ok {
				vpAS[o.Addr] = as
			}
		}
	}
	// The learned ranking breaks ties by this order: address order,
	// whatever order the store lists them in.
	slices.SortFunc(spoofers, netip.Addr.Compare)
	as, err := b.store.Atlases(ctx)
	if err != nil {
		return err
	}
	key := engineKey(sources, spoofers, vpAS, as)
	b.mu.RLock()
	same := b.engines.plain != nil && key == b.engineKey
	b.mu.RUnlock()
	if same { // keep the engines, and what their ranking has learnt
		return nil
	}
	idx, paths, err := atlasIndex(as)
	if err != nil {
		return err
	}
	sel := vpsel.NewLearned(spoofers, b.prefixOf, vpAS)
	sel.LearnPaths(paths)
	cfg := revtr.Config{Prober: b.fleet, Atlas: idx, Aliases: idx, Selector: sel, Allow: b.allow,
		Sources: sources, VantagePoints: spoofers, Policy: revtr.DefaultPolicy(), Cache: b.cache, Paths: b.paths}
	if b.asmap != nil {
		cfg.ASMap = b.asmap
	}
	var es engines
	if es.plain, err = revtr.New(cfg); err != nil {
		return fmt.Errorf("controller: agents engine: %w", err)
	}
	cfg.TwoHost = b.fleet // the sources' agents ask the destinations' responders
	if es.twoHost, err = revtr.New(cfg); err != nil {
		return fmt.Errorf("controller: agents engine: %w", err)
	}
	b.mu.Lock()
	b.engines, b.sources, b.engineKey = es, sources, key
	b.mu.Unlock()
	return nil
}

// connected reports whether an agent serves a now.
func (b *agentsBackend) connected(a netip.Addr) bool {
	_, ok := b.fleet.Agent(a)
	return ok
}

// engineKey sums up what an engine is made of: its sources, its
// vantage points and their ASes, and the atlases' paths. A rebuild that
// finds the same (a failed vantage point tested again and failing, say)
// keeps the engine: a new one would forget what the learned ranking saw.
func engineKey(sources, spoofers []netip.Addr, vpAS map[netip.Addr]uint32, as []store.Atlas) string {
	h := fnv.New64a()
	fmt.Fprint(h, sources, spoofers)
	for _, vp := range slices.SortedFunc(maps.Keys(vpAS), netip.Addr.Compare) {
		fmt.Fprint(h, vp, vpAS[vp])
	}
	for _, a := range as {
		fmt.Fprint(h, a.Src, len(a.Paths))
		h.Write(a.Paths)
	}
	return fmt.Sprintf("%x", h.Sum64())
}

// atlasIndex indexes every source's atlas.
func atlasIndex(as []store.Atlas) (*atlas.Index, []*atlas.Path, error) {
	idx := atlas.NewIndex()
	var all []*atlas.Path
	for _, a := range as {
		if a.Paths == nil {
			continue
		}
		var paths []*atlas.Path
		if err := json.Unmarshal(a.Paths, &paths); err != nil {
			return nil, nil, fmt.Errorf("controller: atlas of %v: %w", a.Src, err)
		}
		idx.Set(a.Src, paths)
		all = append(all, paths...)
	}
	return idx, all, nil
}

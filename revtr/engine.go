package revtr

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"

	"github.com/revtr/revtr/ipasn"
	"github.com/revtr/revtr/meas"
)

// Config wires an Engine to the world. Prober is required; every other
// dependency may be nil, which disables what needs it.
type Config struct {
	Prober   meas.Prober
	Atlas    Atlas              // nil: no atlas intersection
	Aliases  Aliases            // nil: addresses match exactly
	ASMap    ASMap              // nil: no cidr/asn annotation, symmetry ends' ASes unknown
	Selector Selector           // nil: no spoofed Record Route
	TwoHost  meas.TwoHostTracer // nil: no two-host responder
	Clock    Clock              // nil: WallClock
	Bogons   Bogons             // nil: ipasn.NewBogons(Allow...)
	// Allow lists prefixes probed even though Bogons rejects them (the
	// lab's own prefixes).
	Allow []netip.Prefix
	// Sources are the addresses reverse paths may be measured toward;
	// VantagePoints those that may spoof as them.
	Sources, VantagePoints []netip.Addr
	Policy                 Policy // zero: DefaultPolicy
	// FirstID numbers results and measurements (0 means 1).
	FirstID uint64
	// Paths holds the reverse paths measured for reuse
	// (Policy.ReusePaths); engines sharing one reuse each other's. nil:
	// the engine makes its own when its policy reuses paths.
	Paths *PathAtlas
	// Cache holds measurements for reuse (Policy.Cache says how); engines
	// sharing one reuse each other's. nil: the engine makes its own when
	// its policy uses one.
	Cache *Cache
	// Memory bounds how many addresses the engine remembers as running
	// no two-host responder (0 means DefaultMemory), each for the
	// policy's Staleness at most, and for how many (sender, prefix) pairs
	// it remembers an RTT (Policy.Timeouts).
	Memory int
}

// Engine measures reverse traceroutes. It is safe for concurrent use: each
// Run is independent but for the selector's learning and the ID counter.
type Engine struct {
	cfg     Config
	sources map[netip.Addr]bool
	vps     map[netip.Addr]bool
	ids     atomic.Uint64

	// noResponder remembers, until a staleness period has passed, the
	// addresses (destinations and hops) whose two-host presence check
	// failed, so that each costs its probe once a day rather than once per
	// reverse traceroute; it holds at most Config.Memory addresses.
	noResponder *addrMemory
	// rtts holds, per sender and target prefix, the largest RTT seen,
	// for adaptive timeouts (Policy.Timeouts); at most Config.Memory keys.
	rtts *rttMemory
	// cache is Config.Cache (nil: the policy uses none).
	cache *Cache
	// paths is Config.Paths (nil: the policy reuses none).
	paths *PathAtlas
	// dists holds, per source and prefix, how many TTLs traceroutes from
	// the source took to reach it (Policy.ShortTraces); at most
	// Config.Memory keys.
	dists *distMemory
}

// New returns an engine.
func New(cfg Config) (*Engine, error) {
	if cfg.Prober == nil {
		return nil, fmt.Errorf("revtr: new engine: %w", ErrNoProber)
	}
	if cfg.Clock == nil {
		cfg.Clock = WallClock{}
	}
	if cfg.Bogons == nil {
		b, err := ipasn.NewBogons(cfg.Allow...)
		if err != nil {
			return nil, fmt.Errorf("revtr: new engine: %w", err)
		}
		cfg.Bogons = b
	}
	if cfg.Policy.Name == "" {
		cfg.Policy = DefaultPolicy()
	}
	if cfg.Policy.MaxProbes <= 0 {
		return nil, fmt.Errorf("revtr: new engine: policy %s: MaxProbes %d, want > 0", cfg.Policy.Name, cfg.Policy.MaxProbes)
	}
	if cfg.Memory <= 0 {
		cfg.Memory = DefaultMemory
	}
	if cfg.Cache == nil && cfg.Policy.Cache.TTL > 0 {
		cfg.Cache = NewCache(CacheConfig{})
	}
	if cfg.Paths == nil && cfg.Policy.ReusePaths > 0 {
		cfg.Paths = NewPathAtlas(0)
	}
	e := &Engine{cfg: cfg, sources: addrSet(cfg.Sources), vps: addrSet(cfg.VantagePoints),
		noResponder: newAddrMemory(cfg.Memory, cfg.Policy.Staleness), rtts: newRTTMemory(cfg.Memory), cache: cfg.Cache, paths: cfg.Paths,
		dists: newDistMemory(cfg.Memory)}
	e.ids.Store(max(cfg.FirstID, 1) - 1)
	return e, nil
}

// Paths returns the engine's atlas of reverse paths (nil: none).
func (e *Engine) Paths() *PathAtlas { return e.paths }

// Cache returns the engine's measurement cache (nil: none), a
// prometheus.Collector for a registry to take.
func (e *Engine) Cache() *Cache { return e.cache }

func addrSet(as []netip.Addr) map[netip.Addr]bool {
	m := make(map[netip.Addr]bool, len(as))
	for _, a := range as {
		m[a] = true
	}
	return m
}

func (e *Engine) nextID() uint64 { return e.ids.Add(1) }

// Symmetry is a request's stance on assumed symmetry.
type Symmetry uint8

// Symmetry stances.
const (
	SymmetryPolicy      Symmetry = iota // as the engine's policy says
	SymmetryRefuseInter                 // only over intradomain links
	SymmetryAllowInter                  // over any link
	SymmetryNever                       // never assume symmetry
)

// symmetryNames are the stances' names, as String gives them.
var symmetryNames = [...]string{"policy", "refuse-inter", "allow-inter", "never"}

// String names the stance: policy, refuse-inter, allow-inter or never.
func (s Symmetry) String() string {
	if int(s) < len(symmetryNames) {
		return symmetryNames[s]
	}
	return fmt.Sprintf("Symmetry(%d)", uint8(s))
}

// ParseSymmetry is the stance String names.
func ParseSymmetry(name string) (Symmetry, error) {
	for i, n := range symmetryNames {
		if n == name {
			return Symmetry(i), nil
		}
	}
	return 0, fmt.Errorf("symmetry %q: want policy, refuse-inter, allow-inter or never", name)
}

// Request is one reverse traceroute to measure: the path from Dst back to
// Src.
type Request struct {
	Src, Dst netip.Addr
	Label    string
	Symmetry Symmetry
	// ID, if not 0, is the result's ID; 0 takes the next number of the
	// engine's counter (Config.FirstID). A service that runs many engines,
	// or restarts them, numbers its reverse traceroutes itself.
	ID uint64
	// MeasurementIDs, if set, numbers the run's measurements instead of
	// the engine's counter, for the same reason. The run may call it from
	// several goroutines at once.
	MeasurementIDs func() uint64
}

// Run measures the reverse path of req. Bad input (unconfigured source,
// bogon destination, invalid address) returns a typed error and a FAILED
// result carrying its reason; a destination equal to the source is TRIVIAL.
// Everything that goes wrong later is recorded in the result as FAILED
// (CANCELED if ctx ends), with a nil error.
func (e *Engine) Run(ctx context.Context, req Request) (Result, error) {
	id := req.ID
	if id == 0 {
		id = e.nextID()
	}
	res := Result{ID: id, Src: req.Src, Dst: req.Dst, Label: req.Label, Date: e.cfg.Clock.Now(ctx)}
	if err := e.checkRequest(req); err != nil {
		res.Stop, res.Fail, res.Detail = Failed, reasonOf(err), err.Error()
		return res, err
	}
	if req.Src == req.Dst {
		res.Stop = Trivial
		res.Hops = []Hop{{Addr: req.Dst, Type: HopDestination}}
		return res, nil
	}
	r := newRun(e, req, &res)
	err := r.measure(ctx)
	switch {
	case err == nil:
		res.Stop = Reaches
		r.rtts(ctx)
		r.keepPath()
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		res.Stop, res.Detail = Canceled, err.Error()
	default:
		res.Stop, res.Fail, res.Detail = Failed, reasonOf(err), err.Error()
	}
	res.Hops = r.path
	e.annotate(res.Hops)
	res.Runtime = e.cfg.Clock.Now(ctx).Sub(res.Date)
	return res, nil
}

// annotate fills in every hop's prefix and AS.
func (e *Engine) annotate(hops []Hop) {
	if e.cfg.ASMap == nil {
		return
	}
	for i := range hops {
		if p, asn, ok := e.cfg.ASMap.Lookup(hops[i].Addr); ok {
			hops[i].Prefix, hops[i].ASN = p, asn
		}
	}
}

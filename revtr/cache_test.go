package revtr_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/eval"
)

// slowScript is a script whose Record Route pings take rtt of the
// context's virtual time, and which counts the pings it was asked.
type slowScript struct {
	script
	rtt time.Duration
	mu  sync.Mutex
	n   map[netip.Addr]int
}

func (s *slowScript) RecordRoute(ctx context.Context, r meas.RRRequest) (meas.RRPing, error) {
	s.mu.Lock()
	if s.n == nil {
		s.n = make(map[netip.Addr]int)
	}
	s.n[r.Dst]++
	s.mu.Unlock()
	vc := eval.VirtualClock{Epoch: epoch}
	vc.WaitUntil(ctx, vc.Now(ctx).Add(s.rtt))
	return s.script.RecordRoute(ctx, r)
}

func (s *slowScript) asked(a netip.Addr) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n[a]
}

// cacheEngine is an engine on the virtual clock measuring with p; c, if
// not nil, is its cache.
func cacheEngine(t *testing.T, p meas.Prober, pol revtr.Policy, c *revtr.Cache) *revtr.Engine {
	t.Helper()
	return cacheEngineWith(t, p, pol, func(cfg *revtr.Config) { cfg.Cache = c })
}

func cacheEngineWith(t *testing.T, p meas.Prober, pol revtr.Policy, mod func(*revtr.Config)) *revtr.Engine {
	t.Helper()
	cfg := revtr.Config{Prober: p, ASMap: asTable{}, Sources: []netip.Addr{fSrc},
		Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, Policy: pol, Clock: eval.VirtualClock{Epoch: epoch}}
	mod(&cfg)
	e, err := revtr.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func runAt(t *testing.T, e *revtr.Engine, at time.Duration, req revtr.Request) revtr.Result {
	t.Helper()
	res, err := e.Run(eval.Timeline(context.Background(), at), req)
	if err != nil {
		t.Fatalf("run %v: %v", req, err)
	}
	return res
}

// TestCacheReuse: a second reverse traceroute of the same pair within the
// TTL takes every measurement from the cache — no probe, no round, the
// first one's measurement IDs — one after the TTL measures again; an
// unanswered Record Route ping is kept for a minute only.
func TestCacheReuse(t *testing.T) {
	a, b, silent := ip("10.4.0.1"), ip("10.2.0.1"), ip("10.6.0.1")
	p := &slowScript{script: script{rr: map[netip.Addr][]netip.Addr{fDst: {fDst, fDst, a, b, fSrc}}}, rtt: 50 * time.Millisecond}
	e := cacheEngine(t, p, revtr.DefaultPolicy(), nil)
	req := revtr.Request{Src: fSrc, Dst: fDst}
	first := runAt(t, e, 0, req)
	if first.Stop != revtr.Reaches || first.Cost.RR != 1 || first.Cost.RTT != 3 { // D's RTT from the RR ping
		t.Fatalf("first: %v cost %+v", first.Stop, first.Cost)
	}
	again := runAt(t, e, time.Minute, req)
	if again.Cost.Probes() != 0 || again.Cost.Rounds != 0 || again.Cost.Reused != 4 ||
		again.Hops[1].MeasurementID != first.Hops[1].MeasurementID || again.Hops[2].RTTMeasurementID != first.Hops[2].RTTMeasurementID {
		t.Errorf("within the TTL: cost %+v, hops %+v; want everything reused with its IDs", again.Cost, again.Hops)
	}
	later := runAt(t, e, revtr.DefaultCacheTTL+time.Minute, req)
	if later.Cost.RR != 1 || later.Cost.RTT != 3 || p.asked(fDst) != 2 {
		t.Errorf("after the TTL: cost %+v, %d pings to D; want measured again", later.Cost, p.asked(fDst))
	}
	q := revtr.Request{Src: fSrc, Dst: silent, Symmetry: revtr.SymmetryNever}
	runAt(t, e, 0, q)
	runAt(t, e, 30*time.Second, q)
	if p.asked(silent) != 1 {
		t.Errorf("an unanswered ping asked again within a minute (%d pings)", p.asked(silent))
	}
	runAt(t, e, 2*time.Minute, q)
	if p.asked(silent) != 2 {
		t.Errorf("an unanswered ping kept past its minute (%d pings)", p.asked(silent))
	}
}

// TestRTTFromProbes: our policy takes a hop's RTT from an answered
// Record Route ping the source sent to it — its own, or an earlier
// reverse traceroute's that the cache holds — and pings only the other
// hops; the reference pings every hop not in its ping cache.
func TestRTTFromProbes(t *testing.T) {
	a, b := ip("10.4.0.1"), ip("10.3.0.1")
	p := &slowScript{script: script{rr: map[netip.Addr][]netip.Addr{b: {b, b, fSrc}, fDst: {fDst, fDst, a, b, fSrc}}}}
	for _, tc := range []struct {
		pol       revtr.Policy
		pings     int           // RTT pings of the second reverse traceroute
		rttB      time.Duration // b's RTT in the second reverse traceroute
		fromFirst bool          // b's RTT measurement is the first one's Record Route ping
	}{{revtr.DefaultPolicy(), 1, 2 * time.Millisecond, true}, {revtr.ReferencePolicy(), 2, time.Millisecond, false}} {
		e := cacheEngine(t, p, tc.pol, nil)
		first := runAt(t, e, 0, revtr.Request{Src: fSrc, Dst: b})
		res := runAt(t, e, time.Second, revtr.Request{Src: fSrc, Dst: fDst})
		if res.Stop != revtr.Reaches || res.Cost.RTT != tc.pings {
			t.Errorf("%s: %v cost %+v; want %d RTT pings", tc.pol.Name, res.Stop, res.Cost, tc.pings)
		}
		h := res.Hops[2]
		if h.Addr != b || h.RTT != tc.rttB || (h.RTTMeasurementID == first.Hops[1].MeasurementID) != tc.fromFirst {
			t.Errorf("%s: hop %+v, first %+v; want RTT %v (from its Record Route ping: %v)", tc.pol.Name, h, first.Hops, tc.rttB, tc.fromFirst)
		}
		if d := res.Hops[0]; tc.fromFirst && (d.RTT != 2*time.Millisecond || d.RTTMeasurementID != res.Hops[1].MeasurementID) {
			t.Errorf("%s: destination %+v; want its Record Route ping's RTT", tc.pol.Name, d)
		}
	}
}

// TestCacheReverseHops: an answered Record Route ping is kept under
// every reverse hop it revealed, so that a later probe toward one of them
// is answered by it; the reference keeps it under the last one too, after
// which it reveals nothing, so that the probe toward that hop is never
// sent; ours sends it.
func TestCacheReverseHops(t *testing.T) {
	a, b := ip("10.4.0.1"), ip("10.3.0.1")
	p := &slowScript{script: script{rr: map[netip.Addr][]netip.Addr{fDst: {fDst, fDst, a, fSrc}, ip("10.6.0.1"): {ip("10.6.0.1"), ip("10.6.0.1"), a, b},
		b: {b, b, fSrc}}}}
	for _, pol := range []revtr.Policy{revtr.ReferencePolicy(), revtr.DefaultPolicy()} {
		e := cacheEngine(t, p, pol, nil)
		runAt(t, e, 0, revtr.Request{Src: fSrc, Dst: fDst})
		res := runAt(t, e, time.Second, revtr.Request{Src: fSrc, Dst: a})
		if res.Stop != revtr.Reaches || res.Cost.RR != 0 || res.Cost.Reused == 0 {
			t.Errorf("%s: toward a: %v cost %+v; want the reply to D reused, no ping sent", pol.Name, res.Stop, res.Cost)
		}
		p.n = nil
		runAt(t, e, 0, revtr.Request{Src: fSrc, Dst: ip("10.6.0.1"), Symmetry: revtr.SymmetryNever})
		res = runAt(t, e, time.Second, revtr.Request{Src: fSrc, Dst: b, Symmetry: revtr.SymmetryNever})
		want, stop := 1, revtr.Reaches
		if pol.Cache.LastSlot {
			want, stop = 0, revtr.Failed
		}
		if p.asked(b) != want || res.Stop != stop {
			t.Errorf("%s: toward b, the last slot: %d pings sent, %v; want %d, %v", pol.Name, p.asked(b), res.Stop, want, stop)
		}
	}
}

// TestCacheSites: spoofed probes from vantage points of one site share
// entries; engines given one cache share it.
func TestCacheSites(t *testing.T) {
	p := &spoofScript{reveal: map[int]int{1: 3}}
	site := func(netip.Addr) string { return "lga01" }
	for _, tc := range []struct {
		name   string
		cfg    revtr.CacheConfig
		shared bool // the second engine's spoofed probes all answered by the first's
	}{{"one site", revtr.CacheConfig{Site: site}, true}, {"own sites", revtr.CacheConfig{}, false}} {
		c := revtr.NewCache(tc.cfg)
		pol := revtr.DefaultPolicy()
		pol.Cache.AnySender = false
		e1 := spoofEngineWith(t, p, pol, rankSel{}, c)
		e2 := spoofEngineWith(t, p, pol, reversed{}, c)
		req := revtr.Request{Src: fSrc, Dst: fDst, Symmetry: revtr.SymmetryNever}
		run(t, e1, req)
		if res := run(t, e2, req); (res.Cost.SpoofedRR == 0) != tc.shared {
			t.Errorf("%s: second engine sent %d spoofed probes; want none only when all vantage points share a site", tc.name, res.Cost.SpoofedRR)
		}
	}
}

// TestCacheAnySender: our policy takes the longest segment that spoofed
// probes any vantage point sent toward the target lately revealed,
// before sending from those it ranks first; the reference sends from
// its own.
func TestCacheAnySender(t *testing.T) {
	for _, tc := range []struct {
		pol   revtr.Policy
		reuse bool
	}{{revtr.DefaultPolicy(), true}, {revtr.ReferencePolicy(), false}} {
		tc.pol.Deepen = 0 // the segment leads nowhere: deepening would spoof toward the destination again
		p := &spoofScript{reveal: map[int]int{1: 3, 2: 1}}
		c := revtr.NewCache(revtr.CacheConfig{})
		req := revtr.Request{Src: fSrc, Dst: fDst, Symmetry: revtr.SymmetryNever}
		first := run(t, spoofEngineWith(t, p, tc.pol, rankSel{}, c), req)
		before := p.toward(fDst)
		res := run(t, spoofEngineWith(t, p, tc.pol, reversed{}, c), req)
		sent := p.toward(fDst) - before
		reused := sent == 0 && len(res.Hops) == 4 && res.Hops[1].MeasurementID == first.Hops[1].MeasurementID
		if reused != tc.reuse || len(first.Hops) != 4 {
			t.Errorf("%s: first %v, then %d spoofed probes toward the destination, hops %+v; want vantage point 1's segment reused: %v",
				tc.pol.Name, addrsOf(first.Hops), sent, res.Hops, tc.reuse)
		}
	}
}

// reversed ranks 10.8.0.10 … 10.8.0.1.
type reversed struct{ rankSel }

func (reversed) Rank(_, _ netip.Addr) []netip.Addr {
	var out []netip.Addr
	for k := 10; k >= 1; k-- {
		out = append(out, vpAddr(k))
	}
	return out
}

// TestCacheJoin, on the virtual clock: a reverse traceroute that asks for
// a measurement another one has in flight waits for its answer (ours:
// no probe, its runtime running to the answer), where the reference
// sends its own; one that asks before the other sent it takes nothing
// from the future.
func TestCacheJoin(t *testing.T) {
	a := ip("10.4.0.1")
	for _, tc := range []struct {
		pol   revtr.Policy
		pings int
	}{{revtr.DefaultPolicy(), 2}, {revtr.ReferencePolicy(), 3}} {
		p := &slowScript{script: script{rr: map[netip.Addr][]netip.Addr{fDst: {fDst, fDst, a, fSrc}}}, rtt: 100 * time.Millisecond}
		e := cacheEngine(t, p, tc.pol, nil)
		req := revtr.Request{Src: fSrc, Dst: fDst}
		runAt(t, e, time.Second, req)
		mid := runAt(t, e, time.Second+50*time.Millisecond, req) // during the first's ping
		if early := runAt(t, e, 0, req); early.Cost.RR != 1 {
			t.Errorf("%s: started earlier: cost %+v, want its own ping", tc.pol.Name, early.Cost)
		}
		if p.asked(fDst) != tc.pings {
			t.Errorf("%s: %d pings in all, want %d", tc.pol.Name, p.asked(fDst), tc.pings)
		}
		if tc.pol.Cache.Join && (mid.Cost.RR != 0 || mid.Runtime < 50*time.Millisecond) {
			t.Errorf("%s: joined a ping in flight for 50ms more: cost %+v, runtime %v", tc.pol.Name, mid.Cost, mid.Runtime)
		}
	}
}

// blocking answers Record Route pings toward fDst only once released,
// or fails them when their context ends; it counts them.
type blocking struct {
	script
	arrived chan struct{}
	release chan struct{}
	mu      sync.Mutex
	n       int
}

func (b *blocking) RecordRoute(ctx context.Context, r meas.RRRequest) (meas.RRPing, error) {
	b.mu.Lock()
	b.n++
	b.mu.Unlock()
	b.arrived <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
		return meas.RRPing{}, ctx.Err()
	}
	return b.script.RecordRoute(ctx, r)
}

func (b *blocking) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// metric reads one of the cache's metrics, the one with the given
// labels (name=value pairs).
func metric(t *testing.T, c *revtr.Cache, name string, labels ...string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for i := 0; i+1 < len(labels); i += 2 {
				if have[labels[i]] != labels[i+1] {
					continue next
				}
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s %v", name, labels)
	return 0
}

// TestCacheJoinWallClock: on the wall clock, concurrent reverse
// traceroutes of an engine share one measurement in flight; when the one
// that sent it is canceled, the one waiting sends its own.
func TestCacheJoinWallClock(t *testing.T) {
	for _, cancelFirst := range []bool{false, true} {
		p := &blocking{script: script{rr: map[netip.Addr][]netip.Addr{fDst: {fDst, fDst, fSrc}}},
			arrived: make(chan struct{}, 4), release: make(chan struct{})}
		e, err := revtr.New(revtr.Config{Prober: p, Sources: []netip.Addr{fSrc},
			Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
		if err != nil {
			t.Fatal(err)
		}
		req := revtr.Request{Src: fSrc, Dst: fDst}
		ctx1, cancel1 := context.WithCancel(context.Background())
		defer cancel1()
		results := make(chan revtr.Result, 2)
		go func() { res, _ := e.Run(ctx1, req); results <- res }()
		<-p.arrived
		go func() { res, _ := e.Run(context.Background(), req); results <- res }()
		for metric(t, e.Cache(), "revtr_cache_lookups_total", "kind", "rr", "outcome", "join") < 1 {
			select {
			case <-p.arrived:
				t.Fatal("the second reverse traceroute sent its own ping while one was in flight")
			case <-time.After(time.Millisecond):
			}
		}
		if cancelFirst {
			cancel1()
			<-p.arrived // the waiting one sends its own
		}
		close(p.release)
		r1, r2 := <-results, <-results
		want := 1
		if cancelFirst {
			want = 2
		}
		if p.count() != want {
			t.Errorf("cancel %v: %d pings, want %d", cancelFirst, p.count(), want)
		}
		reached := 0
		for _, r := range []revtr.Result{r1, r2} {
			if r.Stop == revtr.Reaches {
				reached++
			}
		}
		if cancelFirst && reached != 1 || !cancelFirst && reached != 2 {
			t.Errorf("cancel %v: results %v %v", cancelFirst, r1.Stop, r2.Stop)
		}
	}
}

// TestCacheBound: however many measurements are stored, the cache holds
// at most its bound of keys, and its metrics count every lookup.
func TestCacheBound(t *testing.T) {
	c := revtr.NewCache(revtr.CacheConfig{Entries: 16})
	e := cacheEngine(t, &slowScript{}, revtr.DefaultPolicy(), c)
	for i := range 200 {
		runAt(t, e, 0, revtr.Request{Src: fSrc, Dst: netip.AddrFrom4([4]byte{10, 7, byte(i >> 8), byte(i)}), Symmetry: revtr.SymmetryNever})
		if n := c.Keys(); n > 16 {
			t.Fatalf("%d keys held after %d reverse traceroutes, bound 16", n, i+1)
		}
	}
	if metric(t, c, "revtr_cache_forgotten_total") == 0 || metric(t, c, "revtr_cache_lookups_total", "kind", "rr", "outcome", "miss") != 200 {
		t.Error("forgotten keys or Record Route misses not counted")
	}
	if got := metric(t, c, "revtr_cache_keys"); got != float64(c.Keys()) {
		t.Errorf("keys gauge %v, want %d", got, c.Keys())
	}
}

func spoofEngineWith(t *testing.T, p meas.Prober, pol revtr.Policy, sel revtr.Selector, c *revtr.Cache) *revtr.Engine {
	t.Helper()
	var vps []netip.Addr
	for k := 1; k <= 10; k++ {
		vps = append(vps, vpAddr(k))
	}
	e, err := revtr.New(revtr.Config{Prober: p, Selector: sel, Sources: []netip.Addr{fSrc}, VantagePoints: vps, Cache: c,
		Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

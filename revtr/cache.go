package revtr

import (
	"context"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// CacheRules is a policy's use of the measurement cache (Cache): how long
// an answer is reused, and whether a reverse traceroute waits for a
// measurement another one has in flight instead of sending its own.
type CacheRules struct {
	// TTL: an answered ping, Record Route ping (from the source or
	// spoofed) or traceroute is reused for this long. 0: no cache.
	TTL time.Duration
	// Silent: an unanswered ping or Record Route ping from the source is
	// reused, as unanswered, for this long; a spoofed batch toward a
	// target of which no probe was answered makes the target skipped for
	// spoofing for TTL.
	Silent time.Duration
	// Join: a measurement asked while the same one is in flight (sent by
	// another reverse traceroute, not answered yet) waits for its answer
	// instead of sending a second probe. The reference does not.
	Join bool
	// LastSlot: an answered Record Route ping, stored under every reverse
	// hop it revealed, is stored under the last one too, after which it
	// reveals nothing — so that a probe toward that hop is answered by a
	// reply without reverse hops instead of being sent (the reference's
	// rule).
	LastSlot bool
	// AnySender: before spoofing toward a target, the spoofed Record
	// Route pings toward it that any vantage point sent lately are looked
	// up, and the longest segment they revealed is taken for no probe —
	// not only those of the vantage points the selector would send from.
	// The reference does not.
	AnySender bool
}

// The reference's cache rules (docs/protocols.md §1): RTT pings ask for
// answers at most 15 minutes old, the controller keeps Record Route
// pings (keyed by the sender's site, the source and the target) and
// traceroutes as long, unanswered pings for a minute.
const (
	DefaultCacheTTL    = 15 * time.Minute
	DefaultCacheSilent = time.Minute
	// DefaultCacheEntries bounds a cache's keys: ~60 MiB at most.
	DefaultCacheEntries = 1 << 18
)

// CacheConfig tunes a Cache.
type CacheConfig struct {
	// Entries bounds the keys held (0: DefaultCacheEntries); past it the
	// older half is forgotten.
	Entries int
	// Site maps a vantage point to its site: spoofed probes from one site
	// share entries, as in the reference. nil: each vantage point is its
	// own site.
	Site func(netip.Addr) string
}

// Cache holds the measurements of every reverse traceroute of the
// engines given it (Config.Cache), for each to reuse what another
// measured: pings by (source, target), Record Route pings by (sender's
// site, source, target) — an answered one also under every reverse hop it
// revealed, as the reference stores them — and traceroutes by (source,
// target). Time is the engine's clock, so that on a virtual clock a
// measurement is reused only once its answer has arrived in virtual time
// and, by Join, joined while it is in flight. It holds at most
// CacheConfig.Entries keys. Cache is a prometheus.Collector of its hits,
// joins and misses per measurement kind, and of its size. Safe for
// concurrent use.
type Cache struct {
	site    func(netip.Addr) string
	mu      sync.Mutex
	slots   bounded[cacheKey, *cacheSlot]
	lookups [cacheKinds][outcomes]atomic.Int64

	descLookups, descKeys, descForgotten *prometheus.Desc
}

// NewCache returns an empty cache.
func NewCache(cfg CacheConfig) *Cache {
	if cfg.Entries <= 0 {
		cfg.Entries = DefaultCacheEntries
	}
	return &Cache{site: cfg.Site, slots: newBounded[cacheKey, *cacheSlot](cfg.Entries),
		descLookups: prometheus.NewDesc("revtr_cache_lookups_total",
			"Measurements the engine looked up in its cache, by kind and outcome (hit: reused; join: waited for one in flight; miss: measured).",
			[]string{"kind", "outcome"}, nil),
		descKeys: prometheus.NewDesc("revtr_cache_keys",
			"Keys the engine's measurement cache holds.", nil, nil),
		descForgotten: prometheus.NewDesc("revtr_cache_forgotten_total",
			"Keys the engine's measurement cache forgot to stay within its bound.", nil, nil)}
}

// cacheKind is what a cache entry holds.
type cacheKind uint8

const (
	cachePing        cacheKind = iota // meas.Ping from the source
	cacheRR                           // meas.RRPing, from the source or spoofed
	cacheTrace                        // meas.Trace from the source
	cacheSpoofSilent                  // a spoofed batch of which nothing came back
	cacheKinds
)

var cacheKindNames = [cacheKinds]string{"ping", "rr", "traceroute", "spoof_silent"}

// outcome is how a lookup ended.
type outcome uint8

const (
	hit outcome = iota
	joined
	missed
	outcomes
)

var outcomeNames = [outcomes]string{"hit", "join", "miss"}

// cacheKey names a measurement: its kind, the sender's site (spoofed
// Record Route; the vantage point's address when no site is known), the
// source and the target.
type cacheKey struct {
	kind     cacheKind
	site     string
	vp       netip.Addr
	src, dst netip.Addr
}

// key returns the key of a measurement toward dst as src, sent by vp
// (zero or src: the source itself).
func (c *Cache) key(kind cacheKind, src, dst, vp netip.Addr) cacheKey {
	k := cacheKey{kind: kind, src: src, dst: dst}
	if vp.IsValid() && vp != src {
		if c.site != nil {
			k.site = c.site(vp)
		} else {
			k.vp = vp
		}
	}
	return k
}

// cacheEntry is one measurement: in flight until ready is closed, then
// answered (val, id; reusable for ttl after done) or failed (not reused).
type cacheEntry struct {
	start time.Time
	ready chan struct{}
	// Set before ready closes.
	done   time.Time
	ttl    time.Duration
	failed bool
	id     uint64
	val    any
}

// ref is an entry under one key, slot being where the key's target
// appears in a Record Route reply (0 for other measurements): a nearer
// stamp leaves more reverse hops after it.
type ref struct {
	e    *cacheEntry
	slot int
}

// maxRefs bounds the entries one key holds: on a virtual clock, reverse
// traceroutes run out of order measure the same thing at several times.
const maxRefs = 4

// cacheSlot is a key's entries, oldest first.
type cacheSlot struct{ refs []ref }

// answered reports whether e has its answer by at.
func (e *cacheEntry) answered(at time.Time) bool {
	select {
	case <-e.ready:
		return !e.failed && !e.done.After(at)
	default:
		return false
	}
}

// fresh reports whether e, answered by at, is still reusable then.
func (e *cacheEntry) fresh(at time.Time) bool {
	return e.answered(at) && at.Sub(e.done) < e.ttl
}

// inFlight reports whether e was sent by at and had no answer then.
func (e *cacheEntry) inFlight(at time.Time) bool {
	if e.start.After(at) {
		return false
	}
	select {
	case <-e.ready:
		return !e.failed && e.done.After(at)
	default:
		return true
	}
}

// acquire returns, for a measurement asked at at: the freshest entry
// answered by then (hit), else, if the rules join, one in flight (joined),
// else a new entry in flight that the caller measures and settles
// (missed).
func (c *Cache) acquire(k cacheKey, at time.Time, rules CacheRules) (*cacheEntry, outcome) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.slot(k)
	var best, flying *cacheEntry
	for _, r := range s.refs {
		switch {
		case r.e.fresh(at) && (best == nil || r.e.done.After(best.done)):
			best = r.e
		case rules.Join && r.e.inFlight(at) && flying == nil:
			flying = r.e
		}
	}
	o := missed
	switch {
	case best != nil:
		o = hit
	case flying != nil:
		best, o = flying, joined
	default:
		best = &cacheEntry{start: at, ready: make(chan struct{})}
		s.add(ref{e: best})
	}
	c.lookups[k.kind][o].Add(1)
	return best, o
}

// peek reports whether a fresh answer is held for k at at, counting the
// lookup, without starting a measurement.
func (c *Cache) peek(k cacheKey, at time.Time) (*cacheEntry, bool) {
	e, ok := c.answer(k, at, func(*cacheEntry) bool { return true })
	o := missed
	if ok {
		o = hit
	}
	c.lookups[k.kind][o].Add(1)
	return e, ok
}

// answer returns the newest entry held for k that is fresh at at and
// that want accepts, without counting a lookup.
func (c *Cache) answer(k cacheKey, at time.Time, want func(*cacheEntry) bool) (*cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answerLocked(k, at, want)
}

// answers is answer for each of keys under one lock, in their order.
func (c *Cache) answers(keys []cacheKey, at time.Time, want func(*cacheEntry) bool) []*cacheEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*cacheEntry
	for _, k := range keys {
		if e, ok := c.answerLocked(k, at, want); ok {
			out = append(out, e)
		}
	}
	return out
}

func (c *Cache) answerLocked(k cacheKey, at time.Time, want func(*cacheEntry) bool) (*cacheEntry, bool) {
	s := c.find(k)
	if s == nil {
		return nil, false
	}
	for i := len(s.refs) - 1; i >= 0; i-- {
		if e := s.refs[i].e; e.fresh(at) && want(e) {
			return e, true
		}
	}
	return nil, false
}

// put stores an answered entry under k (marks, reverse hops), replacing
// what is held there unless that is fresh at the entry's time with a
// nearer slot.
func (c *Cache) put(k cacheKey, r ref) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.slot(k)
	for _, o := range s.refs {
		if o.e != r.e && o.e.fresh(r.e.done) && o.slot < r.slot {
			return
		}
	}
	s.add(r)
}

// settle gives e its answer at done, reusable for ttl (0: only by those
// who joined it, whom it wakes).
func (c *Cache) settle(e *cacheEntry, done time.Time, ttl time.Duration, id uint64, val any) {
	c.mu.Lock()
	e.done, e.ttl, e.id, e.val = done, ttl, id, val
	c.mu.Unlock()
	close(e.ready)
}

// abandon marks e failed: it is not reused, and those who joined it
// measure themselves.
func (c *Cache) abandon(e *cacheEntry) {
	c.mu.Lock()
	e.failed = true
	c.mu.Unlock()
	close(e.ready)
}

// find returns k's slot, nil if none is held.
func (c *Cache) find(k cacheKey) *cacheSlot {
	s, _ := c.slots.get(k)
	return s
}

// slot returns k's slot, making it if none is held.
func (c *Cache) slot(k cacheKey) *cacheSlot {
	if s := c.find(k); s != nil {
		return s
	}
	s := &cacheSlot{}
	c.slots.put(k, s)
	return s
}

// add appends r, dropping the oldest entry past maxRefs.
func (s *cacheSlot) add(r ref) {
	if len(s.refs) == maxRefs {
		s.refs = append(s.refs[:0], s.refs[1:]...)
	}
	s.refs = append(s.refs, r)
}

// Keys is how many keys the cache holds.
func (c *Cache) Keys() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slots.len()
}

// forgotten is how many keys the cache forgot to stay within its bound.
func (c *Cache) forgotten() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slots.forgotten
}

// Describe sends the descriptors of the cache's metrics.
func (c *Cache) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.descLookups
	ch <- c.descKeys
	ch <- c.descForgotten
}

// Collect sends the cache's metrics.
func (c *Cache) Collect(ch chan<- prometheus.Metric) {
	for k := range cacheKinds {
		for o := range outcomes {
			ch <- prometheus.MustNewConstMetric(c.descLookups, prometheus.CounterValue,
				float64(c.lookups[k][o].Load()), cacheKindNames[k], outcomeNames[o])
		}
	}
	ch <- prometheus.MustNewConstMetric(c.descKeys, prometheus.GaugeValue, float64(c.Keys()))
	ch <- prometheus.MustNewConstMetric(c.descForgotten, prometheus.CounterValue, float64(c.forgotten()))
}

// Waiter is implemented by clocks on which waiting advances time (virtual
// clocks): WaitUntil moves the context's timeline on to t if it is
// earlier. A reverse traceroute that joins a measurement in flight waits
// for its answer.
type Waiter interface {
	WaitUntil(ctx context.Context, t time.Time)
}

// wait blocks until e is settled or ctx ends, then, on a virtual clock,
// moves the timeline to e's answer. It reports whether e has an answer.
func (r *run) wait(ctx context.Context, e *cacheEntry) (bool, error) {
	select {
	case <-e.ready:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	if e.failed {
		return false, nil
	}
	if w, ok := r.e.cfg.Clock.(Waiter); ok {
		w.WaitUntil(ctx, e.done)
	}
	return true, nil
}

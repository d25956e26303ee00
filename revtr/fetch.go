package revtr

import (
	"context"
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
)

// want names a measurement a reverse traceroute needs: its kind, target
// and sender (a vantage point spoofing as the source; zero for the
// source itself).
type want struct {
	kind    cacheKind
	dst, vp netip.Addr
}

// got is a measurement as fetch obtained it.
type got[T any] struct {
	val T
	id  uint64
	// sent: this reverse traceroute sent it (not reused from the cache,
	// nor waited for).
	sent bool
}

// fetch obtains the measurements ws: from the cache where it holds an
// answer, else sent by send(ctx, i) — all at once, as one probe round, in
// which those another reverse traceroute has in flight are waited for
// if the policy joins them — after spending one probe each of field (nil:
// the caller accounts for them). keep says how long the cache may reuse
// an answer (unanswered probes are kept for less long). No round is
// counted when the cache answers everything.
func fetch[T any](ctx context.Context, r *run, ws []want, field *int, send func(context.Context, int) (T, error),
	keep func(T) time.Duration) ([]got[T], error) {
	out := make([]got[T], len(ws))
	entries := make([]*cacheEntry, len(ws))
	outs := make([]outcome, len(ws))
	var work []int
	misses := 0
	for i, w := range ws {
		entries[i], outs[i] = r.acquire(ctx, w)
		switch outs[i] {
		case hit:
			out[i] = got[T]{val: entries[i].val.(T), id: entries[i].id}
			r.reused()
		case missed:
			misses++
			out[i].id, out[i].sent = r.nextID(), true
			fallthrough
		default:
			work = append(work, i)
		}
	}
	if len(work) == 0 {
		return out, nil
	}
	if field != nil {
		if err := r.spend(misses, field); err != nil {
			r.abandon(entries, outs)
			return nil, err
		}
	}
	errs := make([]error, len(ws))
	r.parallel(ctx, len(work), func(ctx context.Context, j int) {
		i := work[j]
		if outs[i] == joined {
			ok, err := r.wait(ctx, entries[i])
			if err != nil || ok {
				errs[i] = err
				if ok {
					out[i] = got[T]{val: entries[i].val.(T), id: entries[i].id}
					r.reused()
				}
				return
			}
			// What it joined failed (say, that reverse traceroute was
			// canceled): send its own, unbudgeted probe.
			entries[i] = nil
			out[i].id, out[i].sent = r.nextID(), true
			if field != nil {
				errs[i] = r.spendAfter(1, field)
			}
		}
		v, err := send(ctx, i)
		if err != nil {
			errs[i] = err
			r.e.abandon(entries[i])
			return
		}
		out[i].val = v
		r.e.settle(ctx, entries[i], r.req.Src, ws[i], out[i].id, v, keep(v))
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// acquire looks w up in the engine's cache (see Cache.acquire); without
// a cache, or under a policy that uses none, every measurement is missed.
func (r *run) acquire(ctx context.Context, w want) (*cacheEntry, outcome) {
	c, rules := r.e.cache, r.e.cfg.Policy.Cache
	if c == nil || rules.TTL <= 0 {
		return nil, missed
	}
	return c.acquire(c.key(w.kind, r.req.Src, w.dst, w.vp), r.e.cfg.Clock.Now(ctx), rules)
}

// abandon gives up the entries of the measurements fetch was to send.
func (r *run) abandon(entries []*cacheEntry, outs []outcome) {
	for i, e := range entries {
		if outs[i] == missed {
			r.e.abandon(e)
		}
	}
}

// reused counts a measurement taken from the cache or waited for.
func (r *run) reused() {
	r.mu.Lock()
	r.res.Cost.Reused++
	r.mu.Unlock()
}

// abandon gives up a cache entry (nil: none).
func (e *Engine) abandon(c *cacheEntry) {
	if c != nil {
		e.cache.abandon(c)
	}
}

// settle stores an answer in the cache entry made for it (nil: none); an
// answered Record Route ping is stored under the reverse hops it revealed
// as well (the reference's rule; the last one only with
// CacheRules.LastSlot), so that a later probe toward one of them from the
// same site is answered by it.
func (e *Engine) settle(ctx context.Context, c *cacheEntry, src netip.Addr, w want, id uint64, v any, ttl time.Duration) {
	if c == nil {
		return
	}
	e.cache.settle(c, e.cfg.Clock.Now(ctx), ttl, id, v)
	p, ok := v.(meas.RRPing)
	if !ok || !p.Replied {
		return
	}
	last := -1
	for i, a := range p.Recorded {
		if a == w.dst {
			last = i
		}
	}
	if last < 0 {
		return
	}
	rev := p.Recorded[last+1:]
	if !e.cfg.Policy.Cache.LastSlot && len(rev) > 0 {
		rev = rev[:len(rev)-1]
	}
	for i, a := range rev {
		if a.IsValid() && a != src {
			e.cache.put(e.cache.key(w.kind, src, a, w.vp), ref{e: c, slot: last + 1 + i})
		}
	}
}

// keepRR is how long the policy reuses a Record Route ping: an answered
// one TTL, an unanswered one from the source Silent, an unanswered
// spoofed one not at all (the reference caches the replies its sources
// capture; a silent spoofed probe leaves nothing).
func (r *run) keepRR(spoofed bool) func(meas.RRPing) time.Duration {
	rules := r.e.cfg.Policy.Cache
	return func(p meas.RRPing) time.Duration {
		switch {
		case p.Replied:
			return rules.TTL
		case spoofed:
			return 0
		}
		return rules.Silent
	}
}

// keepPing is how long the policy reuses a ping: TTL answered, Silent
// not.
func (r *run) keepPing(p meas.Ping) time.Duration {
	if p.Replied() {
		return r.e.cfg.Policy.Cache.TTL
	}
	return r.e.cfg.Policy.Cache.Silent
}

package revtr

import (
	"context"
	"net/netip"
	"sync"

	"github.com/revtr/revtr/meas"
)

// symmetryTrace measures the traceroute from the source toward h that
// assumed symmetry needs: only its hop before h matters. With
// Policy.ShortTraces it starts at the TTL before the one at which a
// traceroute from the source last entered h's prefix (or at the number
// of stamps a Record Route ping from the source left before h's), and
// runs again from TTL 1 only when that start was too late to show a hop
// before h. Every traceroute sent teaches the distances.
func (r *run) symmetryTrace(ctx context.Context, h netip.Addr) (meas.Trace, error) {
	req := meas.TraceRequest{Src: r.req.Src, Dst: h, Flow: meas.Flow{Proto: meas.ICMP}}
	if r.e.cfg.Policy.ShortTraces {
		req.FirstTTL = r.startTTL(h)
	}
	tr, err := r.e.cfg.Prober.Traceroute(ctx, req)
	if err != nil {
		return tr, r.proberError("traceroute", h, err)
	}
	r.e.dists.learn(r.e, r.req.Src, tr)
	if req.FirstTTL <= 1 {
		return tr, nil
	}
	if _, ok := r.penultimate(tr, h); ok || !r.reachedIn(tr, h) {
		return tr, nil
	}
	req.FirstTTL = 0
	full, err := r.e.cfg.Prober.Traceroute(ctx, req)
	if err != nil {
		return full, r.proberError("traceroute", h, err)
	}
	full.Probes += tr.Probes
	return full, nil
}

// startTTL is where a short traceroute toward h starts: the TTL before
// the fewest hops at which a traceroute from the source saw h's prefix,
// else the stamps a Record Route ping from the source toward h left
// before h's own, else 1.
func (r *run) startTTL(h netip.Addr) int {
	if d, ok := r.e.dists.get(distKey{r.req.Src, r.e.prefixOf(h)}); ok {
		return max(1, d-1)
	}
	if n, ok := r.stampsBefore[h]; ok {
		return max(1, n)
	}
	return 1
}

// reachedIn reports whether a traceroute shows h.
func (r *run) reachedIn(tr meas.Trace, h netip.Addr) bool {
	for _, hop := range tr.Hops {
		if hop.Addr.IsValid() && r.same(hop.Addr, h) {
			return true
		}
	}
	return false
}

// distKey is a source and a prefix.
type distKey struct {
	src    netip.Addr
	prefix netip.Prefix
}

// distMemory holds, per source and prefix, the fewest TTLs at which a
// traceroute from the source reached an address in the prefix, for at
// most limit keys (bounded). Safe for concurrent use.
type distMemory struct {
	mu sync.Mutex
	m  bounded[distKey, int]
}

func newDistMemory(limit int) *distMemory {
	return &distMemory{m: newBounded[distKey, int](limit)}
}

func (m *distMemory) get(k distKey) (int, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m.get(k)
}

// learn notes the TTL of every answer of a traceroute from src.
func (m *distMemory) learn(e *Engine, src netip.Addr, tr meas.Trace) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, h := range tr.Hops {
		if !h.Addr.IsValid() {
			continue
		}
		k := distKey{src, e.prefixOf(h.Addr)}
		if d, ok := m.m.get(k); !ok || h.TTL < d {
			m.m.put(k, h.TTL)
		}
	}
}

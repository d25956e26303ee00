package revtr

import (
	"context"
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
)

// hopRTT is an RTT from the source to a hop and the measurement it came
// from.
type hopRTT struct {
	rtt time.Duration
	id  uint64
}

// rtts pings every hop of a finished path from the source, all at once,
// and records each RTT with the ping's measurement ID; the cache answers
// for hops pinged lately, and under Policy.RTTFromProbes a hop the
// source already probed keeps that probe's RTT. Hops that do not answer
// keep RTT 0. RTTs are skipped if the budget does not allow them.
func (r *run) rtts(ctx context.Context) {
	var ws []want
	var at []int
	for i, h := range r.path {
		if k, ok := r.probedRTT[h.Addr]; ok || r.cachedRTT(ctx, h.Addr, &k) {
			r.path[i].RTT, r.path[i].RTTMeasurementID = k.rtt, k.id
			continue
		}
		ws = append(ws, want{kind: cachePing, dst: h.Addr})
		at = append(at, i)
	}
	gs, err := fetch(ctx, r, ws, &r.res.Cost.RTT, func(ctx context.Context, j int) (meas.Ping, error) {
		return r.ping(ctx, r.path[at[j]].Addr)
	}, r.keepPing)
	if err != nil {
		return
	}
	for j, i := range at {
		r.path[i].RTTMeasurementID = gs[j].id
		if p := gs[j].val; p.Replied() {
			r.path[i].RTT = p.RTTs[0]
			if gs[j].sent {
				r.e.noteRTT(r.req.Src, r.path[i].Addr, r.path[i].RTT)
			}
		}
	}
}

// cachedRTT sets k, under Policy.RTTFromProbes, to the RTT of an
// answered Record Route ping the source sent to a that the cache holds
// (an earlier reverse traceroute's), and reports whether there was one.
func (r *run) cachedRTT(ctx context.Context, a netip.Addr, k *hopRTT) bool {
	c := r.e.cache
	if !r.e.cfg.Policy.RTTFromProbes || c == nil || r.e.cfg.Policy.Cache.TTL <= 0 {
		return false
	}
	e, ok := c.answer(c.key(cacheRR, r.req.Src, a, netip.Addr{}), r.e.cfg.Clock.Now(ctx), func(e *cacheEntry) bool {
		p, ok := e.val.(meas.RRPing)
		return ok && p.Replied && p.Dst == a
	})
	if ok {
		*k = hopRTT{rtt: e.val.(meas.RRPing).RTT, id: e.id}
	}
	return ok
}

// probed keeps, under Policy.RTTFromProbes, the RTT of an answered probe
// the source sent to a while finding the path (the first one wins).
func (r *run) probed(a netip.Addr, rtt time.Duration, id uint64) {
	if !r.e.cfg.Policy.RTTFromProbes || !a.IsValid() {
		return
	}
	if r.probedRTT == nil {
		r.probedRTT = make(map[netip.Addr]hopRTT)
	}
	if _, ok := r.probedRTT[a]; !ok {
		r.probedRTT[a] = hopRTT{rtt: rtt, id: id}
	}
}

// ping pings a from the source.
func (r *run) ping(ctx context.Context, a netip.Addr) (meas.Ping, error) {
	p, err := r.e.cfg.Prober.Ping(ctx, meas.PingRequest{Src: r.req.Src, Dst: a, Timeout: r.e.timeout(r.req.Src, a)})
	if err != nil {
		return p, r.proberError("ping", a, err)
	}
	return p, nil
}

package revtr

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/revtr/revtr/meas"
)

// recordRoute tries Record Route on the hops of the last segment, last
// first (the one nearest the source first): from the source, then spoofed
// from vantage points. It reports whether the path grew.
func (r *run) recordRoute(ctx context.Context) (bool, error) {
	first := r.segStart
	if !r.e.cfg.Policy.AllSegmentHops {
		first = len(r.path) - 1
	}
	for i := len(r.path) - 1; i >= first; i-- {
		a := r.path[i].Addr
		if r.rrTried[a] || r.path[i].Candidate {
			continue
		}
		r.rrTried[a] = true
		left, seg, err := r.rrTarget(ctx, a)
		if err != nil {
			return false, err
		}
		if len(seg) == 0 {
			continue
		}
		tail := addrsOf(r.path[i+1:])
		if ok, err := r.extend(i, seg); ok || err != nil {
			if ok && !slices.Equal(tail, addrsOf(r.path[i+1:])) {
				// A new segment, not the same hops again (a cached reply
				// that passed a hop is the hop's): the one to deepen.
				left.at = i
				r.revealedBy = &left
			}
			return ok, err
		}
	}
	return false, nil
}

// rrTarget returns the reverse hops after target that a Record Route ping
// from the source or, failing that, spoofed ones reveal, and the vantage
// points left untried toward target (Policy.Deepen).
func (r *run) rrTarget(ctx context.Context, target netip.Addr) (untried, []Hop, error) {
	left := untried{target: target, all: true}
	if !r.skipSource(target) {
		gs, err := fetch(ctx, r, []want{{kind: cacheRR, dst: target}}, &r.res.Cost.RR,
			func(ctx context.Context, _ int) (meas.RRPing, error) {
				p, err := r.e.cfg.Prober.RecordRoute(ctx, meas.RRRequest{Src: r.req.Src, Dst: target,
					Timeout: r.e.timeout(r.req.Src, target)})
				if err != nil {
					return p, r.proberError("record route", target, err)
				}
				return p, nil
			}, r.keepRR(false))
		if err != nil {
			return left, nil, err
		}
		if p := gs[0].val; p.Replied && p.Dst == target { // not the answer of a ping to a later hop
			r.probed(target, p.RTT, gs[0].id)
		}
		if seg := r.reverseHops(gs[0].val, target, HopRR, gs[0].id, gs[0].sent); len(seg) > 0 {
			return left, seg, nil
		}
	}
	return r.spoofed(ctx, target)
}

// addrsOf returns the addresses of hops.
func addrsOf(hops []Hop) []netip.Addr {
	out := make([]netip.Addr, len(hops))
	for i, h := range hops {
		out[i] = h.Addr
	}
	return out
}

// untried is what is left to spoof from toward target, path[at], once a
// segment was revealed from it: vps, in the selector's order, or all of
// the selector's (the segment came from the source's own ping, or from
// the cache).
type untried struct {
	target netip.Addr
	at     int
	all    bool
	vps    []netip.Addr
}

// spoofed sends spoofed Record Route pings toward target from the
// selector's vantage points, batch after batch, until one reveals reverse
// hops (the longest segment of the batch wins), and returns that segment
// with the vantage points left untried.
// With Policy.QuitSilent it gives up after a batch of which no probe, nor
// any earlier one toward the target, got a reply, if that silence tells
// (SilenceJudge).
func (r *run) spoofed(ctx context.Context, target netip.Addr) (untried, []Hop, error) {
	left := untried{target: target}
	vps, err := r.spoofers(target)
	if err != nil || len(vps) == 0 || r.spoofSilent(ctx, target) {
		return left, nil, err
	}
	if seg := r.cachedSpoofed(ctx, target); len(seg) > 0 {
		left.all = true
		return left, seg, nil
	}
	var silent []netip.Addr // senders of no reply so far
	if !r.skipSource(target) {
		silent = append(silent, r.req.Src)
	}
	hushed := 0 // size of the last batch if no probe got a reply so far
	for _, b := range r.e.cfg.Policy.Batches {
		if hushed > 0 {
			b = min(b, hushed)
		}
		var batch []netip.Addr
		batch, vps = r.nextBatch(target, vps, b)
		if len(batch) == 0 {
			break
		}
		seg, answered, err := r.spoofBatch(ctx, target, batch)
		silent = append(silent, batch...)
		switch {
		case err != nil:
			return left, nil, err
		case len(seg) > 0:
			left.vps = vps
			return left, seg, nil
		case answered:
			hushed = 0
			continue
		}
		if !r.e.cfg.Policy.QuitSilent || r.answered[target] > 0 {
			r.markSpoofSilent(ctx, target)
			continue
		}
		if r.silenceTells(target, silent) {
			seg, err := r.hedge(ctx, target, silent)
			if len(seg) == 0 && err == nil {
				r.markSpoofSilent(ctx, target)
			}
			return left, seg, err
		}
		hushed = 2 * len(batch)
	}
	if hushed > 0 {
		r.markSpoofSilent(ctx, target)
	}
	return left, nil, nil
}

// deepen is the last resort before symmetry (Policy.Deepen), once no hop
// of the segment the path ends with led on: the hop that segment was
// revealed from gets spoofed Record Route pings from vantage points not
// tried toward it yet, and the longest segment they reveal replaces the
// path's if it is longer. A vantage point nearer the hop has more slots
// left for reverse hops, and a longer segment may pass a router that
// answers no probe, or reach an atlas traceroute. Each segment gets one
// such batch. It reports whether the path grew.
func (r *run) deepen(ctx context.Context) (bool, error) {
	d, n := r.revealedBy, r.e.cfg.Policy.Deepen
	r.revealedBy = nil
	if d == nil || n <= 0 || d.at >= len(r.path) || r.path[d.at].Addr != d.target {
		return false, nil
	}
	if d.all {
		vps, err := r.spoofers(d.target)
		if err != nil || r.spoofSilent(ctx, d.target) {
			return false, err
		}
		d.vps = vps
	}
	batch, _ := r.nextBatch(d.target, d.vps, n)
	if len(batch) == 0 {
		return false, nil
	}
	seg, _, err := r.spoofBatch(ctx, d.target, batch)
	if err != nil || len(seg) <= len(r.path)-d.at-1 {
		return false, err
	}
	return r.extend(d.at, seg)
}

// silenceTells reports whether the silence of senders toward target says
// that the target answers no Record Route ping: as the selector judges
// (SilenceJudge), else always.
func (r *run) silenceTells(target netip.Addr, senders []netip.Addr) bool {
	j, ok := r.e.cfg.Selector.(SilenceJudge)
	return !ok || j.SilenceTells(target, senders)
}

// spoofSilent reports whether the cache holds that a whole batch of
// spoofed probes toward target got no reply lately: the reference then
// spoofs toward it no more.
func (r *run) spoofSilent(ctx context.Context, target netip.Addr) bool {
	c := r.e.cache
	if c == nil || r.e.cfg.Policy.Cache.TTL <= 0 {
		return false
	}
	_, ok := c.peek(c.key(cacheSpoofSilent, r.req.Src, target, netip.Addr{}), r.e.cfg.Clock.Now(ctx))
	return ok
}

// markSpoofSilent remembers, for the cache's TTL, that a whole batch of
// spoofed probes toward target got no reply.
func (r *run) markSpoofSilent(ctx context.Context, target netip.Addr) {
	c := r.e.cache
	if c == nil || r.e.cfg.Policy.Cache.TTL <= 0 {
		return
	}
	now := r.e.cfg.Clock.Now(ctx)
	e := &cacheEntry{start: now, ready: make(chan struct{})}
	c.settle(e, now, r.e.cfg.Policy.Cache.TTL, 0, nil)
	c.put(c.key(cacheSpoofSilent, r.req.Src, target, netip.Addr{}), ref{e: e})
}

// hedge is the destination's last chance before it is given up on
// (Policy.DestinationHedge): once the spoofers' silence toward it told,
// a batch of vantage points of other ASes than the silent senders'.
func (r *run) hedge(ctx context.Context, target netip.Addr, silent []netip.Addr) ([]Hop, error) {
	n := r.e.cfg.Policy.DestinationHedge
	if t := r.e.cfg.Policy.TargetUnanswered; t > 0 {
		n = min(n, t-r.unanswered[target])
	}
	if n <= 0 || target != r.req.Dst {
		return nil, nil
	}
	batch := r.otherASes(target, silent, n)
	if len(batch) == 0 {
		return nil, nil
	}
	seg, _, err := r.spoofBatch(ctx, target, batch)
	return seg, err
}

// otherASes returns up to n vantage points in the selector's order for
// target, each of an AS that neither the senders nor an earlier one of
// them is in (a vantage point whose AS is unknown is of its own).
func (r *run) otherASes(target netip.Addr, senders []netip.Addr, n int) []netip.Addr {
	asOf := func(a netip.Addr) (uint32, bool) {
		if r.e.cfg.ASMap == nil {
			return 0, false
		}
		_, asn, ok := r.e.cfg.ASMap.Lookup(a)
		return asn, ok
	}
	used := make(map[uint32]bool)
	tried := map[netip.Addr]bool{r.req.Src: true}
	for _, s := range senders {
		tried[s] = true
		if asn, ok := asOf(s); ok {
			used[asn] = true
		}
	}
	var out []netip.Addr
	for _, vp := range r.e.cfg.Selector.Rank(r.req.Src, target) {
		if len(out) == n {
			break
		}
		asn, known := asOf(vp)
		if tried[vp] || !r.e.vps[vp] || (known && used[asn]) {
			continue
		}
		if known {
			used[asn] = true
		}
		out = append(out, vp)
	}
	return out
}

// nextBatch takes up to b vantage points from the front of vps, passing
// over those of an ingress the policy gave up on, and no more than the
// target's allowance of unanswered probes; it returns them and the
// vantage points left after the last one looked at.
func (r *run) nextBatch(target netip.Addr, vps []netip.Addr, b int) (batch, rest []netip.Addr) {
	if n := r.e.cfg.Policy.TargetUnanswered; n > 0 {
		b = min(b, n-r.unanswered[target])
	}
	i := 0
	for ; i < len(vps) && len(batch) < b; i++ {
		if !r.ingressDone(target, vps[i]) {
			batch = append(batch, vps[i])
		}
	}
	return batch, vps[i:]
}

// ingressDone reports whether vp enters target's prefix through an
// ingress of which the policy's IngressFailures vantage points already
// failed in this reverse traceroute.
func (r *run) ingressDone(target, vp netip.Addr) bool {
	n := r.e.cfg.Policy.IngressFailures
	ig, ok := r.e.cfg.Selector.(Ingresser)
	if n <= 0 || !ok {
		return false
	}
	in, ok := ig.Ingress(target, vp)
	return ok && r.ingressFails[in] >= n
}

// tally counts, for the policy's skipping rules, an unanswered probe
// toward target and a spoofed probe from vp that revealed nothing.
func (r *run) tally(target, vp netip.Addr, replied, revealed bool) {
	if !replied {
		r.unanswered = count(r.unanswered, target)
	} else {
		r.answered = count(r.answered, target)
	}
	if ig, ok := r.e.cfg.Selector.(Ingresser); ok && vp != r.req.Src && !revealed {
		if in, ok := ig.Ingress(target, vp); ok {
			r.ingressFails = count(r.ingressFails, in)
		}
	}
}

// count adds one to m[a], making m if it is nil.
func count(m map[netip.Addr]int, a netip.Addr) map[netip.Addr]int {
	if m == nil {
		m = make(map[netip.Addr]int)
	}
	m[a]++
	return m
}

// reaches reports whether a segment ends at the source.
func (r *run) reaches(seg []Hop) bool { return r.same(seg[len(seg)-1].Addr, r.req.Src) }

// skipSource reports whether the selector says the source's own Record
// Route ping toward target cannot reveal a hop. Without a vantage point
// to spoof from, that ping is the only Record Route left, and its reply
// tells a live target from a dead one without a diagnosis ping: it is
// never skipped then.
func (r *run) skipSource(target netip.Addr) bool {
	sel := r.e.cfg.Selector
	return sel != nil && len(r.e.vps) > 0 && sel.SkipSource(r.req.Src, target)
}

// spoofers returns the vantage points to try toward target, at most the
// policy's limit, checking that each is configured.
func (r *run) spoofers(target netip.Addr) ([]netip.Addr, error) {
	if r.e.cfg.Selector == nil {
		return nil, nil
	}
	var out []netip.Addr
	for _, vp := range r.e.cfg.Selector.Rank(r.req.Src, target) {
		if len(out) == r.e.cfg.Policy.maxSpoofers() {
			break
		}
		if vp == r.req.Src {
			continue
		}
		if !r.e.vps[vp] {
			return nil, fail(FailUnknownVantagePoint, fmt.Errorf("revtr: selector named %v: %w", vp, ErrUnknownVantagePoint))
		}
		out = append(out, vp)
	}
	return out, nil
}

// spoofBatch sends one batch of spoofed probes in parallel; answered
// reports whether any got a reply.
func (r *run) spoofBatch(ctx context.Context, target netip.Addr, batch []netip.Addr) (best []Hop, answered bool, err error) {
	ws := make([]want, len(batch))
	for i, vp := range batch {
		ws[i] = want{kind: cacheRR, dst: target, vp: vp}
	}
	gs, err := fetch(ctx, r, ws, &r.res.Cost.SpoofedRR, func(ctx context.Context, i int) (meas.RRPing, error) {
		p, err := r.e.cfg.Prober.RecordRoute(ctx, meas.RRRequest{Src: r.req.Src, Dst: target, Sender: batch[i],
			Timeout: r.e.timeout(batch[i], target)})
		if err != nil {
			return p, r.proberError("spoofed record route", target, err)
		}
		return p, nil
	}, r.keepRR(true))
	if err != nil {
		return nil, false, err
	}
	for _, g := range gs {
		answered = answered || g.val.Replied
		if seg := r.reverseHops(g.val, target, HopSpoofedRR, g.id, g.sent); len(seg) > len(best) {
			best = seg
		}
	}
	return best, answered, nil
}

// reverseHops returns the slots after the target's last stamp (alias
// aware), as hops of type t revealed by measurement id, and tells the
// selector what the probe achieved.
func (r *run) reverseHops(p meas.RRPing, target netip.Addr, t HopType, id uint64, sent bool) []Hop {
	last := -1
	for i, a := range p.Recorded {
		if r.same(a, target) {
			last = i
		}
	}
	if last >= 0 && t == HopRR && sent {
		if r.stampsBefore == nil {
			r.stampsBefore = make(map[netip.Addr]int)
		}
		r.stampsBefore[target] = slices.IndexFunc(p.Recorded, func(a netip.Addr) bool { return r.same(a, target) })
	}
	seg := r.revealed(p, target, t, id)
	r.replied = r.replied || p.Replied
	vp := p.Sender
	if !vp.IsValid() {
		vp = r.req.Src
	}
	r.tally(target, vp, p.Replied, len(seg) > 0)
	if !sent {
		return seg // the cache's answer: learnt from when it was sent
	}
	if p.Replied {
		r.e.noteRTT(vp, target, p.RTT)
	}
	if sel := r.e.cfg.Selector; sel != nil {
		sel.Observe(Observation{Src: r.req.Src, Target: target, VP: vp, Replied: p.Replied, InRange: last >= 0, Revealed: len(seg),
			At: r.res.Date})
	}
	return seg
}

// revealed returns the slots of p after target's last stamp (alias
// aware), as hops of type t revealed by measurement id.
func (r *run) revealed(p meas.RRPing, target netip.Addr, t HopType, id uint64) []Hop {
	last := -1
	for i, a := range p.Recorded {
		if r.same(a, target) {
			last = i
		}
	}
	if last < 0 {
		return nil
	}
	seg := make([]Hop, 0, len(p.Recorded)-last-1)
	for _, a := range p.Recorded[last+1:] {
		seg = append(seg, Hop{Addr: a, Type: t, MeasurementID: id})
	}
	return seg
}

// cachedSpoofed returns, under CacheRules.AnySender, the longest
// segment that the answered spoofed Record Route pings toward target the
// cache holds from any vantage point revealed (nil: none). Only the
// target's own replies count: a reply from farther away that passed the
// target followed its own flow from there, which per-flow load balancing
// may send another way.
func (r *run) cachedSpoofed(ctx context.Context, target netip.Addr) []Hop {
	c := r.e.cache
	if c == nil || r.e.cfg.Policy.Cache.TTL <= 0 || !r.e.cfg.Policy.Cache.AnySender {
		return nil
	}
	keys := make([]cacheKey, 0, len(r.e.cfg.VantagePoints))
	for _, vp := range r.e.cfg.VantagePoints {
		if vp != r.req.Src {
			keys = append(keys, c.key(cacheRR, r.req.Src, target, vp))
		}
	}
	var best []Hop
	for _, e := range c.answers(keys, r.e.cfg.Clock.Now(ctx), func(e *cacheEntry) bool {
		p, ok := e.val.(meas.RRPing)
		return ok && p.Replied && p.Dst == target // the target's own reply, not one that passed it
	}) {
		if seg := r.revealed(e.val.(meas.RRPing), target, HopSpoofedRR, e.id); len(seg) > len(best) {
			best = seg
		}
	}
	if best != nil {
		r.reused()
	}
	return best
}

// proberError records a prober failure, keeping cancellation visible.
func (r *run) proberError(op string, target netip.Addr, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("revtr: %s to %v: %w", op, target, err)
	}
	return fail(FailProber, fmt.Errorf("revtr: %s to %v: %w", op, target, err))
}

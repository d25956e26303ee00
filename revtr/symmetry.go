package revtr

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
)

// symmetry assumes the link into the current hop is symmetric: the hop
// before it on a traceroute from the source is taken as the next reverse
// hop, flagged intradomain or interdomain.
func (r *run) symmetry(ctx context.Context) error {
	if err := r.destinationAlive(ctx); err != nil {
		return err
	}
	refuse, never := r.symmetryStance()
	if never {
		return r.noHops(fail(FailNoHops, fmt.Errorf("revtr: at %v: %w (symmetry not allowed)", r.last(), errNoHops)))
	}
	h := r.last()
	if err := r.spend(1, new(int)); err != nil { // at least one probe left
		return err
	}
	gs, err := fetch(ctx, r, []want{{kind: cacheTrace, dst: h}}, nil, func(ctx context.Context, _ int) (meas.Trace, error) {
		return r.symmetryTrace(ctx, h)
	}, func(meas.Trace) time.Duration { return r.e.cfg.Policy.Cache.TTL })
	if err != nil {
		return err
	}
	tr, id := gs[0].val, gs[0].id
	for _, hop := range tr.Hops {
		r.probed(hop.Addr, hop.RTT, id)
	}
	if gs[0].sent {
		if err := r.spendAfter(tr.Probes, &r.res.Cost.Trace); err != nil {
			return err
		}
	}
	prev, ok := r.penultimate(tr, h)
	if !ok {
		return r.noHops(fail(FailSymmetryTraceroute, fmt.Errorf("revtr: traceroute to %v ended %v", h, tr.Stop)))
	}
	t, reason := r.symmetryType(prev, h)
	if reason != FailNone && refuse {
		return r.noHops(fail(reason, fmt.Errorf("revtr: symmetry from %v to %v refused", h, prev)))
	}
	ok, err = r.extend(len(r.path)-1, []Hop{{Addr: prev, Type: t, MeasurementID: id}})
	if err == nil && !ok {
		err = fail(FailNoHops, fmt.Errorf("revtr: symmetry at %v: %w", h, errNoHops))
	}
	return err
}

// symmetryStance says whether interdomain symmetry is refused and whether
// symmetry is off altogether, for this request.
func (r *run) symmetryStance() (refuse, never bool) {
	switch r.req.Symmetry {
	case SymmetryRefuseInter:
		return true, false
	case SymmetryAllowInter:
		return false, false
	case SymmetryNever:
		return true, true
	}
	return r.e.cfg.Policy.RefuseInterdomainSymmetry, false
}

// penultimate returns the last responsive hop before h on a traceroute
// that reached h, or the source itself when h is its first hop.
func (r *run) penultimate(tr meas.Trace, h netip.Addr) (netip.Addr, bool) {
	k := -1
	for i, hop := range tr.Hops {
		if hop.Addr.IsValid() && r.same(hop.Addr, h) {
			k = i
			break
		}
	}
	if k < 0 {
		return netip.Addr{}, false
	}
	for i := k - 1; i >= 0; i-- {
		if a := tr.Hops[i].Addr; a.IsValid() {
			return a, true
		}
	}
	if tr.Hops[0].TTL > 1 { // a short traceroute that started too late
		return netip.Addr{}, false
	}
	return r.req.Src, true
}

// symmetryType classifies the link between prev and h; reason is why
// symmetry over it is refused under a refusing policy.
func (r *run) symmetryType(prev, h netip.Addr) (HopType, FailReason) {
	m := r.e.cfg.ASMap
	if m == nil {
		return HopSymmetryInter, FailSymmetryUnknownAS
	}
	_, a, okA := m.Lookup(prev)
	_, b, okB := m.Lookup(h)
	switch {
	case !okA || !okB:
		return HopSymmetryInter, FailSymmetryUnknownAS
	case a != b:
		return HopSymmetryInter, FailSymmetryInterdomain
	}
	return HopSymmetryIntra, FailNone
}

// destinationAlive fails with FailDestUnresponsive when, still at the
// destination, no Record Route probe got a reply and a ping gets none
// either: nothing else can work.
func (r *run) destinationAlive(ctx context.Context) error {
	if len(r.path) > 1 || r.replied {
		return nil
	}
	gs, err := fetch(ctx, r, []want{{kind: cachePing, dst: r.req.Dst}}, &r.res.Cost.Ping,
		func(ctx context.Context, _ int) (meas.Ping, error) { return r.ping(ctx, r.req.Dst) }, r.keepPing)
	if err != nil {
		return err
	}
	p := gs[0].val
	if !p.Replied() {
		return fail(FailDestUnresponsive, fmt.Errorf("revtr: %v answers neither ping nor Record Route", r.req.Dst))
	}
	r.e.noteRTT(r.req.Src, r.req.Dst, p.RTTs[0])
	r.probed(r.req.Dst, p.RTTs[0], gs[0].id)
	return nil
}

// noHops refines why nothing worked when symmetry was not allowed at the
// destination: Record Route that never got a reply means no RR support;
// replies that revealed nothing mean no vantage point in range. A refused
// or failed symmetry keeps its own reason, as in the reference.
func (r *run) noHops(err error) error {
	if len(r.path) > 1 || reasonOf(err) != FailNoHops {
		return err
	}
	if !r.replied {
		return fail(FailNoRRSupport, fmt.Errorf("revtr: %v answers no Record Route: %w", r.req.Dst, err))
	}
	return fail(FailNoVPInRange, fmt.Errorf("revtr: no probe got %v's reverse hops: %w", r.req.Dst, err))
}

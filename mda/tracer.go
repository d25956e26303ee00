package mda

import (
	"cmp"
	"context"
	"net/netip"
	"slices"

	"github.com/revtr/revtr/meas"
)

// tracer is the state of one run: every answer seen, by flow and TTL.
type tracer struct {
	ctx    context.Context
	p      params
	probe  ProbeFunc
	resp   map[probeKey]meas.Hop
	byTTL  map[int][]int  // flows probed at a TTL, in probing order
	seen   map[vertex]int // flows that answered from a vertex
	flows  int            // flow indices handed out: 0..flows-1
	probes int
	// starved holds vertices node control failed to find one more flow
	// through: they are not tried again.
	starved map[vertex]bool
}

type probeKey struct{ flow, ttl int }

// vertex is an address at a TTL; the zero address stands for the silent
// vertex of that TTL (flows that got no answer).
type vertex struct {
	ttl  int
	addr netip.Addr
}

func newTracer(ctx context.Context, p params, probe ProbeFunc) *tracer {
	return &tracer{ctx: ctx, p: p, probe: probe, resp: make(map[probeKey]meas.Hop),
		byTTL: make(map[int][]int), seen: make(map[vertex]int), starved: make(map[vertex]bool)}
}

// at returns flow f's answer at ttl, probing only the first time.
func (t *tracer) at(f, ttl int) (meas.Hop, error) {
	k := probeKey{f, ttl}
	if h, ok := t.resp[k]; ok {
		return h, nil
	}
	if err := t.ctx.Err(); err != nil {
		return meas.Hop{}, err
	}
	h, err := t.probe(t.ctx, meas.Flow{Proto: t.p.proto, ID: uint16(FlowBase + f)}, ttl)
	if err != nil {
		return meas.Hop{}, err
	}
	t.probes++
	h.TTL = ttl
	if h.Reply == meas.NoReply {
		h.Addr = netip.Addr{}
	}
	t.resp[k] = h
	t.byTTL[ttl] = append(t.byTTL[ttl], f)
	t.seen[vertex{ttl, h.Addr}]++
	return h, nil
}

// newFlow hands out an unused flow index; ok is false when none is left.
func (t *tracer) newFlow() (int, bool) {
	if t.flows == maxFlows {
		return 0, false
	}
	t.flows++
	return t.flows - 1, true
}

// run probes TTL after TTL until the destination ends every flow, too many
// TTLs in a row are silent, or the maximum TTL is reached.
func (t *tracer) run() (meas.StopReason, error) {
	gap := 0
	for h := t.p.first; h <= t.p.max; h++ {
		if err := t.settle(h); err != nil {
			return 0, err
		}
		if t.finished(h) {
			return t.endReason(), nil
		}
		if t.silent(h) {
			gap++
		} else {
			gap = 0
		}
		if gap >= t.p.gapLimit {
			return meas.StopGapLimit, nil
		}
	}
	return meas.StopMaxTTL, nil
}

// settle expands every TTL up to h until no new vertex appears: a vertex
// found by node control at a lower TTL may give its predecessor one more
// successor, which calls for more flows there.
func (t *tracer) settle(h int) error {
	for {
		before := len(t.seen)
		for ttl := t.p.first; ttl <= h; ttl++ {
			if err := t.expandTTL(ttl); err != nil {
				return err
			}
		}
		if len(t.seen) == before {
			return nil
		}
	}
}

// expandTTL applies the stopping rule at TTL h to every vertex of TTL h-1
// still in transit, until it holds for all of them.
func (t *tracer) expandTTL(h int) error {
	for {
		before := len(t.seen)
		for _, v := range t.predecessors(h) {
			if err := t.expand(v, h); err != nil {
				return err
			}
		}
		if len(t.seen) == before {
			return nil
		}
	}
}

// predecessors returns the vertices of TTL h-1 whose successors are to be
// found at h: the source at the first TTL, else every vertex that is not a
// destination, in a fixed order.
func (t *tracer) predecessors(h int) []netip.Addr {
	if h == t.p.first {
		return []netip.Addr{{}}
	}
	var vs []netip.Addr
	for _, f := range t.byTTL[h-1] {
		r := t.resp[probeKey{f, h - 1}]
		if !r.Reply.FromDestination() && !slices.Contains(vs, r.Addr) {
			vs = append(vs, r.Addr)
		}
	}
	slices.SortFunc(vs, netip.Addr.Compare)
	return vs
}

// through returns the flows known to pass v at ttl, in probing order (every
// flow passes the source).
func (t *tracer) through(v netip.Addr, ttl int) []int {
	var fs []int
	if ttl < t.p.first {
		for f := range t.flows {
			fs = append(fs, f)
		}
		return fs
	}
	for _, f := range t.byTTL[ttl] {
		if t.resp[probeKey{f, ttl}].Addr == v {
			fs = append(fs, f)
		}
	}
	return fs
}

// expand probes flows through v (at h-1) at h until n_{k+1} have been
// probed, k being the distinct successors seen.
func (t *tracer) expand(v netip.Addr, h int) error {
	flows := t.through(v, h-1)
	var succ []netip.Addr
	probed := 0
	for _, f := range flows {
		if r, ok := t.resp[probeKey{f, h}]; ok {
			probed++
			succ = addUnique(succ, r.Addr)
		}
	}
	next := 0
	for probed < t.p.stop(len(succ)+1) {
		f, ok, err := t.flowThrough(v, h-1, flows, &next)
		if err != nil || !ok {
			return err
		}
		r, err := t.at(f, h)
		if err != nil {
			return err
		}
		probed++
		succ = addUnique(succ, r.Addr)
	}
	return nil
}

// flowThrough returns a flow through v at ttl not yet probed at ttl+1: the
// next known one (from *next on in flows), else a new one found by node
// control. ok is false when none can be found.
func (t *tracer) flowThrough(v netip.Addr, ttl int, flows []int, next *int) (int, bool, error) {
	for *next < len(flows) {
		f := flows[*next]
		*next++
		if _, done := t.resp[probeKey{f, ttl + 1}]; !done {
			return f, true, nil
		}
	}
	if ttl < t.p.first {
		f, ok := t.newFlow()
		return f, ok, nil
	}
	if t.starved[vertex{ttl, v}] {
		return 0, false, nil
	}
	t.starved[vertex{ttl, v}] = true // until a flow is found
	for range nodeControlTries {
		f, ok := t.newFlow()
		if !ok {
			return 0, false, nil
		}
		r, err := t.at(f, ttl)
		if err != nil {
			return 0, false, err
		}
		if err := t.link(f, ttl); err != nil {
			return 0, false, err
		}
		if r.Addr == v && !r.Reply.FromDestination() {
			delete(t.starved, vertex{ttl, v})
			return f, true, nil
		}
	}
	return 0, false, nil
}

// link probes flow f at TTLs below ttl while its vertex there is new, so
// that a vertex node control found is linked to its predecessor.
func (t *tracer) link(f, ttl int) error {
	for ttl > t.p.first && t.seen[vertex{ttl, t.resp[probeKey{f, ttl}].Addr}] == 1 {
		ttl--
		if _, err := t.at(f, ttl); err != nil {
			return err
		}
	}
	return nil
}

// finished reports whether every flow probed at h ended at a destination.
func (t *tracer) finished(h int) bool {
	for _, f := range t.byTTL[h] {
		if !t.resp[probeKey{f, h}].Reply.FromDestination() {
			return false
		}
	}
	return true
}

// silent reports whether nothing answered at h.
func (t *tracer) silent(h int) bool {
	return t.seen[vertex{h, netip.Addr{}}] == len(t.byTTL[h])
}

// endReason says how flows ended: at the destination, or at a router that
// reported it unreachable.
func (t *tracer) endReason() meas.StopReason {
	for _, r := range t.resp {
		if r.Reply.FromDestination() && r.Addr == t.p.dst {
			return meas.StopCompleted
		}
	}
	return meas.StopUnreachable
}

// graph returns the interfaces and links seen, sorted.
func (t *tracer) graph() ([]meas.Interface, []meas.MPLink) {
	var ifs []meas.Interface
	for v := range t.seen {
		if v.addr.IsValid() {
			ifs = append(ifs, meas.Interface{TTL: v.ttl, Addr: v.addr})
		}
	}
	links := make(map[meas.MPLink]bool)
	for k, r := range t.resp {
		n, ok := t.resp[probeKey{k.flow, k.ttl + 1}]
		if ok && r.Addr.IsValid() && n.Addr.IsValid() && !r.Reply.FromDestination() {
			links[meas.MPLink{TTL: k.ttl, From: r.Addr, To: n.Addr}] = true
		}
	}
	ls := make([]meas.MPLink, 0, len(links))
	for l := range links {
		ls = append(ls, l)
	}
	slices.SortFunc(ifs, func(a, b meas.Interface) int {
		return cmp.Or(cmp.Compare(a.TTL, b.TTL), a.Addr.Compare(b.Addr))
	})
	slices.SortFunc(ls, func(a, b meas.MPLink) int {
		return cmp.Or(cmp.Compare(a.TTL, b.TTL), a.From.Compare(b.From), a.To.Compare(b.To))
	})
	return ifs, ls
}

func addUnique(s []netip.Addr, a netip.Addr) []netip.Addr {
	if slices.Contains(s, a) {
		return s
	}
	return append(s, a)
}

package mda

import (
	"cmp"
	"context"
	"net/netip"
	"slices"

	"github.com/revtr/revtr/meas"
)

// tracer is the state of one run: every answer seen, by flow and TTL, and
// what each hop's stopping rule decided.
type tracer struct {
	ctx    context.Context
	p      params
	probe  ProbeFunc
	resp   map[probeKey]meas.Hop
	byTTL  map[int][]int // flows probed at a TTL, in probing order
	flows  int           // flow indices handed out: 0..flows-1
	probes int
	hops   map[int]*hopState
	verts  map[int][]netip.Addr // distinct vertices answering at a TTL, sorted
	ending map[vertex]bool      // vertices that ended a flow
	// reaches caches reach by TTL while the state is unchanged: no probe
	// sent, no hop switched to vertex by vertex.
	reaches map[int]map[netip.Addr]float64
}

// vertex is an address at a TTL; the zero address stands for the silent
// vertex of that TTL (flows that got no answer).
type vertex struct {
	ttl  int
	addr netip.Addr
}

type probeKey struct{ flow, ttl int }

// hopState is what the stopping rule of one TTL decided so far.
type hopState struct {
	// byVertex is set once the hop is no longer counted as a whole (see
	// liteAllowed); it is never unset.
	byVertex bool
	// complete is set while the hop's stopping rule holds.
	complete bool
	// toDestination is set when the destination's reply ended the hop,
	// counted as a whole: every vertex before it is taken to lead there.
	toDestination bool
	// starved holds vertices of the previous TTL that node control failed
	// to find one more flow through: they are not tried again.
	starved map[netip.Addr]bool
}

func newTracer(ctx context.Context, p params, probe ProbeFunc) *tracer {
	return &tracer{ctx: ctx, p: p, probe: probe, resp: make(map[probeKey]meas.Hop),
		byTTL: make(map[int][]int), hops: make(map[int]*hopState),
		verts: make(map[int][]netip.Addr), ending: make(map[vertex]bool),
		reaches: make(map[int]map[netip.Addr]float64)}
}

// hop returns the state of TTL ttl, creating it.
func (t *tracer) hop(ttl int) *hopState {
	h, ok := t.hops[ttl]
	if !ok {
		h = &hopState{starved: make(map[netip.Addr]bool)}
		t.hops[ttl] = h
	}
	return h
}

// at returns flow f's answer at ttl, probing only the first time (up to
// the request's attempts while unanswered).
func (t *tracer) at(f, ttl int) (meas.Hop, error) {
	k := probeKey{f, ttl}
	if h, ok := t.resp[k]; ok {
		return h, nil
	}
	var h meas.Hop
	for try := 0; try < t.p.attempts && h.Reply == meas.NoReply; try++ {
		if err := t.ctx.Err(); err != nil {
			return meas.Hop{}, err
		}
		var err error
		if h, err = t.probe(t.ctx, meas.Flow{Proto: t.p.proto, ID: uint16(meas.MultipathFlowBase + f)}, ttl); err != nil {
			return meas.Hop{}, err
		}
		t.probes++
	}
	t.changed()
	h.TTL = ttl
	if h.Reply == meas.NoReply {
		h.Addr = netip.Addr{}
	}
	t.resp[k] = h
	t.byTTL[ttl] = append(t.byTTL[ttl], f)
	if i, found := slices.BinarySearchFunc(t.verts[ttl], h.Addr, netip.Addr.Compare); !found {
		t.verts[ttl] = slices.Insert(t.verts[ttl], i, h.Addr)
	}
	if h.Reply.FromDestination() {
		t.ending[vertex{ttl, h.Addr}] = true
	}
	return h, nil
}

// changed drops what was computed from the state.
func (t *tracer) changed() { clear(t.reaches) }

// newFlow hands out an unused flow index; ok is false when none is left.
func (t *tracer) newFlow() (int, bool) {
	if t.flows == maxFlows {
		return 0, false
	}
	t.flows++
	return t.flows - 1, true
}

// vertexOf returns the vertex flow f is known to pass at ttl: the one that
// answered it there, or the only vertex of a complete hop that has one
// (every flow passes it), or the source before the first TTL. The zero
// address stands for the source and for silent vertices.
func (t *tracer) vertexOf(f, ttl int) (netip.Addr, bool) {
	if r, ok := t.resp[probeKey{f, ttl}]; ok {
		return r.Addr, true
	}
	if ttl < t.p.first {
		return netip.Addr{}, true
	}
	if v, ok := t.single(ttl); ok {
		return v, true
	}
	return netip.Addr{}, false
}

// single returns the vertex of ttl when the hop is complete with one
// vertex that forwards.
func (t *tracer) single(ttl int) (netip.Addr, bool) {
	if h, ok := t.hops[ttl]; !ok || !h.complete {
		return netip.Addr{}, false
	}
	vs := t.vertices(ttl)
	if len(vs) != 1 || t.ends(ttl, vs[0]) {
		return netip.Addr{}, false
	}
	return vs[0], true
}

// vertices returns the distinct vertices answering at ttl, sorted; the
// caller must not modify the slice.
func (t *tracer) vertices(ttl int) []netip.Addr { return t.verts[ttl] }

// ends reports whether v at ttl ended a flow: the destination, or a router
// that reported it unreachable.
func (t *tracer) ends(ttl int, v netip.Addr) bool { return t.ending[vertex{ttl, v}] }

// preds returns the vertices of TTL ttl-1 whose successors are found at
// ttl: the source at the first TTL, else every vertex that does not end
// flows, sorted.
func (t *tracer) preds(ttl int) []netip.Addr {
	if ttl == t.p.first {
		return []netip.Addr{{}}
	}
	var vs []netip.Addr
	for _, v := range t.vertices(ttl - 1) {
		if !t.ends(ttl-1, v) {
			vs = append(vs, v)
		}
	}
	return vs
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

// settle makes the stopping rule of every TTL up to h hold, again and again
// until no probe is sent: node control probes a lower TTL, which may show
// that TTL a vertex it did not know, whose predecessor then needs more.
func (t *tracer) settle(h int) error {
	for {
		before := t.probes
		for ttl := t.p.first; ttl <= h; ttl++ {
			if err := t.satisfy(ttl); err != nil {
				return err
			}
		}
		if t.probes == before {
			return nil
		}
	}
}

// finished reports whether every flow probed at h ended there.
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
	for _, f := range t.byTTL[h] {
		if t.resp[probeKey{f, h}].Addr.IsValid() {
			return false
		}
	}
	return true
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

// graph returns the interfaces and links seen, sorted. A link joins where
// a flow was at one TTL, answered or known from a hop with one vertex, to
// the vertex that answered it one TTL further; where the destination's
// reply ended a hop counted as a whole, every vertex before the hop is
// linked to it.
func (t *tracer) graph() ([]meas.Interface, []meas.MPLink) {
	var ifs []meas.Interface
	links := make(map[meas.MPLink]bool)
	for ttl, h := range t.hops {
		if !h.toDestination || ttl == t.p.first {
			continue
		}
		for _, v := range t.vertices(ttl) {
			for _, u := range t.preds(ttl) {
				if t.ends(ttl, v) && u.IsValid() && v.IsValid() {
					links[meas.MPLink{TTL: ttl - 1, From: u, To: v}] = true
				}
			}
		}
	}
	for k, r := range t.resp {
		if !r.Addr.IsValid() {
			continue
		}
		ifs = append(ifs, meas.Interface{TTL: k.ttl, Addr: r.Addr})
		from, ok := t.vertexOf(k.flow, k.ttl-1)
		if ok && from.IsValid() && k.ttl > t.p.first {
			links[meas.MPLink{TTL: k.ttl - 1, From: from, To: r.Addr}] = true
		}
	}
	slices.SortFunc(ifs, func(a, b meas.Interface) int {
		return cmp.Or(cmp.Compare(a.TTL, b.TTL), a.Addr.Compare(b.Addr))
	})
	ifs = slices.Compact(ifs)
	ls := make([]meas.MPLink, 0, len(links))
	for l := range links {
		ls = append(ls, l)
	}
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

package revtr

import (
	"slices"
	"time"

	"github.com/revtr/revtr/atlas"
)

// intersect looks the hops of the last segment up in the atlas, first
// hop first, and on a hit appends the rest of the atlas path. It costs no
// probe. The order is the reference's (its engine asks the atlas about
// every hop of the last segment in order and takes the first path
// answered), and it is the more exact one: a traceroute shows the routers
// that forward Record Route without stamping, which the Record Route
// hops it replaces miss.
func (r *run) intersect() bool { return r.intersectIf(func(int, []Hop) bool { return true }) }

// preferAtlas, once a Record Route segment grew the path, replaces what
// follows its first hop on an atlas path by the atlas path's continuation
// (Policy.PreferAtlas) where the continuation only adds to the Record
// Route hops it would replace: it has every one of them (as far as the
// aliases tell), or it is no shorter and shows an AS none of them is in.
// A traceroute shows the routers that forward Record Route without
// stamping, but misses those that send no time exceeded: a continuation
// that lacks a Record Route hop and adds no AS swaps a router seen on the
// reply's path for one of another flow's.
func (r *run) preferAtlas() {
	r.intersectIf(func(i int, seg []Hop) bool {
		rest := r.path[i+1:]
		return r.covers(seg, rest) || (len(seg) >= len(rest) && r.newAS(seg, rest))
	})
}

// covers reports whether every hop of rest is a router of seg, as far as
// the engine knows.
func (r *run) covers(seg, rest []Hop) bool {
	for _, h := range rest {
		if !slices.ContainsFunc(seg, func(g Hop) bool { return r.same(g.Addr, h.Addr) }) {
			return false
		}
	}
	return true
}

// newAS reports whether a hop of seg is in an AS that no hop of rest is
// in (false with no AS map).
func (r *run) newAS(seg, rest []Hop) bool {
	m := r.e.cfg.ASMap
	if m == nil {
		return false
	}
	in := make(map[uint32]bool, len(rest))
	for _, h := range rest {
		if _, as, ok := m.Lookup(h.Addr); ok {
			in[as] = true
		}
	}
	return slices.ContainsFunc(seg, func(g Hop) bool {
		_, as, ok := m.Lookup(g.Addr)
		return ok && !in[as]
	})
}

// intersectIf is intersect, taking an atlas hit at path[i] only if
// take(i, the segment it gives) says so.
func (r *run) intersectIf(take func(i int, seg []Hop) bool) bool {
	a := r.e.cfg.Atlas
	if a == nil {
		return false
	}
	notBefore := r.res.Date.Add(-r.e.cfg.Policy.Staleness)
	for i := r.segStart; i < len(r.path); i++ {
		h := r.path[i]
		if r.atlasMis[h.Addr] || h.Candidate {
			continue
		}
		if hit, ok := a.Intersect(r.req.Src, h.Addr, notBefore); ok && r.takeHit(i, hit, take) {
			return true
		}
		r.atlasMis[h.Addr] = true
	}
	return false
}

// takeHit extends the path after path[i] by an atlas hit if take says
// so, and reports whether it grew.
func (r *run) takeHit(i int, hit atlas.Hit, take func(i int, seg []Hop) bool) bool {
	seg := r.atlasSegment(i, hit)
	if !take(i, seg) {
		return false
	}
	if grew, err := r.extend(i, seg); grew && err == nil {
		r.reusedFrom(hit.Time)
		return true
	}
	return false
}

// reusePath looks path[i] up among the reverse paths measured toward the
// source lately and, on a hit, appends the rest of that path (type
// HopPathAtlas, measured by the earlier reverse traceroute).
func (r *run) reusePath(i int) bool {
	pa, stale := r.e.paths, r.e.cfg.Policy.ReusePaths
	if pa == nil || stale <= 0 {
		return false
	}
	rest, id, at, ok := pa.Intersect(r.req.Src, r.path[i].Addr, r.res.Date.Add(-stale))
	if !ok {
		return false
	}
	seg := make([]Hop, len(rest))
	for k, a := range rest {
		seg[k] = Hop{Addr: a, Type: HopPathAtlas, MeasurementID: id}
	}
	if grew, err := r.extend(i, seg); !grew || err != nil {
		return false
	}
	r.reusedFrom(at)
	return true
}

// reusedFrom notes that the path took hops from a measurement made at at
// (an atlas traceroute, a reverse path): the path is as old as its oldest.
func (r *run) reusedFrom(at time.Time) {
	if r.reusedAt.IsZero() || at.Before(r.reusedAt) {
		r.reusedAt = at
	}
}

// keepPath gives the finished path to the engine's atlas of reverse
// paths, dated by its oldest part: the oldest atlas traceroute or reverse
// path it took hops from, if older than its own start. (An atlas
// traceroute's hops are as stale as the traceroute: a path kept with
// them and dated by its own start would pass them on as fresh.)
func (r *run) keepPath() {
	if r.e.paths == nil || r.e.cfg.Policy.ReusePaths <= 0 {
		return
	}
	at := r.res.Date
	if !r.reusedAt.IsZero() && r.reusedAt.Before(at) {
		at = r.reusedAt
	}
	r.e.paths.add(r.res.ID, r.req.Src, r.path, at, r.same)
}

// atlasSegment turns an atlas hit after path[at] into hops: type 3 for a
// traceroute hit, type 4 for a Record Route atlas hit, with candidate hops
// that would close an AS loop removed (and the rest dropped unless the
// policy keeps candidates).
func (r *run) atlasSegment(at int, hit atlas.Hit) []Hop {
	t := HopTrace
	if hit.Kind == atlas.OnRR {
		t = HopRRAtlas
	}
	seg := make([]Hop, 0, len(hit.Hops))
	for _, h := range hit.Hops {
		seg = append(seg, Hop{Addr: h.Addr, Type: t, MeasurementID: hit.PathID, Candidate: h.Candidate})
	}
	return r.narrow(at, seg)
}

// narrow removes the candidate hops of seg whose AS would make the AS path
// (the path up to at, then seg) leave an AS and come back to it.
func (r *run) narrow(at int, seg []Hop) []Hop {
	if !hasCandidate(seg) {
		return seg
	}
	out := make([]Hop, 0, len(seg))
	for i, h := range seg {
		if !h.Candidate {
			out = append(out, h)
			continue
		}
		if r.e.cfg.Policy.KeepCandidates && !r.asLoop(at, out, h, seg[i+1:]) {
			out = append(out, h)
		}
	}
	return out
}

func hasCandidate(seg []Hop) bool {
	for _, h := range seg {
		if h.Candidate {
			return true
		}
	}
	return false
}

// asLoop reports whether candidate c, placed after path[:at+1] and kept,
// and before rest, makes an AS loop: its AS was left earlier, or the path
// leaves the previous AS for c's and comes straight back.
func (r *run) asLoop(at int, kept []Hop, c Hop, rest []Hop) bool {
	m := r.e.cfg.ASMap
	if m == nil {
		return false
	}
	_, as, ok := m.Lookup(c.Addr)
	if !ok {
		return false
	}
	var seq []uint32
	add := func(h Hop) {
		if _, a, ok := m.Lookup(h.Addr); ok && (len(seq) == 0 || seq[len(seq)-1] != a) {
			seq = append(seq, a)
		}
	}
	for _, h := range r.path[:at+1] {
		add(h)
	}
	for _, h := range kept {
		add(h)
	}
	for i, a := range seq {
		if a == as && i < len(seq)-1 {
			return true
		}
	}
	if len(seq) == 0 || seq[len(seq)-1] == as {
		return false
	}
	for _, h := range rest {
		if h.Candidate {
			continue
		}
		_, a, ok := m.Lookup(h.Addr)
		return ok && a == seq[len(seq)-1]
	}
	return false
}

// reusePaths looks the hops of the last segment up, first hop first,
// among the reverse paths measured toward the source lately (Config.Paths)
// and, on a hit, appends the rest of that path. It costs no probe, and
// the engine asks it only when no technique revealed the next hop, before
// it would assume symmetry: where the atlas or a probe can measure the
// path, that path was measured for this reverse traceroute's own flow or
// shows routers that do not stamp, and reusing another reverse
// traceroute's path at first contact instead made fewer paths exact
// (docs/eval.md).
func (r *run) reusePaths() bool {
	for i := r.segStart; i < len(r.path); i++ {
		if !r.path[i].Candidate && r.reusePath(i) {
			return true
		}
	}
	return false
}

package mda

import (
	"math"
	"net/netip"
)

// satisfy probes at ttl (and, for node control, below it) until the hop's
// stopping rule holds.
func (t *tracer) satisfy(ttl int) error {
	h := t.hop(ttl)
	h.complete, h.toDestination = false, false
	for {
		f, ok, err := t.nextFlow(ttl)
		if err != nil {
			return err
		}
		if !ok {
			h.complete = true
			return nil
		}
		if _, err := t.at(f, ttl); err != nil {
			return err
		}
	}
}

// nextFlow returns the next flow to probe at ttl, or ok false when the
// hop's stopping rule holds (or no flow can be had).
func (t *tracer) nextFlow(ttl int) (int, bool, error) {
	switch {
	case ttl == 1 && t.p.first == 1:
		return t.firstHopFlow()
	case t.hop(ttl).byVertex:
		return t.vertexFlow(ttl)
	}
	return t.liteFlow(ttl)
}

// firstHopFlow: one probe finds the first hop. The source is taken to have
// one next hop toward the destination, as scamper's tracelb takes it: a
// host does not balance its own probes over several routers.
func (t *tracer) firstHopFlow() (int, bool, error) {
	if len(t.byTTL[1]) > 0 {
		return 0, false, nil
	}
	f, ok := t.newFlow()
	return f, ok, nil
}

// liteFlow applies the stopping rule to the hop as a whole (MDA-Lite,
// scamper's "clump"): with V vertices seen at ttl, n_{V+1} flows probed
// there, at least one through every vertex before it, or one reply from
// the destination, which every path is taken to reach at the same TTL.
// Flows known one TTL before are probed first, in turn through each vertex
// there, so that their links are seen; then new flows, probed at ttl only.
func (t *tracer) liteFlow(ttl int) (int, bool, error) {
	f, reuse := t.reusableInTurn(ttl)
	enough := len(t.byTTL[ttl]) >= t.p.stop(len(t.vertices(ttl))+1)
	done := t.endsAny(ttl) || (enough && (!reuse || t.covered(ttl)))
	if !done && reuse {
		return f, true, nil
	}
	// Every known flow that is needed is in: decide on the evidence.
	if !t.liteAllowed(ttl) {
		t.hop(ttl).byVertex = true
		t.changed()
		return t.vertexFlow(ttl)
	}
	if done {
		t.hop(ttl).toDestination = t.endsAny(ttl)
		return 0, false, nil
	}
	f, ok := t.newFlow()
	return f, ok, nil
}

// reusableInTurn returns a flow known one TTL before ttl and not yet
// probed at ttl, through the vertex before ttl with the fewest flows
// probed at ttl so far: known flows are spread evenly over those vertices.
func (t *tracer) reusableInTurn(ttl int) (int, bool) {
	best, found, fewest := 0, false, 0
	for _, u := range t.preds(ttl) {
		f, ok := t.reusable(u, ttl)
		if !ok {
			continue
		}
		if n, _, _ := t.successors(u, ttl); !found || n < fewest {
			best, found, fewest = f, true, n
		}
	}
	return best, found
}

// covered reports whether every vertex before ttl has a flow probed at
// ttl.
func (t *tracer) covered(ttl int) bool {
	for _, u := range t.preds(ttl) {
		if n, _, _ := t.successors(u, ttl); n == 0 {
			return false
		}
	}
	return true
}

// vertexFlow applies the stopping rule vertex by vertex (MDA): every
// vertex u of ttl-1 needs n_{k+1} of the flows through it probed at ttl, k
// being the successors they showed, unless one of them reached the
// destination (u is then its last router).
func (t *tracer) vertexFlow(ttl int) (int, bool, error) {
	h := t.hop(ttl)
	for _, u := range t.preds(ttl) {
		if h.starved[u] {
			continue
		}
		n, succ, end := t.successors(u, ttl)
		if end || n >= t.p.stop(len(succ)+1) {
			continue
		}
		f, ok, err := t.flowThrough(u, ttl)
		if err != nil {
			return 0, false, err
		}
		if ok {
			return f, true, nil
		}
		h.starved[u] = true
	}
	return 0, false, nil
}

// endsAny reports whether some flow ended at ttl.
func (t *tracer) endsAny(ttl int) bool {
	for _, v := range t.vertices(ttl) {
		if t.ends(ttl, v) {
			return true
		}
	}
	return false
}

// successors returns, for vertex u of ttl-1, how many flows through it were
// probed at ttl, the distinct vertices they reached and whether one of them
// ended there.
func (t *tracer) successors(u netip.Addr, ttl int) (n int, succ []netip.Addr, end bool) {
	for _, f := range t.byTTL[ttl] {
		if v, ok := t.vertexOf(f, ttl-1); !ok || v != u {
			continue
		}
		r := t.resp[probeKey{f, ttl}]
		n++
		succ = addUnique(succ, r.Addr)
		end = end || r.Reply.FromDestination()
	}
	return n, succ, end
}

// reusable returns the first flow, in the order flows were handed out,
// known to pass u at ttl-1 and not yet probed at ttl.
func (t *tracer) reusable(u netip.Addr, ttl int) (int, bool) {
	for f := range t.flows {
		if _, done := t.resp[probeKey{f, ttl}]; done {
			continue
		}
		if v, ok := t.vertexOf(f, ttl-1); ok && v == u {
			return f, true
		}
	}
	return 0, false
}

// flowThrough returns a flow through u (at ttl-1) not yet probed at ttl:
// a known one, else a new one when every flow passes u, else one found by
// node control: new flows probed at ttl-1 until one lands on u. ok is
// false when none can be found.
func (t *tracer) flowThrough(u netip.Addr, ttl int) (int, bool, error) {
	if f, ok := t.reusable(u, ttl); ok {
		return f, true, nil
	}
	if _, one := t.single(ttl - 1); one || ttl == t.p.first {
		f, ok := t.newFlow()
		return f, ok, nil
	}
	for range nodeControlTries {
		f, ok := t.newFlow()
		if !ok {
			return 0, false, nil
		}
		r, err := t.at(f, ttl-1)
		if err != nil {
			return 0, false, err
		}
		if err := t.link(f, ttl-1); err != nil {
			return 0, false, err
		}
		if r.Addr == u && !r.Reply.FromDestination() {
			return f, true, nil
		}
	}
	return 0, false, nil
}

// link probes flow f at TTLs below ttl while the vertex it showed there is
// one no other flow showed, so that a vertex node control found is linked
// to its predecessor.
func (t *tracer) link(f, ttl int) error {
	for ttl > t.p.first && t.onlyFlow(f, ttl) {
		ttl--
		if _, known := t.vertexOf(f, ttl); known {
			return nil
		}
		if _, err := t.at(f, ttl); err != nil {
			return err
		}
	}
	return nil
}

// onlyFlow reports whether f is the only flow that showed its vertex at
// ttl.
func (t *tracer) onlyFlow(f, ttl int) bool {
	v := t.resp[probeKey{f, ttl}].Addr
	for _, g := range t.byTTL[ttl] {
		if g != f && t.resp[probeKey{g, ttl}].Addr == v {
			return false
		}
	}
	return true
}

// liteAllowed reports whether the hop at ttl may be counted as a whole:
// the flows reaching it are a uniform sample (no hop before chose flows by
// the vertex they passed), the vertices before it are reached by equal
// shares of the flows, and none of them shows markedly fewer successors
// than another (unevenSuccessors). The first TTL is always counted as a
// whole.
func (t *tracer) liteAllowed(ttl int) bool {
	switch {
	case ttl == t.p.first:
		return true
	case len(t.preds(ttl)) == 1:
		return t.uniform(ttl - 1)
	}
	return t.uniform(ttl-1) && t.balanced(ttl) && !t.unevenSuccessors(ttl)
}

// uniform reports whether the flows probed at ttl and below were chosen
// without regard to the vertex they passed: every hop was counted as a
// whole or had one vertex before it.
func (t *tracer) uniform(ttl int) bool {
	for ; ttl > t.p.first; ttl-- {
		if t.hop(ttl).byVertex && len(t.preds(ttl)) > 1 {
			return false
		}
	}
	return true
}

// balanced reports whether the vertices before ttl have equal reach.
func (t *tracer) balanced(ttl int) bool {
	reach := t.reach(ttl - 1)
	var first float64
	for i, u := range t.preds(ttl) {
		if i == 0 {
			first = reach[u]
		} else if math.Abs(reach[u]-first) > 1e-9*first {
			return false
		}
	}
	return true
}

// reach returns the share of uniformly drawn flows that reaches each
// vertex of ttl, as the graph seen so far says (Diamond-Miner's D_h(v)):
// a hop counted as a whole shares what reached the hop before equally
// among its vertices; a hop probed vertex by vertex gives each successor
// of u the share of u divided by u's successors.
func (t *tracer) reach(ttl int) map[netip.Addr]float64 {
	if ttl < t.p.first {
		return map[netip.Addr]float64{{}: 1}
	}
	if r, ok := t.reaches[ttl]; ok {
		return r
	}
	r := t.computeReach(ttl)
	t.reaches[ttl] = r
	return r
}

func (t *tracer) computeReach(ttl int) map[netip.Addr]float64 {
	prev := t.reach(ttl - 1)
	out := make(map[netip.Addr]float64)
	preds := t.preds(ttl)
	if !t.hop(ttl).byVertex {
		mass := 0.0
		for _, u := range preds {
			mass += prev[u]
		}
		vs := t.vertices(ttl)
		for _, v := range vs {
			out[v] = mass / float64(len(vs))
		}
		return out
	}
	for _, u := range preds {
		_, succ, _ := t.successors(u, ttl)
		for _, v := range succ {
			out[v] += prev[u] / float64(len(succ))
		}
	}
	return out
}

// unevenSuccessors reports whether the flows through some vertex u before
// ttl showed markedly fewer successors than those through another — k of
// them against K > 3k/2, as where one branch of a diamond splits again and
// its sibling does not — and chance would rarely show so few: seeing at
// most k of K equally likely successors in n flows has probability at most
// C(K,k)·(k/K)^n, below unevenLevel. Meshed diamonds, whose vertices show
// 2 and 3 of 3 successors by chance, stay counted as a whole.
func (t *tracer) unevenSuccessors(ttl int) bool {
	type seen struct{ n, k int }
	var ss []seen
	most := 0
	for _, u := range t.preds(ttl) {
		if n, succ, _ := t.successors(u, ttl); n > 0 {
			ss = append(ss, seen{n, len(succ)})
			most = max(most, len(succ))
		}
	}
	for _, s := range ss {
		if 2*most > 3*s.k && binomial(most, s.k)*math.Pow(float64(s.k)/float64(most), float64(s.n)) < unevenLevel {
			return true
		}
	}
	return false
}

// binomial returns C(n, k).
func binomial(n, k int) float64 {
	c := 1.0
	for i := range k {
		c = c * float64(n-i) / float64(i+1)
	}
	return c
}

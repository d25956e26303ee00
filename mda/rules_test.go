package mda_test

import (
	"net/netip"
	"testing"

	"github.com/revtr/revtr/mda"
	"github.com/revtr/revtr/meas"
)

// replay is a slow model of the stopping rules, rebuilt from the probes a
// run sent: what answered each flow at each TTL, nothing else.
type replay struct {
	eps  float64
	resp map[[2]int]meas.Hop // by flow and TTL
	last int                 // highest TTL probed
	// single caches whether a TTL holds one forwarding vertex and its
	// rule held (its flows all pass that vertex).
	single map[int]netip.Addr
}

func newReplay(log []sent, eps float64) *replay {
	r := &replay{eps: eps, resp: make(map[[2]int]meas.Hop), single: make(map[int]netip.Addr)}
	for _, s := range log {
		r.resp[[2]int{s.flow, s.ttl}] = s.hop
		r.last = max(r.last, s.ttl)
	}
	return r
}

// at returns the answers at a TTL, by flow.
func (r *replay) at(ttl int) map[int]meas.Hop {
	out := make(map[int]meas.Hop)
	for k, h := range r.resp {
		if k[1] == ttl {
			out[k[0]] = h
		}
	}
	return out
}

// vertexOf is where flow f is known to be at ttl: probed there, or the
// only vertex of a TTL whose rule held; at TTL 0, the source.
func (r *replay) vertexOf(f, ttl int) (netip.Addr, bool) {
	if h, ok := r.resp[[2]int{f, ttl}]; ok {
		return h.Addr, true
	}
	if ttl == 0 {
		return netip.Addr{}, true
	}
	v, ok := r.single[ttl]
	return v, ok
}

// preds are the vertices of ttl-1 that forward.
func (r *replay) preds(ttl int) []netip.Addr {
	if ttl == 1 {
		return []netip.Addr{{}}
	}
	var vs []netip.Addr
	ending := map[netip.Addr]bool{}
	for _, h := range r.at(ttl - 1) {
		if h.Reply.FromDestination() {
			ending[h.Addr] = true
		}
	}
	for _, h := range r.at(ttl - 1) {
		if !ending[h.Addr] {
			vs = addUnique(vs, h.Addr)
		}
	}
	return vs
}

// holds reports whether the rule of ttl holds: the first hop was probed;
// or the hop counted as a whole has n_{V+1} flows or a destination reply;
// or every vertex before it has n_{k+1} flows probed at ttl, a destination
// reply, or was given up on after node control tried enough new flows.
func (r *replay) holds(ttl int) bool {
	here := r.at(ttl)
	if ttl == 1 {
		return len(here) >= 1
	}
	var vs []netip.Addr
	for _, h := range here {
		if h.Reply.FromDestination() {
			return true
		}
		vs = addUnique(vs, h.Addr)
	}
	if len(here) >= mda.StoppingPoint(len(vs)+1, r.eps) {
		return true
	}
	for _, u := range r.preds(ttl) {
		n, succ, end := 0, []netip.Addr(nil), false
		for f, h := range here {
			if v, ok := r.vertexOf(f, ttl-1); ok && v == u {
				n++
				succ = addUnique(succ, h.Addr)
				end = end || h.Reply.FromDestination()
			}
		}
		if !end && n < mda.StoppingPoint(len(succ)+1, r.eps) && !r.gaveUp(u, ttl) {
			return false
		}
	}
	return true
}

// gaveUp reports whether node control tried, for vertex u of ttl-1, as
// many new flows as it may: flows probed at ttl-1 that are not at u and
// were not probed at ttl.
func (r *replay) gaveUp(u netip.Addr, ttl int) bool {
	tried := 0
	for f, h := range r.at(ttl - 1) {
		if _, on := r.resp[[2]int{f, ttl}]; !on && h.Addr != u {
			tried++
		}
	}
	return tried >= 64
}

// TestRulesHoldAtTheEnd replays runs on random graphs through the slow
// model: every TTL probed ends with its stopping rule holding, and no flow
// is probed twice at one TTL.
func TestRulesHoldAtTheEnd(t *testing.T) {
	for seed := range uint64(300) {
		f := randomFake(seed + 1)
		run(t, f, meas.MultipathRequest{})
		seen := map[[2]int]bool{}
		for _, s := range f.log {
			k := [2]int{s.flow, s.ttl}
			if seen[k] {
				t.Fatalf("seed %d: flow %d probed twice at TTL %d", seed, s.flow, s.ttl)
			}
			seen[k] = true
		}
		r := newReplay(f.log, 0.05)
		for ttl := 1; ttl <= r.last; ttl++ {
			if !r.holds(ttl) {
				t.Errorf("seed %d: the rule of TTL %d does not hold at the end", seed, ttl)
			}
			if vs := r.vertices(ttl); len(vs) == 1 {
				r.single[ttl] = vs[0]
			}
		}
	}
}

func (r *replay) vertices(ttl int) []netip.Addr {
	var vs []netip.Addr
	for _, h := range r.at(ttl) {
		if h.Reply.FromDestination() {
			return nil
		}
		vs = addUnique(vs, h.Addr)
	}
	return vs
}

func addUnique(s []netip.Addr, a netip.Addr) []netip.Addr {
	for _, b := range s {
		if a == b {
			return s
		}
	}
	return append(s, a)
}

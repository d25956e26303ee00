package atlas

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

// simAtlas builds, on a generated Internet, the atlas toward its first
// source twice, a day apart with different flows, and indexes both.
func simAtlas(t testing.TB) (*topo.Topology, *Index, netip.Addr, []*Path) {
	t.Helper()
	p := topo.SizedParams(300)
	p.VantagePoints = 30
	tp, err := topo.Generate(5, p)
	if err != nil {
		t.Fatal(err)
	}
	n, err := sim.New(tp, sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var src netip.Addr
	var vps []netip.Addr
	for _, nd := range tp.Nodes {
		a := tp.HostAddr(nd.ID, false)
		switch {
		case nd.Kind == topo.Host && nd.Role.Source && !src.IsValid():
			src = a
		case nd.Kind == topo.Host && nd.Role.VantagePoint:
			vps = append(vps, a)
		}
	}
	var all []*Path
	id := uint64(0)
	ids := func() uint64 { id++; return id }
	for k, at := range []time.Time{t0, t0.Add(2 * time.Hour)} {
		prov := ProberProvider{Prober: n, Parallel: 4}
		prov.Flow.ID = uint16(k * 7)
		paths, cost, err := Build(context.Background(), prov, src, vps[k*10:], at, ids)
		if err != nil {
			t.Fatal(err)
		}
		if cost.Traces != len(vps)-k*10 || cost.RRPings == 0 {
			t.Fatalf("cost %+v", cost)
		}
		all = append(all, paths...)
	}
	x := NewIndex()
	x.Set(src, all)
	return tp, x, src, all
}

// TestAliasesMatchTruth: every alias the atlas inferred from its Record
// Route pings is a true alias (the topology says which interfaces share a
// router), and it inferred some.
func TestAliasesMatchTruth(t *testing.T) {
	tp, x, _, _ := simAtlas(t)
	pairs, wrong := 0, 0
	for r, members := range x.aliases.member {
		for _, m := range members {
			if m == r {
				continue
			}
			pairs++
			if same, _ := tp.Alias(r, m); !same {
				wrong++
				t.Logf("wrong alias %v = %v", r, m)
			}
		}
	}
	t.Logf("%d alias pairs inferred, %d wrong", pairs, wrong)
	if pairs == 0 || wrong*50 > pairs {
		t.Errorf("%d alias pairs, %d wrong: want some, at most 2%% wrong", pairs, wrong)
	}
}

// TestIntersectMatchesSlowModel compares Intersect with an obviously
// correct model — build the hit of every reference of the address and its
// aliases, keep the freshest, a traceroute one first, then the fewest
// candidates — for every address of the atlas and two staleness bounds.
func TestIntersectMatchesSlowModel(t *testing.T) {
	_, x, src, paths := simAtlas(t)
	var addrs []netip.Addr
	for _, p := range paths {
		addrs = append(addrs, p.Hops...)
		for _, s := range p.RR {
			addrs = append(addrs, s...)
		}
	}
	checked, rr := 0, 0
	for _, nb := range []time.Time{t0, t0.Add(time.Hour)} {
		for _, a := range addrs {
			got, ok := x.Intersect(src, a, nb)
			want, wok := slowIntersect(x, src, a, nb)
			if ok != wok || ok && !sameHit(got, want) {
				t.Fatalf("%v (not before %v): got %+v %v, want %+v %v", a, nb, got, ok, want, wok)
			}
			if ok {
				checked++
				if got.Kind == OnRR {
					rr++
				}
			}
		}
	}
	if checked == 0 || rr == 0 {
		t.Errorf("%d hits, %d through Record Route: the atlas exercised too little", checked, rr)
	}
}

func slowIntersect(x *Index, src, addr netip.Addr, nb time.Time) (Hit, bool) {
	si := x.sources[src]
	var hits []Hit
	for _, a := range x.aliases.of(addr) {
		for _, ref := range si.trace[a] {
			if p := si.paths[ref.path]; !p.Time.Before(nb) {
				hits = append(hits, traceHit(p, a, ref.hop))
			}
		}
		for _, ref := range si.rr[a] {
			if p := si.paths[ref.path]; !p.Time.Before(nb) {
				hits = append(hits, x.rrHit(p, a, ref))
			}
		}
	}
	if len(hits) == 0 {
		return Hit{}, false
	}
	slices.SortStableFunc(hits, func(a, b Hit) int {
		switch {
		case !a.Time.Equal(b.Time):
			return b.Time.Compare(a.Time)
		case a.Kind != b.Kind:
			return int(a.Kind) - int(b.Kind)
		}
		return a.Candidates() - b.Candidates()
	})
	return hits[0], true
}

// sameHit compares what a caller sees of a hit: kind, time, candidates
// (ties between equally good hits may pick either).
func sameHit(a, b Hit) bool {
	return a.Kind == b.Kind && a.Time.Equal(b.Time) && a.Candidates() == b.Candidates()
}

package topo_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

// refBGP is the slow, obviously correct model of Gao–Rexford routing: every
// AS repeatedly re-selects, among the routes its neighbours export to it,
// the best by (relation: customer < peer < provider, AS path length,
// neighbour AS number), until nothing changes. paths[dst][src] is src's
// AS path to dst, src first.
func refBGP(t *testing.T, tp *topo.Topology) map[uint32]map[uint32][]uint32 {
	t.Helper()
	paths := make(map[uint32]map[uint32][]uint32)
	for _, d := range tp.ASes {
		best := map[uint32][]uint32{d.Number: {d.Number}}
		for round := 0; ; round++ {
			if round > 4*len(tp.ASes)+4 {
				t.Fatalf("reference BGP toward AS %d did not converge", d.Number)
			}
			changed := false
			for _, as := range tp.ASes {
				if as.Number == d.Number {
					continue
				}
				c := refSelect(tp, as, best)
				if !slices.Equal(c, best[as.Number]) {
					changed = true
					if c == nil {
						delete(best, as.Number)
					} else {
						best[as.Number] = c
					}
				}
			}
			if !changed {
				break
			}
		}
		paths[d.Number] = best
	}
	return paths
}

func refSelect(tp *topo.Topology, as topo.AS, best map[uint32][]uint32) []uint32 {
	var choice []uint32
	var choiceRel topo.Relation
	for n, rel := range as.Neighbors {
		np, ok := best[n]
		if !ok || slices.Contains(np, as.Number) {
			continue
		}
		// n exports its own prefixes and customer routes to everyone, the
		// rest only to its customers (as is n's customer when n is as's
		// provider).
		exported := len(np) == 1 || rel == topo.Provider
		if !exported {
			r, _ := tp.Relation(n, np[1])
			exported = r == topo.Customer
		}
		if !exported {
			continue
		}
		cand := append([]uint32{as.Number}, np...)
		if choice == nil || rel < choiceRel ||
			rel == choiceRel && (len(cand) < len(choice) || len(cand) == len(choice) && n < choice[1]) {
			choice, choiceRel = cand, rel
		}
	}
	return choice
}

// randomParams draws small generator parameters with varied AS graphs.
func randomParams(rng *rand.Rand) topo.Params {
	p := topo.DefaultParams()
	p.ASes = 4 + rng.IntN(60)
	p.Tier1 = 1 + rng.IntN(min(4, p.ASes))
	p.Transit = rng.IntN(p.ASes - p.Tier1 + 1)
	p.Providers = topo.Range{Min: 1, Max: 1 + rng.IntN(3)}
	p.PeerShare = rng.Float64()
	p.MultiLinkShare = rng.Float64()
	p.Tier1Routers = topo.Range{Min: 1, Max: 3}
	p.TransitRouters = topo.Range{Min: 1, Max: 3}
	p.StubRouters = topo.Range{Min: 1, Max: 2}
	p.Sources, p.VantagePoints, p.Destinations = 1, 2, 3
	return p
}

func TestBGPMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 42))
	var peerRoutes, providerRoutes, pairs int
	for i := range 40 {
		p := randomParams(rng)
		tp, err := topo.Generate(int64(i), p)
		if err != nil {
			t.Fatalf("seed %d %+v: %v", i, p, err)
		}
		ref := refBGP(t, tp)
		for _, d := range tp.ASes {
			for _, s := range tp.ASes {
				want := ref[d.Number][s.Number]
				got, err := tp.BGPPath(s.Number, d.Number)
				if want == nil {
					if err == nil {
						t.Errorf("seed %d: AS %d→%d: got %v, reference has no route", i, s.Number, d.Number, got)
					}
					continue
				}
				if err != nil || !slices.Equal(got, want) {
					t.Fatalf("seed %d: AS %d→%d: got %v (%v), reference %v", i, s.Number, d.Number, got, err, want)
				}
				pairs++
				if len(got) > 1 {
					r, _ := tp.Relation(got[0], got[1])
					peerRoutes += b2i(r == topo.Peer)
					providerRoutes += b2i(r == topo.Provider)
				}
			}
		}
	}
	// The comparison must have covered every kind of route.
	if peerRoutes == 0 || providerRoutes == 0 {
		t.Errorf("%d pairs: %d peer routes, %d provider routes; want both", pairs, peerRoutes, providerRoutes)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestValleyFree(t *testing.T) {
	tp, err := topotest.MultiAS()
	if err != nil {
		t.Fatal(err)
	}
	// S=64512 D=64513 P=64514 Q=64515 R=64516 U=64517.
	cases := []struct {
		path []uint32
		want bool
	}{
		{[]uint32{64512, 64514, 64517, 64513}, true},  // up, peer, down
		{[]uint32{64514, 64512, 64515}, false},        // down then up: a valley
		{[]uint32{64512, 64514, 64517, 64516}, false}, // not related
		{[]uint32{64513}, true},
	}
	for _, c := range cases {
		if got := tp.ValleyFree(c.path); got != c.want {
			t.Errorf("ValleyFree(%v) = %v, want %v", c.path, got, c.want)
		}
	}
}

package topo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Generate builds a random Internet from a seed: the same seed and Params
// always give the same topology (and HashSeedFor(seed) as its ECMP hash
// seed).
//
// ASes: a tier-1 clique of peers, transit ASes in tiers 2 and 3 buying
// from the tier above (and sometimes higher), stubs buying from transit
// ASes, transit ASes of one tier peering at random. Routers sit in
// "cities"; inside an AS they form a ring in city order with a few chords
// (unit costs in ECMP ASes, 1–10 elsewhere). Related ASes interconnect in
// one or, between larger ASes, several cities, preferring routers of both
// ASes in the same city, so that hot-potato exits make forward and reverse
// paths differ. Hosts are named in order: sources first, then vantage
// points, then destinations.
func Generate(seed int64, p Params) (*Topology, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("generate topology: %w", err)
	}
	g := &gen{
		p:   p,
		rng: rand.New(rand.NewPCG(uint64(seed), 0x72657674722d746f)),
		b:   NewBuilder(seed),
	}
	g.b.t.Params = p
	g.addASes()
	g.addRelations()
	g.addRouters()
	g.addInterLinks()
	g.addBehaviours()
	g.addHosts()
	t, err := g.b.Build()
	if err != nil {
		return nil, fmt.Errorf("generate topology (seed %d): %w", seed, err)
	}
	return t, nil
}

// cities is how many places routers are spread over.
const cities = 10

// FirstASN is the first AS number generated topologies (and topotest's
// ready-made ones) use, at the start of the private range (RFC 6996).
const FirstASN = 64512

// gen is one run of the generator.
type gen struct {
	p       Params
	rng     *rand.Rand
	b       *Builder
	asn     []uint32
	tier    []int
	routers [][]NodeID
	city    map[NodeID]int
}

func (g *gen) addASes() {
	stubTier := 2
	if g.p.Transit > 0 {
		stubTier = 3
	}
	if g.p.Transit > 1 {
		stubTier = 4
	}
	for i := range g.p.ASes {
		tier := stubTier
		switch j := i - g.p.Tier1; {
		case j < 0:
			tier = 1
		case j < (g.p.Transit+1)/2:
			tier = 2
		case j < g.p.Transit:
			tier = 3
		}
		g.asn = append(g.asn, FirstASN+uint32(i))
		g.tier = append(g.tier, tier)
		g.b.AddAS(g.asn[i], tier)
	}
}

func (g *gen) addRelations() {
	for i := range g.p.Tier1 {
		for j := i + 1; j < g.p.Tier1; j++ {
			g.b.Peer(g.asn[i], g.asn[j])
		}
	}
	for i := g.p.Tier1; i < len(g.asn); i++ {
		for _, pr := range g.pickProviders(i) {
			g.b.Provider(g.asn[pr], g.asn[i])
		}
	}
	for i := g.p.Tier1; i < g.p.Tier1+g.p.Transit; i++ {
		for j := i + 1; j < g.p.Tier1+g.p.Transit; j++ {
			if g.tier[i] == g.tier[j] && g.rng.Float64() < g.p.PeerShare {
				g.b.Peer(g.asn[i], g.asn[j])
			}
		}
	}
}

// pickProviders draws distinct providers for AS i among the ASes of
// higher tiers, the tier right above four times as likely as the others.
func (g *gen) pickProviders(i int) []int {
	var cand []int
	var weight []float64
	for j := range i {
		if g.tier[j] < g.tier[i] {
			w := 1.0
			if g.tier[j] == g.tier[i]-1 {
				w = 4
			}
			cand, weight = append(cand, j), append(weight, w)
		}
	}
	k := min(g.between(g.p.Providers), len(cand))
	var out []int
	for range k {
		x := g.weighted(weight)
		out = append(out, cand[x])
		weight[x] = 0
	}
	slices.Sort(out)
	return out
}

func (g *gen) weighted(w []float64) int {
	total := 0.0
	for _, v := range w {
		total += v
	}
	r := g.rng.Float64() * total
	for i, v := range w {
		if r < v {
			return i
		}
		r -= v
	}
	for i := len(w) - 1; i >= 0; i-- {
		if w[i] > 0 {
			return i
		}
	}
	return 0
}

func (g *gen) between(r Range) int { return r.Min + g.rng.IntN(r.Max-r.Min+1) }

func (g *gen) delay(d DelayRange) time.Duration {
	return d.Min + time.Duration(g.rng.Int64N(int64(d.Max-d.Min)+1))
}

// routerRange returns the router count range of AS i.
func (g *gen) routerRange(i int) Range {
	switch {
	case g.tier[i] == 1:
		return g.p.Tier1Routers
	case i < g.p.Tier1+g.p.Transit:
		return g.p.TransitRouters
	}
	return g.p.StubRouters
}

// addRouters adds every AS's routers, each in a city, joined in a ring in
// city order plus about n/3 chords.
func (g *gen) addRouters() {
	g.city = make(map[NodeID]int)
	g.routers = make([][]NodeID, len(g.asn))
	for i, as := range g.asn {
		n := g.between(g.routerRange(i))
		cs := g.rng.Perm(max(n, cities))[:n]
		for k := range cs {
			cs[k] %= cities
		}
		slices.Sort(cs)
		for _, c := range cs {
			r := g.b.AddRouter(as)
			g.city[r] = c
			g.routers[i] = append(g.routers[i], r)
		}
		g.intraLinks(g.routers[i])
	}
}

func (g *gen) intraLinks(rs []NodeID) {
	n := len(rs)
	ecmp := n >= 4 && g.rng.Float64() < g.p.ECMPShare
	cost := func() int {
		if ecmp {
			return 1
		}
		return 1 + g.rng.IntN(10)
	}
	for k := 1; k < n; k++ {
		g.b.LinkWith(rs[k-1], rs[k], cost(), g.delay(g.p.IntraDelay))
	}
	if n >= 3 {
		g.b.LinkWith(rs[n-1], rs[0], cost(), g.delay(g.p.IntraDelay))
	}
	if n < 5 {
		return
	}
	linked := make(map[[2]NodeID]bool)
	for c := 0; c < n/3; c++ {
		x, y := g.rng.IntN(n), g.rng.IntN(n)
		d := (y - x + n) % n
		if d <= 1 || d == n-1 || linked[[2]NodeID{rs[x], rs[y]}] {
			continue
		}
		linked[[2]NodeID{rs[x], rs[y]}], linked[[2]NodeID{rs[y], rs[x]}] = true, true
		g.b.LinkWith(rs[x], rs[y], cost(), g.delay(g.p.IntraDelay))
	}
}

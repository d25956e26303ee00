package topo

import (
	"maps"
	"math"
	"slices"
)

// addInterLinks connects every pair of related ASes: tier-1 pairs in two
// places, other pairs whose ASes both have several routers in two places
// with chance MultiLinkShare, the rest in one.
func (g *gen) addInterLinks() {
	for i := range g.asn {
		nbrs := slices.Sorted(maps.Keys(g.b.t.ASes[i].Neighbors))
		for _, n := range nbrs {
			j := int(n - FirstASN)
			if j < i {
				continue
			}
			links := 1
			if len(g.routers[i]) > 1 && len(g.routers[j]) > 1 &&
				(g.tier[i] == 1 && g.tier[j] == 1 || g.rng.Float64() < g.p.MultiLinkShare) {
				links = 2
			}
			g.connect(i, j, links)
		}
	}
}

// connect adds links between ASes i and j, each between routers not yet
// used for this pair, in a city both have where possible.
func (g *gen) connect(i, j, links int) {
	usedA, usedB := make(map[NodeID]bool), make(map[NodeID]bool)
	for range links {
		var same, any [][2]NodeID
		for _, x := range g.routers[i] {
			for _, y := range g.routers[j] {
				if usedA[x] || usedB[y] {
					continue
				}
				any = append(any, [2]NodeID{x, y})
				if g.city[x] == g.city[y] {
					same = append(same, [2]NodeID{x, y})
				}
			}
		}
		if len(same) > 0 {
			any = same
		}
		if len(any) == 0 {
			return
		}
		pair := any[g.rng.IntN(len(any))]
		usedA[pair[0]], usedB[pair[1]] = true, true
		g.b.LinkWith(pair[0], pair[1], 1, g.delay(g.p.InterDelay))
	}
}

// addBehaviours gives each behaviour to its share of the routers (rounded),
// drawn independently per behaviour.
func (g *gen) addBehaviours() {
	var rs []NodeID
	for _, l := range g.routers {
		rs = append(rs, l...)
	}
	bh := make([]Behaviour, len(rs))
	for _, s := range []struct {
		share float64
		set   func(*Behaviour)
	}{
		{g.p.NoRRStampShare, func(b *Behaviour) { b.NoRRStamp = true }},
		{g.p.DropOptionsShare, func(b *Behaviour) { b.DropOptions = true }},
		{g.p.NoTimeExceededShare, func(b *Behaviour) { b.NoTimeExceeded = true }},
		{g.p.RateLimitShare, func(b *Behaviour) { b.ICMPRateLimitMS = g.p.RateLimitMS }},
	} {
		for _, k := range g.pick(len(rs), s.share) {
			s.set(&bh[k])
		}
	}
	for k, r := range rs {
		if bh[k] != (Behaviour{}) {
			g.b.SetBehaviour(r, bh[k])
		}
	}
}

// pick returns round(share·n) distinct indices below n.
func (g *gen) pick(n int, share float64) []int {
	k := int(math.Round(share * float64(n)))
	return g.rng.Perm(n)[:min(k, n)]
}

// addHosts attaches sources to stub ASes, vantage points to ASes of every
// tier and destinations to non-tier-1 ASes, spreading each class over as
// many ASes as it can, on random routers.
func (g *gen) addHosts() {
	stubs, lower, all := g.asClasses()
	for _, as := range g.spread(stubs, g.p.Sources) {
		g.host(as, HostRole{Source: true})
	}
	spoof := g.pickSet(g.p.VantagePoints, g.p.CanSpoofShare)
	for k, as := range g.spread(all, g.p.VantagePoints) {
		g.host(as, HostRole{VantagePoint: true, CanSpoof: spoof[k]})
	}
	noEcho := g.pickSet(g.p.Destinations, g.p.NoEchoShare)
	dropOpt := g.pickSet(g.p.Destinations, g.p.DropOptionsDstShare)
	resp := g.pickSet(g.p.Destinations, g.p.ResponderShare)
	for k, as := range g.spread(lower, g.p.Destinations) {
		g.host(as, HostRole{Destination: true, NoEcho: noEcho[k], DropOptions: dropOpt[k], Responder: resp[k]})
	}
}

func (g *gen) pickSet(n int, share float64) []bool {
	set := make([]bool, n)
	for _, k := range g.pick(n, share) {
		set[k] = true
	}
	return set
}

// asClasses returns the stubs (or, without stubs, the lowest tier), the
// non-tier-1 ASes (or all) and all ASes, by index.
func (g *gen) asClasses() (stubs, lower, all []int) {
	low := slices.Max(g.tier)
	for i, t := range g.tier {
		all = append(all, i)
		if t == low {
			stubs = append(stubs, i)
		}
		if t > 1 {
			lower = append(lower, i)
		}
	}
	if len(lower) == 0 {
		lower = all
	}
	return stubs, lower, all
}

// spread returns n ASes drawn from cand, each used once before any twice.
func (g *gen) spread(cand []int, n int) []int {
	var out []int
	for len(out) < n {
		for _, k := range g.rng.Perm(len(cand)) {
			if len(out) == n {
				break
			}
			out = append(out, cand[k])
		}
	}
	return out
}

func (g *gen) host(as int, role HostRole) {
	rs := g.routers[as]
	g.b.AddHost(rs[g.rng.IntN(len(rs))], role)
}

package topo

import (
	"errors"
	"fmt"
	"slices"
)

// Inter-AS route selection as Gao and Rexford model BGP policy ("Stable
// Internet routing without global coordination", 2001): an AS prefers
// routes learned from customers over routes from peers over routes from
// providers, then the shortest AS path, then the neighbour with the lowest
// AS number. It exports customer routes (and its own prefixes) to every
// neighbour, and peer and provider routes to its customers only, so every
// AS path is valley-free.

// Route ranks, best first.
const (
	rankOrigin int8 = iota
	rankCustomer
	rankPeer
	rankProvider
	rankNone
)

// bgpRoute is one AS's best route toward one destination AS.
type bgpRoute struct {
	rank   int8
	length int32 // AS hops to the destination
	next   int32 // index of the next AS; -1 at the origin or without route
}

// asGraph is the AS relation graph by AS index, neighbours sorted by AS
// number.
type asGraph struct {
	num                        []uint32
	customers, peers, provider [][]int
}

// bgpTable holds every AS's best route to every AS: routes[dst][src].
type bgpTable struct {
	routes [][]bgpRoute
}

func (t *Topology) asGraph() *asGraph {
	idx := t.asIndex()
	g := &asGraph{
		num:       make([]uint32, len(t.ASes)),
		customers: make([][]int, len(t.ASes)),
		peers:     make([][]int, len(t.ASes)),
		provider:  make([][]int, len(t.ASes)),
	}
	for i, as := range t.ASes {
		g.num[i] = as.Number
		for n, rel := range as.Neighbors {
			j, ok := idx[n]
			if !ok {
				continue // Validate reports it
			}
			switch rel {
			case Customer:
				g.customers[i] = append(g.customers[i], j)
			case Peer:
				g.peers[i] = append(g.peers[i], j)
			case Provider:
				g.provider[i] = append(g.provider[i], j)
			}
		}
	}
	for i := range t.ASes {
		for _, l := range [][]int{g.customers[i], g.peers[i], g.provider[i]} {
			slices.SortFunc(l, func(a, b int) int { return cmpU32(g.num[a], g.num[b]) })
		}
	}
	return g
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (t *Topology) bgpTable() *bgpTable {
	t.idx.bgpOnce.Do(func() {
		g := t.asGraph()
		bt := &bgpTable{routes: make([][]bgpRoute, len(g.num))}
		for d := range g.num {
			bt.routes[d] = g.routesTo(d)
		}
		t.idx.bgp = bt
	})
	return t.idx.bgp
}

// better reports whether a route of rank r, length l via AS index n beats
// the current route c.
func (g *asGraph) better(r int8, l int32, n int, c bgpRoute) bool {
	if r != c.rank {
		return r < c.rank
	}
	if l != c.length {
		return l < c.length
	}
	return g.num[n] < g.num[c.next]
}

// routesTo computes every AS's best route to dst in three passes: customer
// routes climb provider edges breadth first from dst; peer routes take one
// peer edge off an AS with an origin or customer route; provider routes
// descend customer edges from every AS with a route, shortest first.
func (g *asGraph) routesTo(dst int) []bgpRoute {
	rs := make([]bgpRoute, len(g.num))
	for i := range rs {
		rs[i] = bgpRoute{rank: rankNone, next: -1}
	}
	rs[dst] = bgpRoute{rank: rankOrigin}
	g.customerPass(rs, dst)
	g.peerPass(rs)
	g.providerPass(rs)
	return rs
}

func (g *asGraph) customerPass(rs []bgpRoute, dst int) {
	level := []int{dst}
	for len(level) > 0 {
		var next []int
		for _, x := range level {
			for _, p := range g.provider[x] {
				if rs[p].rank == rankNone {
					next = append(next, p)
				}
				if rs[p].rank == rankNone || rs[p].rank == rankCustomer && g.better(rankCustomer, rs[x].length+1, x, rs[p]) {
					rs[p] = bgpRoute{rank: rankCustomer, length: rs[x].length + 1, next: int32(x)}
				}
			}
		}
		level = next
	}
}

func (g *asGraph) peerPass(rs []bgpRoute) {
	var set []int
	var set2 []bgpRoute
	for x := range rs {
		if rs[x].rank != rankNone {
			continue
		}
		best := bgpRoute{rank: rankNone, next: -1}
		for _, p := range g.peers[x] {
			if rs[p].rank <= rankCustomer && g.better(rankPeer, rs[p].length+1, p, best) {
				best = bgpRoute{rank: rankPeer, length: rs[p].length + 1, next: int32(p)}
			}
		}
		if best.rank != rankNone {
			set, set2 = append(set, x), append(set2, best)
		}
	}
	for i, x := range set {
		rs[x] = set2[i]
	}
}

func (g *asGraph) providerPass(rs []bgpRoute) {
	var buckets [][]int
	add := func(x int) {
		l := int(rs[x].length)
		for len(buckets) <= l {
			buckets = append(buckets, nil)
		}
		buckets[l] = append(buckets[l], x)
	}
	for x := range rs {
		if rs[x].rank != rankNone {
			add(x)
		}
	}
	for l := 0; l < len(buckets); l++ {
		for _, x := range buckets[l] {
			if int(rs[x].length) != l {
				continue // stale entry
			}
			for _, c := range g.customers[x] {
				if rs[c].rank < rankProvider {
					continue
				}
				fresh := rs[c].rank == rankNone
				if fresh || g.better(rankProvider, int32(l+1), x, rs[c]) {
					rs[c] = bgpRoute{rank: rankProvider, length: int32(l + 1), next: int32(x)}
					if fresh {
						add(c)
					}
				}
			}
		}
	}
}

// ErrUnknownAS is returned for an AS number the topology does not have.
var ErrUnknownAS = errors.New("unknown AS")

// BGPPath returns the AS path that from's best BGP route toward to
// announces: from first, to last. It is the control-plane path; the
// data-plane AS path of a packet (ASPath of a Path) equals it.
func (t *Topology) BGPPath(from, to uint32) ([]uint32, error) {
	idx := t.asIndex()
	f, okf := idx[from]
	d, okd := idx[to]
	if !okf || !okd {
		return nil, fmt.Errorf("BGP path AS %d to AS %d: %w", from, to, ErrUnknownAS)
	}
	rs := t.bgpTable().routes[d]
	if rs[f].rank == rankNone {
		return nil, fmt.Errorf("BGP path AS %d to AS %d: %w", from, to, ErrNoRoute)
	}
	path := []uint32{from}
	for x := f; x != d; x = int(rs[x].next) {
		path = append(path, t.ASes[rs[x].next].Number)
	}
	return path, nil
}

// Relation returns what AS b is to AS a (Customer: b is a's customer).
func (t *Topology) Relation(a, b uint32) (Relation, bool) {
	as, ok := t.as(a)
	if !ok {
		return 0, false
	}
	r, ok := as.Neighbors[b]
	return r, ok
}

// ValleyFree reports whether an AS path is valley-free: zero or more
// customer-to-provider hops, at most one peer hop, then zero or more
// provider-to-customer hops, every hop between related ASes.
func (t *Topology) ValleyFree(path []uint32) bool {
	down := false
	for i := 0; i+1 < len(path); i++ {
		r, ok := t.Relation(path[i], path[i+1])
		if !ok {
			return false
		}
		switch {
		case r == Provider && !down:
		case r == Peer && !down:
			down = true
		case r == Customer:
			down = true
		default:
			return false
		}
	}
	return true
}

// checkHierarchy rejects relations that are not mutual and cycles of
// customer-to-provider edges, under which Gao–Rexford routing need not
// converge.
func (t *Topology) checkHierarchy() error {
	for _, as := range t.ASes {
		for n, r := range as.Neighbors {
			back, ok := t.Relation(n, as.Number)
			want := map[Relation]Relation{Customer: Provider, Provider: Customer, Peer: Peer}[r]
			if !ok || back != want {
				return fmt.Errorf("AS %d sees AS %d as %v, but not the converse", as.Number, n, r)
			}
		}
	}
	g := t.asGraph()
	state := make([]int8, len(g.num)) // 0 new, 1 on stack, 2 done
	var visit func(x int) error
	visit = func(x int) error {
		state[x] = 1
		for _, p := range g.provider[x] {
			if state[p] == 1 {
				return fmt.Errorf("provider cycle through AS %d and AS %d", g.num[x], g.num[p])
			}
			if state[p] == 0 {
				if err := visit(p); err != nil {
					return err
				}
			}
		}
		state[x] = 2
		return nil
	}
	for x := range g.num {
		if state[x] == 0 {
			if err := visit(x); err != nil {
				return err
			}
		}
	}
	return nil
}

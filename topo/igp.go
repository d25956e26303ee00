package topo

import (
	"container/heap"
	"fmt"
	"math"
	"slices"
)

// Intra-AS routing, as a link-state IGP (OSPF, IS-IS) computes it: shortest
// paths by link cost over the AS's own links, every equal-cost first hop
// kept (up to MaxECMP, lowest interface index first).

// unreachable is the distance of a router that cannot be reached.
const unreachable = math.MaxInt32

// igpEdge is an intra-AS link seen from one router.
type igpEdge struct {
	iface int   // interface index at the router
	to    int   // local index of the router at the other end
	cost  int32 // IGP metric
}

// igp is one AS's intra-domain routing state.
type igp struct {
	nodes []NodeID       // local index → node
	local map[NodeID]int // node → local index
	adj   [][]igpEdge
	dist  [][]int32 // dist[s][x]: cost from router x to router s
}

// newIGP computes all-pairs shortest paths inside one AS.
func (t *Topology) newIGP(as *AS) (*igp, error) {
	g := &igp{nodes: as.Routers, local: make(map[NodeID]int, len(as.Routers))}
	for i, n := range as.Routers {
		g.local[n] = i
	}
	g.adj = make([][]igpEdge, len(g.nodes))
	for i, n := range g.nodes {
		for j, ifc := range t.Nodes[n].Ifaces {
			l := t.Links[ifc.Link]
			to, ok := g.local[ifc.Peer.Node]
			if !ok || l.InterAS {
				continue
			}
			g.adj[i] = append(g.adj[i], igpEdge{iface: j, to: to, cost: int32(l.Cost)})
		}
	}
	g.dist = make([][]int32, len(g.nodes))
	for s := range g.nodes {
		g.dist[s] = g.dijkstra(s)
		for x, d := range g.dist[s] {
			if d == unreachable {
				return nil, fmt.Errorf("AS %d is partitioned: %s cannot reach %s", as.Number,
					t.Nodes[g.nodes[x]].Name, t.Nodes[g.nodes[s]].Name)
			}
		}
	}
	return g, nil
}

// dijkstra returns the distance from every router to s (links are
// symmetric, so it searches outward from s).
func (g *igp) dijkstra(s int) []int32 {
	dist := make([]int32, len(g.nodes))
	for i := range dist {
		dist[i] = unreachable
	}
	dist[s] = 0
	q := &distHeap{{node: s}}
	for q.Len() > 0 {
		it := heap.Pop(q).(distItem)
		if it.dist > dist[it.node] {
			continue
		}
		for _, e := range g.adj[it.node] {
			if d := it.dist + e.cost; d < dist[e.to] {
				dist[e.to] = d
				heap.Push(q, distItem{node: e.to, dist: d})
			}
		}
	}
	return dist
}

// distTo returns every router's distance to the nearest of targets.
func (g *igp) distTo(targets []int) []int32 {
	if len(targets) == 1 {
		return g.dist[targets[0]]
	}
	d := slices.Clone(g.dist[targets[0]])
	for _, tg := range targets[1:] {
		for x, v := range g.dist[tg] {
			d[x] = min(d[x], v)
		}
	}
	return d
}

// hops returns the interfaces of router x on shortest paths toward the
// targets whose distances dist gives: every neighbour one link closer,
// lowest interface first, at most MaxECMP. x must not be a target.
func (g *igp) hops(x int, dist []int32) []int {
	var out []int
	for _, e := range g.adj[x] {
		if e.cost+dist[e.to] == dist[x] {
			out = append(out, e.iface)
		}
	}
	slices.Sort(out)
	if len(out) > MaxECMP {
		out = out[:MaxECMP]
	}
	return out
}

type distItem struct {
	node int
	dist int32
}

type distHeap []distItem

func (h distHeap) Len() int { return len(h) }
func (h distHeap) Less(i, j int) bool {
	if h[i].dist != h[j].dist {
		return h[i].dist < h[j].dist
	}
	return h[i].node < h[j].node
}
func (h distHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *distHeap) Push(x any)   { *h = append(*h, x.(distItem)) }
func (h *distHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

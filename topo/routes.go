package topo

import (
	"net/netip"
	"slices"
)

// Forwarding tables. A router holds
//   - a route to every link subnet of its AS (intra-AS links, host links and
//     the AS's inter-AS links, whichever side numbers them), through the IGP
//     toward the routers on that link;
//   - a route to every other AS's aggregates (IPv4 and IPv6) toward the
//     nearest border router with a link to the AS its best BGP route leads
//     to (hot-potato routing), or straight over that link at the border.
// A host holds default routes through its router.

// subnet is a link subnet and the routers of one AS on that link.
type subnet struct {
	p4, p6  netip.Prefix
	targets []int // local indices in the AS's igp
}

// computeRoutes fills every node's Routes.
func (t *Topology) computeRoutes() error {
	bgp := t.bgpTable()
	for i := range t.ASes {
		g, err := t.newIGP(&t.ASes[i])
		if err != nil {
			return err
		}
		t.asRoutes(i, g, bgp)
	}
	for i := range t.Nodes {
		if t.Nodes[i].Kind == Host {
			t.hostRoutes(&t.Nodes[i])
		}
	}
	return nil
}

func (t *Topology) hostRoutes(n *Node) {
	if len(n.Ifaces) == 0 {
		return
	}
	peer := t.Nodes[n.Ifaces[0].Peer.Node].Ifaces[n.Ifaces[0].Peer.Iface]
	n.Routes = []Route{
		{Dst: netip.MustParsePrefix("0.0.0.0/0"), NextHops: []NextHop{{Iface: 0, Gateway: peer.Addr.Addr()}}},
		{Dst: netip.MustParsePrefix("::/0"), NextHops: []NextHop{{Iface: 0, Gateway: peer.Addr6.Addr()}}},
	}
}

// subnets lists the link subnets the routers of AS ai are attached to.
func (t *Topology) subnets(ai int, g *igp) []subnet {
	var out []subnet
	for _, l := range t.Links {
		var s subnet
		for _, ep := range []Endpoint{l.A, l.B} {
			if x, ok := g.local[ep.Node]; ok {
				s.targets = append(s.targets, x)
				ifc := t.Nodes[ep.Node].Ifaces[ep.Iface]
				s.p4, s.p6 = ifc.Addr.Masked(), ifc.Addr6.Masked()
			}
		}
		if len(s.targets) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// asRoutes computes the tables of AS ai's routers.
func (t *Topology) asRoutes(ai int, g *igp, bgp *bgpTable) {
	subs := t.subnets(ai, g)
	exits := make(map[int][][]int) // next AS → per-router exit interfaces
	for x, id := range g.nodes {
		n := &t.Nodes[id]
		var rs []Route
		for _, s := range subs {
			if slices.Contains(s.targets, x) {
				continue // connected
			}
			rs = t.appendRoutes(rs, n, s.p4, s.p6, g.hops(x, g.distTo(s.targets)))
		}
		for d := range t.ASes {
			r := bgp.routes[d][ai]
			if d == ai || r.rank == rankNone {
				continue
			}
			ex, ok := exits[int(r.next)]
			if !ok {
				ex = t.exits(g, t.ASes[r.next].Number)
				exits[int(r.next)] = ex
			}
			rs = t.appendRoutes(rs, n, t.ASes[d].Prefix, t.ASes[d].Prefix6, ex[x])
		}
		slices.SortFunc(rs, func(a, b Route) int { return comparePrefix(a.Dst, b.Dst) })
		n.Routes = rs
	}
}

// exits returns, for every router of the AS, the interfaces toward the
// nearest border router linked to AS next: at a border router, its
// lowest-numbered interface into next; elsewhere the IGP's first hops.
func (t *Topology) exits(g *igp, next uint32) [][]int {
	out := make([][]int, len(g.nodes))
	var border []int
	for x, id := range g.nodes {
		for i, ifc := range t.Nodes[id].Ifaces {
			if t.Nodes[ifc.Peer.Node].AS == next {
				out[x] = []int{i}
				border = append(border, x)
				break
			}
		}
	}
	if len(border) == 0 {
		return out
	}
	dist := g.distTo(border)
	for x := range g.nodes {
		if out[x] == nil {
			out[x] = g.hops(x, dist)
		}
	}
	return out
}

// appendRoutes adds an IPv4 and an IPv6 route through the given interfaces
// of n, gatewayed at the neighbours' addresses.
func (t *Topology) appendRoutes(rs []Route, n *Node, p4, p6 netip.Prefix, ifaces []int) []Route {
	if len(ifaces) == 0 {
		return rs
	}
	nh4 := make([]NextHop, len(ifaces))
	nh6 := make([]NextHop, len(ifaces))
	for i, j := range ifaces {
		peer := n.Ifaces[j].Peer
		pi := t.Nodes[peer.Node].Ifaces[peer.Iface]
		nh4[i] = NextHop{Iface: j, Gateway: pi.Addr.Addr()}
		nh6[i] = NextHop{Iface: j, Gateway: pi.Addr6.Addr()}
	}
	return append(rs, Route{Dst: p4, NextHops: nh4}, Route{Dst: p6, NextHops: nh6})
}

// comparePrefix orders IPv4 before IPv6, then by address, then shorter
// first.
func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// ECMPShadowed returns the prefixes of node n that lab/'s per-bucket ECMP
// tables would wrongly capture: single-path routes and connected link
// subnets that lie inside the prefix of an ECMP route. A packet marked for
// bucket k is looked up in table 100+k first, whose longest match is the
// ECMP route even when the main table holds a more specific one; a "throw"
// route for each of these prefixes in every bucket table sends the lookup
// on to the main table, as the ground truth (Lookup) expects.
func (t *Topology) ECMPShadowed(n NodeID) []netip.Prefix {
	if n < 0 || int(n) >= len(t.Nodes) {
		return nil
	}
	node := &t.Nodes[n]
	var ecmp []netip.Prefix
	for _, r := range node.Routes {
		if len(r.NextHops) > 1 {
			ecmp = append(ecmp, r.Dst.Masked())
		}
	}
	if len(ecmp) == 0 {
		return nil
	}
	var cand []netip.Prefix
	for _, r := range node.Routes {
		if len(r.NextHops) == 1 {
			cand = append(cand, r.Dst.Masked())
		}
	}
	for _, ifc := range node.Ifaces {
		cand = append(cand, ifc.Addr.Masked(), ifc.Addr6.Masked())
	}
	var out []netip.Prefix
	for _, p := range cand {
		for _, e := range ecmp {
			if p.IsValid() && e.Bits() < p.Bits() && e.Contains(p.Addr()) {
				out = append(out, p)
				break
			}
		}
	}
	slices.SortFunc(out, comparePrefix)
	return slices.Compact(out)
}

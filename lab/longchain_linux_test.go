package lab

import (
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/topo"
)

// testTopo builds topologies by hand for what topo's builder refuses: a
// 300-router chain (paths longer than topo allows), the shape batched `ip`
// was timed on. Links get addresses out of 10.0.0.0/8 and 2001:db8::/32,
// nodes shortest-path routes to every link prefix, with ECMP over
// equal-cost neighbours.
type testTopo struct {
	t      *topo.Topology
	byName map[string]topo.NodeID
}

func newTestTopo() *testTopo {
	return &testTopo{t: &topo.Topology{HashSeed: 0x5eed1234}, byName: map[string]topo.NodeID{}}
}

func (b *testTopo) node(name string, k topo.Kind) *topo.Node {
	id := topo.NodeID(len(b.t.Nodes))
	b.t.Nodes = append(b.t.Nodes, topo.Node{ID: id, Name: name, Kind: k, AS: 1})
	b.byName[name] = id
	return &b.t.Nodes[id]
}

// link joins two nodes; link i gets 10.i/24-style addresses ending in .1
// and .2 and 2001:db8:0:i::1, ::2.
func (b *testTopo) link(a, c string) {
	id := topo.LinkID(len(b.t.Links))
	i := int(id)
	na, nc := b.byName[a], b.byName[c]
	ea := topo.Endpoint{Node: na, Iface: len(b.t.Nodes[na].Ifaces)}
	ec := topo.Endpoint{Node: nc, Iface: len(b.t.Nodes[nc].Ifaces)}
	mk := func(host byte, peer topo.Endpoint, n *topo.Node) topo.Iface {
		return topo.Iface{
			Name:  fmt.Sprintf("e%d", len(n.Ifaces)),
			Addr:  netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), host}), 24),
			Addr6: netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, byte(i >> 8), byte(i), 15: host}), 64),
			Link:  id, Peer: peer,
		}
	}
	b.t.Nodes[na].Ifaces = append(b.t.Nodes[na].Ifaces, mk(1, ec, &b.t.Nodes[na]))
	b.t.Nodes[nc].Ifaces = append(b.t.Nodes[nc].Ifaces, mk(2, ea, &b.t.Nodes[nc]))
	b.t.Links = append(b.t.Links, topo.Link{A: ea, B: ec})
}

// route fills every node's routes: for each link prefix, the neighbours one
// hop closer to it (hosts never transit), at most topo.MaxECMP.
func (b *testTopo) route() *topo.Topology {
	t := b.t
	for li, lk := range t.Links {
		dist := b.distTo(lk)
		p4 := t.Nodes[lk.A.Node].Ifaces[lk.A.Iface].Addr.Masked()
		p6 := t.Nodes[lk.A.Node].Ifaces[lk.A.Iface].Addr6.Masked()
		for i := range t.Nodes {
			n := &t.Nodes[i]
			if dist[i] <= 0 {
				continue // on the link, or unreachable
			}
			var nh4, nh6 []topo.NextHop
			for j, ifc := range n.Ifaces {
				if ifc.Link == topo.LinkID(li) || dist[ifc.Peer.Node] != dist[i]-1 || len(nh4) == topo.MaxECMP {
					continue
				}
				pi := t.Nodes[ifc.Peer.Node].Ifaces[ifc.Peer.Iface]
				nh4 = append(nh4, topo.NextHop{Iface: j, Gateway: pi.Addr.Addr()})
				nh6 = append(nh6, topo.NextHop{Iface: j, Gateway: pi.Addr6.Addr()})
			}
			if len(nh4) == 0 {
				continue
			}
			n.Routes = append(n.Routes, topo.Route{Dst: p4, NextHops: nh4}, topo.Route{Dst: p6, NextHops: nh6})
		}
	}
	return t
}

// distTo returns every node's hop distance to the nearest end of lk (0 on
// it, -1 unreachable), walking only through routers.
func (b *testTopo) distTo(lk topo.Link) []int {
	t := b.t
	dist := make([]int, len(t.Nodes))
	for i := range dist {
		dist[i] = -1
	}
	q := []topo.NodeID{lk.A.Node, lk.B.Node}
	dist[lk.A.Node], dist[lk.B.Node] = 0, 0
	for len(q) > 0 {
		x := q[0]
		q = q[1:]
		if t.Nodes[x].Kind == topo.Host && dist[x] > 0 {
			continue
		}
		for _, ifc := range t.Nodes[x].Ifaces {
			if p := ifc.Peer.Node; dist[p] < 0 {
				dist[p] = dist[x] + 1
				q = append(q, p)
			}
		}
	}
	return dist
}

// longChain is h0 - r0 - r1 - ... - r(n-1) - h1.
func longChain(n int) *testTopo {
	b := newTestTopo()
	b.node("h0", topo.Host)
	for i := 0; i < n; i++ {
		b.node(fmt.Sprintf("r%d", i), topo.Router)
	}
	b.node("h1", topo.Host)
	b.link("h0", "r0")
	for i := 1; i < n; i++ {
		b.link(fmt.Sprintf("r%d", i-1), fmt.Sprintf("r%d", i))
	}
	b.link(fmt.Sprintf("r%d", n-1), "h1")
	return b
}

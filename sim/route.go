package sim

import (
	"net/netip"
	"sync"

	"github.com/revtr/revtr/topo"
)

// routes memoises topo.Lookup per node and destination address: a walk
// asks the same few questions again and again (every probe of a traceroute
// re-crosses the hops before it; every reply goes to one of a few
// sources), and the Topology never changes under a Network.
type routes struct {
	t     *topo.Topology
	nodes []sync.Map // per node: netip.Addr → cachedRoute
}

type cachedRoute struct {
	r  topo.Route
	ok bool
}

func newRoutes(t *topo.Topology) *routes {
	return &routes{t: t, nodes: make([]sync.Map, len(t.Nodes))}
}

// lookup returns topo.Lookup(node, dst), computing it once.
func (c *routes) lookup(node topo.NodeID, dst netip.Addr) (topo.Route, bool) {
	m := &c.nodes[node]
	if v, ok := m.Load(dst); ok {
		cr := v.(cachedRoute)
		return cr.r, cr.ok
	}
	r, ok := c.t.Lookup(node, dst)
	m.Store(dst, cachedRoute{r, ok})
	return r, ok
}

// nextHop is topo.Topology.NextHop over the memoised lookups: packets a
// node originates take a route's first next hop, forwarded ones the
// per-flow ECMP choice. TestNextHopMatchesTopo holds it to topo's.
func (c *routes) nextHop(node topo.NodeID, k topo.FlowKey, forwarded bool) (out int, next topo.Endpoint, ok bool) {
	r, ok := c.lookup(node, k.Dst)
	if !ok {
		return 0, topo.Endpoint{}, false
	}
	i := 0
	if forwarded {
		i = c.t.ECMPIndex(k, len(r.NextHops))
	}
	out = r.NextHops[i].Iface
	return out, c.t.Nodes[node].Ifaces[out].Peer, true
}

package sim

import (
	"net/netip"
	"sync"
	"time"

	"github.com/revtr/revtr/topo"
)

// routes memoises topo.Lookup per node and destination address: a walk
// asks the same few questions again and again (every probe of a traceroute
// re-crosses the hops before it; every reply goes to one of a few
// sources), and a Topology never changes (route churn makes a new one
// per epoch, each with its own routes).
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

// keptEpochs bounds the epochs of route churn whose routes a Network
// keeps: measurements run close together in virtual time, so few epochs
// are in use at once, and an evicted one is recomputed alike.
const keptEpochs = 4

// routing is the forwarding state over virtual time: the topology's own
// routes, or with route churn those of the epoch in force.
type routing struct {
	base  *routes     // epoch 0
	churn *topo.Churn // nil: no churn
	mu    sync.Mutex
	epoch map[int]*routes // later epochs in use
}

func newRouting(t *topo.Topology, churn *topo.Churn) *routing {
	return &routing{base: newRoutes(t), churn: churn, epoch: map[int]*routes{}}
}

// at returns the routes in force at virtual time at.
func (g *routing) at(at time.Duration) *routes {
	if g.churn == nil {
		return g.base
	}
	k := g.churn.Epoch(at)
	if k == 0 {
		return g.base
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if r, ok := g.epoch[k]; ok {
		return r
	}
	if len(g.epoch) >= keptEpochs {
		old := k
		for e := range g.epoch {
			if old == k || e < old {
				old = e
			}
		}
		delete(g.epoch, old)
	}
	r := newRoutes(g.churn.Topology(k))
	g.epoch[k] = r
	return r
}

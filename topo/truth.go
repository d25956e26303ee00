package topo

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
)

// index maps addresses to their owners; built once on first use.
type index struct {
	once  sync.Once
	owner map[netip.Addr]Endpoint
}

func (t *Topology) owners() map[netip.Addr]Endpoint {
	t.idx.once.Do(func() {
		t.idx.owner = make(map[netip.Addr]Endpoint)
		for _, n := range t.Nodes {
			for i, ifc := range n.Ifaces {
				ep := Endpoint{Node: n.ID, Iface: i}
				if ifc.Addr.IsValid() {
					t.idx.owner[ifc.Addr.Addr()] = ep
				}
				if ifc.Addr6.IsValid() {
					t.idx.owner[ifc.Addr6.Addr()] = ep
				}
			}
		}
	})
	return t.idx.owner
}

// Owner returns the node and interface that own addr. It is the ground
// truth for alias resolution: two addresses are aliases when their owners
// are the same node.
func (t *Topology) Owner(addr netip.Addr) (Endpoint, bool) {
	ep, ok := t.owners()[addr]
	return ep, ok
}

// Node returns the node with the given name.
func (t *Topology) Node(name string) (*Node, bool) {
	for i := range t.Nodes {
		if t.Nodes[i].Name == name {
			return &t.Nodes[i], true
		}
	}
	return nil, false
}

// Lookup returns the longest-prefix-match route for dst in node n's table.
func (t *Topology) Lookup(n NodeID, dst netip.Addr) (Route, bool) {
	best, found := Route{}, false
	for _, r := range t.Nodes[n].Routes {
		if r.Dst.Contains(dst) && (!found || r.Dst.Bits() > best.Dst.Bits()) {
			best, found = r, true
		}
	}
	return best, found
}

// Local reports whether dst is an address of node n.
func (t *Topology) Local(n NodeID, dst netip.Addr) bool {
	ep, ok := t.Owner(dst)
	return ok && ep.Node == n
}

// NextHop returns the interface through which node n sends a packet of flow
// k, and the endpoint at the other end of that link. forwarded selects the
// per-flow ECMP hash (packets in transit); packets n originates itself always
// take the route's first next hop, as lab/ programs the kernel. ok is false
// when n has no route to k.Dst.
func (t *Topology) NextHop(n NodeID, k FlowKey, forwarded bool) (out int, next Endpoint, ok bool) {
	r, ok := t.Lookup(n, k.Dst)
	if !ok {
		return 0, Endpoint{}, false
	}
	i := 0
	if forwarded {
		i = t.ECMPIndex(k, len(r.NextHops))
	}
	out = r.NextHops[i].Iface
	return out, t.Nodes[n].Ifaces[out].Peer, true
}

// PathHop is one node on a path: the interface the packet came in through
// (-1 at the first node) and the one it left through (-1 at the last).
type PathHop struct {
	Node    NodeID
	In, Out int
}

// Path is a router-level path, from the sending node to the node owning
// the destination address, both included.
type Path []PathHop

// Errors of Path.
var (
	ErrNoRoute = errors.New("no route")
	ErrLoop    = errors.New("forwarding loop")
)

// maxPathLen bounds path walks; generated paths stay far below it.
const maxPathLen = 64

// Path returns the ground-truth path of a packet of flow k sent by node src
// to k.Dst, following the forwarding tables hop by hop with the per-flow
// ECMP choice that lab/ and sim/ make.
func (t *Topology) Path(src NodeID, k FlowKey) (Path, error) {
	p := Path{{Node: src, In: -1, Out: -1}}
	for !t.Local(p[len(p)-1].Node, k.Dst) {
		if len(p) > maxPathLen {
			return p, fmt.Errorf("path %s to %s: %w", t.Nodes[src].Name, k.Dst, ErrLoop)
		}
		cur := &p[len(p)-1]
		out, next, ok := t.NextHop(cur.Node, k, len(p) > 1)
		if !ok {
			return p, fmt.Errorf("path %s to %s at %s: %w", t.Nodes[src].Name, k.Dst, t.Nodes[cur.Node].Name, ErrNoRoute)
		}
		cur.Out = out
		p = append(p, PathHop{Node: next.Node, In: next.Iface, Out: -1})
	}
	return p, nil
}

// Nodes returns the node of every hop.
func (p Path) Nodes() []NodeID {
	ns := make([]NodeID, len(p))
	for i, h := range p {
		ns[i] = h.Node
	}
	return ns
}

// ASPath returns the AS-level path: the AS of every hop, consecutive
// repetitions collapsed.
func (t *Topology) ASPath(p Path) []uint32 {
	var as []uint32
	for _, h := range p {
		a := t.Nodes[h.Node].AS
		if len(as) == 0 || as[len(as)-1] != a {
			as = append(as, a)
		}
	}
	return as
}

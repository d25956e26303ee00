package topo

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/meas"
)

// Owner returns the node and interface that own addr. It is the ground
// truth for alias resolution: two addresses are aliases when their owners
// are the same node.
func (t *Topology) Owner(addr netip.Addr) (Endpoint, bool) {
	ep, ok := t.owners()[addr]
	return ep, ok
}

// Node returns the node with the given name.
func (t *Topology) Node(name string) (*Node, bool) {
	i, ok := t.names()[name]
	if !ok {
		return nil, false
	}
	return &t.Nodes[i], true
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
	ErrUnknownNode = errors.New("unknown node")
	ErrNoRoute     = errors.New("no route")
	ErrLoop        = errors.New("forwarding loop")
	ErrTooLong     = errors.New("path longer than MaxPathLen nodes")
)

// MaxPathLen bounds the nodes of a path: packets start with TTL 64, so a
// longer path would not deliver them. Generated paths stay far below it.
const MaxPathLen = 64

// Path returns the ground-truth path of a packet of flow k sent by node src
// to k.Dst, following the forwarding tables hop by hop with the per-flow
// ECMP choice that lab/ and sim/ make.
func (t *Topology) Path(src NodeID, k FlowKey) (Path, error) {
	if src < 0 || int(src) >= len(t.Nodes) {
		return nil, fmt.Errorf("path from node %d: %w", src, ErrUnknownNode)
	}
	p := Path{{Node: src, In: -1, Out: -1}}
	seen := make(map[NodeID]bool, 16)
	for !t.Local(p[len(p)-1].Node, k.Dst) {
		cur := &p[len(p)-1]
		if seen[cur.Node] {
			return p, fmt.Errorf("path %s to %s at %s: %w", t.Nodes[src].Name, k.Dst, t.Nodes[cur.Node].Name, ErrLoop)
		}
		seen[cur.Node] = true
		if len(p) >= MaxPathLen {
			return p, fmt.Errorf("path %s to %s: %w", t.Nodes[src].Name, k.Dst, ErrTooLong)
		}
		if len(p) > 1 && t.Nodes[cur.Node].Kind == Host {
			return p, fmt.Errorf("path %s to %s: host %s does not forward: %w", t.Nodes[src].Name, k.Dst, t.Nodes[cur.Node].Name, ErrNoRoute)
		}
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

// Reverse returns the key of packets of k's protocol sent back by k.Dst
// to k.Src: addresses and ports swapped (a TCP reset's, a two-host
// responder's probe toward its client). ICMP keys keep their checksum.
func (k FlowKey) Reverse() FlowKey {
	r := FlowKey{Src: k.Dst, Dst: k.Src, Flow: k.Flow}
	if k.Flow.Proto == meas.UDP || k.Flow.Proto == meas.TCP {
		src, dst := k.Flow.Ports()
		r.Flow.ID, r.Flow.SrcPort = src, dst
	}
	return r
}

// FlowPath returns the path of flow k from the node owning k.Src to the
// node owning k.Dst.
func (t *Topology) FlowPath(k FlowKey) (Path, error) {
	src, ok := t.Owner(k.Src)
	if !ok {
		return nil, fmt.Errorf("path from %s: no node owns the address: %w", k.Src, ErrUnknownNode)
	}
	if _, ok := t.Owner(k.Dst); !ok {
		return nil, fmt.Errorf("path to %s: no node owns the address: %w", k.Dst, ErrUnknownNode)
	}
	return t.Path(src.Node, k)
}

// ReversePath returns the path of the answers to flow k: from the node
// owning k.Dst back to k.Src, with the reversed flow key. The answering
// node originates the packet, so it takes its route's first next hop.
func (t *Topology) ReversePath(k FlowKey) (Path, error) {
	return t.FlowPath(k.Reverse())
}

// IfaceAddr returns the IPv4 (v6 false) or IPv6 address of an interface;
// the zero Addr if ep does not exist.
func (t *Topology) IfaceAddr(ep Endpoint, v6 bool) netip.Addr {
	if ep.Node < 0 || int(ep.Node) >= len(t.Nodes) || ep.Iface < 0 || ep.Iface >= len(t.Nodes[ep.Node].Ifaces) {
		return netip.Addr{}
	}
	ifc := t.Nodes[ep.Node].Ifaces[ep.Iface]
	if v6 {
		return ifc.Addr6.Addr()
	}
	return ifc.Addr.Addr()
}

// HostAddr returns the address of a host (its only interface).
func (t *Topology) HostAddr(n NodeID, v6 bool) netip.Addr {
	return t.IfaceAddr(Endpoint{Node: n}, v6)
}

// TraceAddrs returns, for every hop after the first, the address a
// traceroute shows for it: the interface the packet arrived on, since
// routers answer from their inbound interface
// (icmp_errors_use_inbound_ifaddr=1). The last entry is the interface the
// destination received the packet on; a destination answers from the
// probed address itself, which for a host (one interface) is the same.
func (t *Topology) TraceAddrs(p Path, v6 bool) []netip.Addr {
	var out []netip.Addr
	for _, h := range p[min(1, len(p)):] {
		out = append(out, t.IfaceAddr(Endpoint{Node: h.Node, Iface: h.In}, v6))
	}
	return out
}

// RRAddrs returns what the routers of a path write into an IPv4 Record
// Route option: the outgoing interface of every router between the two
// ends that stamps (Behaviour.NoRRStamp false), in path order. It is the
// truth of the path only: the end hosts' own stamps, the 9-slot limit and
// routers that drop options are the measurement's business (sim/, lab/).
func (t *Topology) RRAddrs(p Path) []netip.Addr {
	var out []netip.Addr
	for i := 1; i+1 < len(p); i++ {
		n := &t.Nodes[p[i].Node]
		if n.Kind == Router && !n.Behaviour.NoRRStamp {
			out = append(out, t.IfaceAddr(Endpoint{Node: p[i].Node, Iface: p[i].Out}, false))
		}
	}
	return out
}

// Interdomain reports whether the link from hop i to hop i+1 of a path
// joins two ASes.
func (t *Topology) Interdomain(p Path, i int) bool {
	if i < 0 || i+1 >= len(p) {
		return false
	}
	return t.Nodes[p[i].Node].AS != t.Nodes[p[i+1].Node].AS
}

// SameAS reports whether the owners of two addresses are in one AS; ok is
// false when either address belongs to no node. Two consecutive hops of a
// measured path are joined by an interdomain link exactly when they are
// not in the same AS.
func (t *Topology) SameAS(a, b netip.Addr) (same, ok bool) {
	ea, oka := t.Owner(a)
	eb, okb := t.Owner(b)
	if !oka || !okb {
		return false, false
	}
	return t.Nodes[ea.Node].AS == t.Nodes[eb.Node].AS, true
}

// Alias reports whether two addresses belong to the same node (alias
// ground truth); ok is false when either belongs to no node.
func (t *Topology) Alias(a, b netip.Addr) (same, ok bool) {
	ea, oka := t.Owner(a)
	eb, okb := t.Owner(b)
	if !oka || !okb {
		return false, false
	}
	return ea.Node == eb.Node, true
}

// NodeAS returns the AS number of the node owning addr.
func (t *Topology) NodeAS(addr netip.Addr) (uint32, bool) {
	ep, ok := t.Owner(addr)
	if !ok {
		return 0, false
	}
	return t.Nodes[ep.Node].AS, true
}

// HopLink returns the link a path takes from hop i to hop i+1.
func (t *Topology) HopLink(p Path, i int) (LinkID, bool) {
	if i < 0 || i+1 >= len(p) {
		return 0, false
	}
	n := &t.Nodes[p[i].Node]
	if p[i].Out < 0 || p[i].Out >= len(n.Ifaces) {
		return 0, false
	}
	return n.Ifaces[p[i].Out].Link, true
}

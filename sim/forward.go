package sim

import (
	"net/netip"
	"slices"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// recordRoute is an IPv4 Record Route option (RFC 791): meas.RRSlots slots
// filled in order; n is how many hold an address (the option pointer).
type recordRoute struct {
	slots [meas.RRSlots]netip.Addr
	n     int
}

// stamp records a in the next free slot; it reports false when the option
// is full, in which case the kernel records nothing and says nothing.
func (r *recordRoute) stamp(a netip.Addr) bool {
	if r.n == len(r.slots) {
		return false
	}
	r.slots[r.n] = a
	r.n++
	return true
}

// recorded returns a copy of the stamped slots.
func (r *recordRoute) recorded() []netip.Addr { return slices.Clone(r.slots[:r.n]) }

// packet is what forwarding looks at: the flow fields the ECMP hash reads,
// the TTL and, for IPv4, the Record Route option (nil: no IP options).
type packet struct {
	key topo.FlowKey
	ttl int
	rr  *recordRoute
}

// fate is how a packet's trip ended.
type fate uint8

const (
	delivered   fate = iota // reached the node owning key.Dst
	expired                 // TTL ran out at a router
	unreachable             // a router had no route to key.Dst
	dropped                 // filtered, or no route at the sender
)

// arrival is where and how a packet's trip ended.
type arrival struct {
	fate  fate
	node  topo.NodeID
	in    int           // interface it arrived through; -1 if it never left
	delay time.Duration // one-way delay from the sender to node
}

// carry moves p from the node that sends it at virtual time at, hop by
// hop, until it is delivered, expires or is dropped, changing p as the
// kernels on the way do. It follows the routes in force at at (a trip
// takes milliseconds; route churn changes routes per hour).
func (n *Network) carry(p *packet, from topo.NodeID, at time.Duration) arrival {
	rt := n.routing.at(at)
	a := arrival{node: from, in: -1}
	for {
		if a.in >= 0 && !n.inputOK(rt, p, a) {
			a.fate = dropped
			return a
		}
		if n.t.Local(a.node, p.key.Dst) {
			a.fate = delivered
			return a
		}
		forwarded := a.in >= 0
		out, next, ok := rt.nextHop(a.node, p.key, forwarded)
		if forwarded {
			if f, pass := n.forward(p, a, ok); !pass {
				a.fate = f
				return a
			}
		} else if !ok {
			a.fate = dropped // sendto fails: no route
			return a
		}
		ifc := &n.t.Nodes[a.node].Ifaces[out]
		if forwarded && p.rr != nil && !n.t.Nodes[a.node].Behaviour.NoRRStamp {
			p.rr.stamp(ifc.Addr.Addr())
		}
		a.delay += n.t.Links[ifc.Link].Delay
		a.node, a.in = next.Node, next.Iface
	}
}

// inputOK applies the source checks of the IPv4 input route lookup
// (ip_route_input, fib_validate_source), which run before the packet is
// delivered locally or forwarded: a packet from outside carrying one of the
// node's own addresses as source is a martian (accept_local=0), and strict
// reverse-path filtering (RFC 3704) drops spoofed sources. Both apply to
// packets addressed to the node itself: a vantage point that may not spoof
// cannot reach its first router's own address as someone else, and no
// host receives a packet spoofed with its own address.
func (n *Network) inputOK(rt *routes, p *packet, a arrival) bool {
	if !p.key.Src.Is4() {
		return true
	}
	if n.t.Local(a.node, p.key.Src) {
		return false
	}
	return !n.strict[a.node][a.in] || reversePathOK(rt, a.node, a.in, p.key.Src)
}

// forward applies, in the kernel's order, what a node does to a packet in
// transit before it leaves: hosts do not forward; the input route lookup
// fails without a route (its source checks passed, inputOK); ip_forward answers TTL expiry and decrements the
// TTL; the forward hook drops packets with options on DropOptions routers.
// Stamping follows in ip_forward_options, after the forward hook.
func (n *Network) forward(p *packet, a arrival, routed bool) (fate, bool) {
	nd := &n.t.Nodes[a.node]
	switch {
	case nd.Kind != topo.Router:
		return dropped, false
	case !routed:
		return unreachable, false
	case p.ttl <= 1:
		return expired, false
	}
	p.ttl--
	if p.rr != nil && nd.Behaviour.DropOptions {
		return dropped, false
	}
	return 0, true
}

// reversePathOK is strict rp_filter (RFC 3704 strict mode; IPv4 only, as
// the sysctl): the route back
// to src must leave through the interface the packet came in on. The check
// reads the main table, which holds a route's first next hop.
func reversePathOK(rt *routes, node topo.NodeID, in int, src netip.Addr) bool {
	out, _, ok := rt.nextHop(node, topo.FlowKey{Dst: src}, false)
	return ok && out == in
}

package sim

import (
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// response is what a probe's sender receives.
type response struct {
	kind meas.Reply
	code uint8 // ICMP code: port unreachable from a destination, 0 from routers (time exceeded, no route)
	from netip.Addr
	rtt  time.Duration
	ttl  int         // the TTL the reply arrives with
	pttl int         // the TTL the probe had where it ended
	rr   recordRoute // the reply's Record Route option, if the probe had one
}

// roundTrip sends p from node src at virtual time at, and returns the
// answer that reaches the host owning p.key.Src, if any: what the node
// where the probe ended sends back, carried along the real reverse path.
func (n *Network) roundTrip(p *packet, src topo.NodeID, at time.Duration) (response, bool) {
	var rr recordRoute
	out := n.carry(p, src, at)
	var reply packet
	var kind meas.Reply
	ok := false
	switch out.fate {
	case delivered:
		reply, kind, ok = n.answer(p, out, at, &rr)
	case expired, unreachable:
		reply, kind, ok = n.icmpError(p, out, at)
	}
	if !ok {
		return response{}, false
	}
	back := n.carry(&reply, out.node, at+out.delay)
	if back.fate != delivered || !n.receive(&reply, back.node) {
		return response{}, false
	}
	return response{kind: kind, code: icmpCode(kind, out.fate, p.key.Dst.Is6()), from: reply.key.Src,
		rtt: out.delay + back.delay, ttl: reply.ttl, pttl: p.ttl, rr: rr}, true
}

// icmpCode is the ICMP code of an answer: a destination's destination
// unreachable says port unreachable (3, ICMPv6 4); a router's time
// exceeded (TTL expired in transit) and destination unreachable (net
// unreachable, ICMPv6 no route: the only one routers here send) are 0.
func icmpCode(kind meas.Reply, f fate, v6 bool) uint8 {
	switch {
	case kind != meas.DestUnreach || f != delivered:
		return 0
	case v6:
		return 4
	}
	return 3
}

// roundTripWithin is roundTrip for a prober that waits timeout for the
// answer: a reply whose round trip takes longer is lost, as the raw-socket
// prober (probe/) no longer matches an answer to a probe it has timed out.
// The reply was still sent, so it spent its sender's rate-limit tokens.
func (n *Network) roundTripWithin(p *packet, src topo.NodeID, at, timeout time.Duration) (response, bool) {
	r, ok := n.roundTrip(p, src, at)
	if ok && r.rtt > timeout {
		n.counts.late.Add(1)
		return response{}, false
	}
	return r, ok
}

// answer is the destination's reply to a probe: an echo reply, a port
// unreachable for UDP, a reset for TCP (lab hosts listen on no port). A
// Record Route option is stamped with the probed address on receipt
// (ip_options_compile) and, when a slot is still free, once more as the
// reply's source address (ip_options_echo, then ip_options_build stamps the
// source address of locally generated packets). Every reply echoes the
// option: icmp_reply, icmp_send and tcp_v4_send_reset all copy it.
func (n *Network) answer(p *packet, a arrival, at time.Duration, rr *recordRoute) (packet, meas.Reply, bool) {
	nd := &n.t.Nodes[a.node]
	host := nd.Kind == topo.Host
	dst := p.key.Dst
	reply := packet{key: topo.FlowKey{Src: dst, Dst: p.key.Src}, ttl: meas.DefaultTTL} // ICMP
	if p.rr != nil {
		if host && nd.Role.DropOptions {
			return packet{}, 0, false
		}
		*rr = *p.rr
		if rr.stamp(dst) {
			rr.stamp(dst)
		}
		reply.rr = rr
	}
	switch p.key.Flow.Proto {
	case meas.UDP:
		if !n.icmpAllowed(a.node, p.key.Src, at+a.delay) {
			return packet{}, 0, false
		}
		return reply, meas.DestUnreach, true
	case meas.TCP:
		reply.key = p.key.Reverse()
		return reply, meas.TCPReset, true
	}
	if host && nd.Role.NoEcho {
		return packet{}, 0, false
	}
	return reply, meas.EchoReply, true
}

// icmpError is a router's ICMP time exceeded or destination unreachable
// about a probe. It comes from the interface the probe came in on: for IPv4
// through icmp_errors_use_inbound_ifaddr=1, for IPv6 because icmp6_send
// selects the source address on the input device when the route has no
// preferred source. The per-destination rate limit is passed first, so a
// router that then drops its time exceeded in its output hook
// (NoTimeExceeded) still spends tokens. Options of the probe are not
// echoed: only Record Route pings carry them, at a TTL that does not expire.
func (n *Network) icmpError(p *packet, a arrival, at time.Duration) (packet, meas.Reply, bool) {
	nd := &n.t.Nodes[a.node]
	kind := meas.DestUnreach
	if a.fate == expired {
		kind = meas.TimeExceeded
	}
	if a.in < 0 || !n.unreachableAllowed(a, p.key.Src, at+a.delay) || !n.icmpAllowed(a.node, p.key.Src, at+a.delay) {
		return packet{}, 0, false
	}
	if kind == meas.TimeExceeded && nd.Behaviour.NoTimeExceeded {
		return packet{}, 0, false
	}
	ifc := &nd.Ifaces[a.in]
	from := ifc.Addr.Addr()
	if p.key.Src.Is6() {
		from = ifc.Addr6.Addr()
	}
	if !from.IsValid() {
		return packet{}, 0, false
	}
	return packet{key: topo.FlowKey{Src: from, Dst: p.key.Src}, ttl: meas.DefaultTTL}, kind, true
}

// icmpAllowed applies node's ICMP error rate limit toward dst at virtual
// time at. IPv6 errors are limited as IPv4 ones: lab/ sets
// net.ipv6.icmp.ratelimit to the same value, and since Linux 6.18 (commit
// 0201eedb69b2) the IPv6 limit no longer scales with the route's prefix
// length.
func (n *Network) icmpAllowed(node topo.NodeID, dst netip.Addr, at time.Duration) bool {
	ms := n.t.Nodes[node].Behaviour.ICMPRateLimitMS
	if ms <= 0 {
		return true
	}
	if n.limiter.allow(node, dst, ms, at) {
		return true
	}
	n.counts.rateLimited.Add(1)
	return false
}

// unreachableAllowed applies ip_error's limit to a router's IPv4
// destination unreachable for a packet it has no route for. IPv6 has none
// such (ip6_pkt_drop sends through icmpv6_send's limits alone).
func (n *Network) unreachableAllowed(a arrival, src netip.Addr, at time.Duration) bool {
	if a.fate != unreachable || !src.Is4() || n.limiter.allowUnreachable(a.node, src, at) {
		return true
	}
	n.counts.rateLimited.Add(1)
	return false
}

// receive is the prober's host taking a reply in: a host that drops packets
// with options drops it; otherwise the kernel stamps a Record Route option
// with the address it arrived for, if a slot is free.
func (n *Network) receive(p *packet, at topo.NodeID) bool {
	nd := &n.t.Nodes[at]
	if nd.Kind != topo.Host {
		return false
	}
	if p.rr != nil {
		if nd.Role.DropOptions {
			return false
		}
		p.rr.stamp(p.key.Dst)
	}
	return true
}

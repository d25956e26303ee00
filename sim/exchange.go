package sim

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// Packet is one probe as the simulator forwards it: the header fields the
// ECMP hash reads (for an ICMP echo, Key.Flow.ID is its checksum), its
// TTL, and whether it carries an empty 9-slot Record Route option.
type Packet struct {
	Key         topo.FlowKey
	TTL         int
	RecordRoute bool
}

// Answer is the packet that comes back for a Packet.
type Answer struct {
	// Reply is its kind: an echo reply, a time exceeded, a destination
	// unreachable (the destination's port unreachable, or a router's
	// network unreachable) or a TCP reset.
	Reply meas.Reply
	// From is its source address; it goes to the packet's source.
	From netip.Addr
	// TTL is the TTL or hop limit it arrives with.
	TTL int
	// RTT is the time from the packet's departure to the answer's
	// arrival: the link delays crossed out and back.
	RTT time.Duration
	// Recorded is its Record Route option, when the packet carried one.
	Recorded []netip.Addr
	// ProbeTTL is the TTL the packet had where it ended, as an ICMP
	// error quotes it (1 in a time exceeded).
	ProbeTTL int
}

// Exchange sends p from the host owning sender at virtual time at — a
// spoofed packet when p.Key.Src is another host's — and returns the answer
// that reaches the host owning p.Key.Src, as the network's measurements
// do packet by packet; ok is false when none does. It is the network seen
// one packet at a time, for probers that build and parse the packets
// themselves (package memnet); the routers' rate limits count its
// packets, Counts does not.
func (n *Network) Exchange(sender netip.Addr, p Packet, at time.Duration) (a Answer, ok bool, err error) {
	src, err := n.host("exchange", sender)
	if err != nil {
		return Answer{}, false, err
	}
	if _, err := p.Key.Flow.Normalize(); err != nil || p.TTL < 1 || p.TTL > meas.MaxTTL {
		return Answer{}, false, fmt.Errorf("sim: exchange: %w: flow %v, TTL %d", meas.ErrBadRequest, p.Key.Flow, p.TTL)
	}
	pkt := packet{key: p.Key, ttl: p.TTL}
	if p.RecordRoute {
		pkt.rr = &recordRoute{}
	}
	r, ok := n.roundTrip(&pkt, src, at)
	if !ok {
		return Answer{}, false, nil
	}
	a = Answer{Reply: r.kind, From: r.from, TTL: r.ttl, RTT: r.rtt, ProbeTTL: r.pttl}
	if p.RecordRoute {
		a.Recorded = r.rr.recorded()
	}
	return a, true, nil
}

// TwoHostAnswer is what comes back to a two-host client for one request.
type TwoHostAnswer struct {
	// Echoed is set when a host running no responder echoed the request,
	// as Linux answers any echo request.
	Echoed bool
	// Node answered the responder's probe, ProbeRTT is that probe's round
	// trip: what the responder's answer carries (zero for a presence
	// check).
	Node     netip.Addr
	ProbeRTT time.Duration
	// Delay is the time from the request's departure to the answer's
	// arrival: the request's way there, the probe's round trip, the
	// answer's way back.
	Delay time.Duration
	// TTL is the TTL or hop limit the answer arrives with.
	TTL int
}

// TwoHostExchange sends one two-host request from the host owning client
// to dst at virtual time at, for a probe of the normalised flow f at ttl
// (0: a presence check), and returns the answer that reaches the client,
// as TwoHostTrace's requests do: a responder host (its role says it runs
// one) sends the probe toward the client and answers with the node that
// answered it, another host echoes the request unless it ignores pings.
// ok is false when nothing comes back: the request, the probe or the
// answer lost. Counts does not count it.
func (n *Network) TwoHostExchange(client, dst netip.Addr, f meas.Flow, ttl int, at time.Duration) (a TwoHostAnswer, ok bool, err error) {
	src, err := n.host("two-host exchange", client)
	if err != nil {
		return TwoHostAnswer{}, false, err
	}
	if _, err := f.Normalize(); err != nil || ttl < 0 || ttl > meas.MaxTTL {
		return TwoHostAnswer{}, false, fmt.Errorf("sim: two-host exchange: %w: flow %v, TTL %d", meas.ErrBadRequest, f, ttl)
	}
	th := &twoHostRun{n: n, client: src, src: topo.FlowKey{Src: client, Dst: dst}, dst: topo.FlowKey{Src: dst, Dst: client}}
	node, d1, ok := th.request()
	if !ok {
		return TwoHostAnswer{}, false, nil
	}
	nd := &n.t.Nodes[node]
	responder := nd.Kind == topo.Host && nd.Role.Responder
	switch {
	case !responder && nd.Kind == topo.Host && nd.Role.NoEcho:
		return TwoHostAnswer{}, false, nil
	case !responder || ttl == 0:
		d2, back, ok := th.answer(node)
		return TwoHostAnswer{Echoed: !responder, Delay: d1 + d2, TTL: back}, ok, nil
	}
	p := packet{key: topo.FlowKey{Src: dst, Dst: client, Flow: f}, ttl: ttl}
	r, ok := n.roundTrip(&p, node, at+d1)
	if !ok {
		return TwoHostAnswer{}, false, nil
	}
	d2, back, ok := th.answer(node)
	return TwoHostAnswer{Node: r.from, ProbeRTT: r.rtt, Delay: d1 + r.rtt + d2, TTL: back}, ok, nil
}

// Trip is how one packet that no router answers crossed the network.
type Trip struct {
	Delay time.Duration // from its departure to its arrival
	TTL   int           // the TTL or hop limit it arrives with
}

// Carry sends one ICMP packet from the host owning sender at virtual time
// at, with source src (spoofed when it is another's), to dst, as a
// two-host request or answer crosses the network, and returns its trip;
// ok is false when it does not reach the node owning dst (dropped,
// filtered, expired). It is
// for programs that play the hosts at both ends themselves (package
// memnet hosting a two-host responder); Counts does not count it.
func (n *Network) Carry(sender, src, dst netip.Addr, at time.Duration) (t Trip, ok bool, err error) {
	from, err := n.host("carry", sender)
	if err != nil {
		return Trip{}, false, err
	}
	p := packet{key: topo.FlowKey{Src: src, Dst: dst}, ttl: meas.DefaultTTL}
	a := n.carry(&p, from, at)
	return Trip{Delay: a.delay, TTL: p.ttl}, a.fate == delivered, nil
}

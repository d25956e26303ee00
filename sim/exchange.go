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
// themselves (package probetest); the routers' rate limits count its
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

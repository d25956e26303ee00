// Package meas holds the measurements that probers perform and the results
// they return: ping, Record Route ping (optionally spoofed), Paris
// traceroute and multipath traceroute.
//
// It is the vocabulary shared by every prober — the raw-socket prober in
// probe/, the in-memory network in sim/ and, later, remote agents — so that
// the reverse traceroute engine never knows which one answers it. Results are
// plain values: addresses are netip.Addr, durations are time.Duration.
package meas

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Proto is the transport protocol of a probe, numbered as in the IPv4
// protocol field (IANA protocol numbers).
type Proto uint8

// Probe protocols.
const (
	ICMP Proto = 1
	TCP  Proto = 6
	UDP  Proto = 17
)

func (p Proto) String() string {
	switch p {
	case ICMP:
		return "icmp"
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	}
	return fmt.Sprintf("proto(%d)", uint8(p))
}

// ParseProto parses "icmp", "udp" or "tcp" (any case).
func ParseProto(s string) (Proto, error) {
	switch strings.ToLower(s) {
	case "icmp":
		return ICMP, nil
	case "tcp":
		return TCP, nil
	case "udp":
		return UDP, nil
	}
	return 0, fmt.Errorf("unknown protocol %q: want icmp, udp or tcp", s)
}

// Flow is a Paris traceroute flow: the protocol and the flow identifier that
// fixes every header field a load balancer hashes. Probes of one flow take one
// path through per-flow load balancers; probes of different flows may not.
//
// For UDP and TCP the identifier is the source port (0 means the prober's
// default); the destination port is DstPort (0 means 33434 for UDP and 80 for
// TCP). For ICMP echo the identifier fixes the ICMP checksum, as Paris
// traceroute does, since some load balancers hash the first four bytes of the
// transport header.
type Flow struct {
	Proto   Proto  `json:"proto"`
	ID      uint16 `json:"id"`
	DstPort uint16 `json:"dst_port,omitempty"`
}

// Reply classifies what came back for one probe.
type Reply uint8

// Reply kinds.
const (
	NoReply      Reply = iota // the probe timed out
	TimeExceeded              // ICMP time exceeded (TTL expired in transit)
	EchoReply                 // ICMP echo reply from the destination
	DestUnreach               // ICMP destination unreachable (port unreachable from a destination)
	TCPReset                  // TCP RST from the destination
	TCPSynAck                 // TCP SYN-ACK from the destination
)

var replyNames = [...]string{"none", "time-exceeded", "echo-reply", "dest-unreach", "tcp-rst", "tcp-synack"}

func (r Reply) String() string {
	if int(r) < len(replyNames) {
		return replyNames[r]
	}
	return fmt.Sprintf("reply(%d)", uint8(r))
}

// FromDestination reports whether the reply kind comes from the destination
// itself, which ends a traceroute.
func (r Reply) FromDestination() bool {
	return r == EchoReply || r == TCPReset || r == TCPSynAck || r == DestUnreach
}

// PingRequest asks for Count ICMP echo requests from Src to Dst.
type PingRequest struct {
	Src, Dst netip.Addr
	Count    int           // 0 means 1
	Timeout  time.Duration // per probe; 0 means the prober's default
}

// Ping is the result of a PingRequest.
type Ping struct {
	Src  netip.Addr      `json:"src"`
	Dst  netip.Addr      `json:"dst"`
	Sent int             `json:"sent"`
	RTTs []time.Duration `json:"rtts_ns"` // one per reply received, in order
}

// Replied reports whether any echo reply came back.
func (p Ping) Replied() bool { return len(p.RTTs) > 0 }

// RRRequest asks for an ICMP echo request carrying the IPv4 Record Route
// option (9 slots) from Src to Dst. When Sender is set and differs from Src,
// the probe is spoofed: the host owning Sender transmits it with Src as its
// source address, and the host owning Src receives and matches the reply.
type RRRequest struct {
	Src, Dst netip.Addr
	Sender   netip.Addr    // zero or equal to Src: not spoofed
	Timeout  time.Duration // 0 means the prober's default
}

// Spoofed reports whether the request is sent by another host than Src.
func (r RRRequest) Spoofed() bool { return r.Sender.IsValid() && r.Sender != r.Src }

// RRSlots is the number of addresses an IPv4 Record Route option can hold.
const RRSlots = 9

// RRPing is the result of an RRRequest.
type RRPing struct {
	Src     netip.Addr    `json:"src"`
	Dst     netip.Addr    `json:"dst"`
	Sender  netip.Addr    `json:"sender"` // the host that transmitted the probe (Src unless spoofed)
	Replied bool          `json:"replied"`
	RTT     time.Duration `json:"rtt_ns"`
	// Recorded is every address in the reply's Record Route option, in order.
	Recorded []netip.Addr `json:"recorded"`
	// Forward holds the slots stamped before the destination's own stamp;
	// Reverse holds those after the destination's last stamp. When the
	// destination is not among the slots (they filled up on the way out),
	// Forward is all of Recorded and Reverse is empty.
	Forward []netip.Addr `json:"forward"`
	Reverse []netip.Addr `json:"reverse"`
}

// SplitRecorded splits recorded Record Route slots at the destination's own
// stamps: forward hops are those before its first occurrence, reverse hops
// those after its last. ok is false when dst does not occur.
func SplitRecorded(recorded []netip.Addr, dst netip.Addr) (forward, reverse []netip.Addr, ok bool) {
	first, last := -1, -1
	for i, a := range recorded {
		if a == dst {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return recorded, nil, false
	}
	return recorded[:first], recorded[last+1:], true
}

// TraceRequest asks for a Paris traceroute from Src to Dst along one flow.
type TraceRequest struct {
	Src, Dst netip.Addr
	Flow     Flow
	FirstTTL int           // 0 means 1
	MaxTTL   int           // 0 means 30
	GapLimit int           // stop after this many consecutive silent hops; 0 means 5
	Attempts int           // probes per TTL before a hop is silent; 0 means 1
	Timeout  time.Duration // per probe; 0 means the prober's default
}

// Hop is one TTL of a traceroute.
type Hop struct {
	TTL   int           `json:"ttl"`
	Addr  netip.Addr    `json:"addr"` // zero (JSON "") when silent
	RTT   time.Duration `json:"rtt_ns"`
	Reply Reply         `json:"reply"`
}

// StopReason says why a traceroute ended.
type StopReason uint8

// Traceroute stop reasons, named as scamper names them.
const (
	StopCompleted   StopReason = iota // the destination answered
	StopGapLimit                      // GapLimit consecutive silent hops
	StopMaxTTL                        // MaxTTL reached without the destination
	StopUnreachable                   // a router answered destination unreachable
	StopLoop                          // an address repeated along the path
)

var stopNames = [...]string{"COMPLETED", "GAPLIMIT", "MAXTTL", "UNREACH", "LOOP"}

func (s StopReason) String() string {
	if int(s) < len(stopNames) {
		return stopNames[s]
	}
	return fmt.Sprintf("stop(%d)", uint8(s))
}

// Trace is the result of a TraceRequest.
type Trace struct {
	Src    netip.Addr `json:"src"`
	Dst    netip.Addr `json:"dst"`
	Flow   Flow       `json:"flow"`
	Hops   []Hop      `json:"hops"` // index i holds TTL FirstTTL+i
	Stop   StopReason `json:"stop_reason"`
	Probes int        `json:"probes"` // probes sent
}

// Path returns the addresses of the responding hops in order, skipping
// silent ones.
func (t Trace) Path() []netip.Addr {
	var p []netip.Addr
	for _, h := range t.Hops {
		if h.Addr.IsValid() {
			p = append(p, h.Addr)
		}
	}
	return p
}

// Prober performs measurements. Implementations: probe.Prober (raw sockets,
// one host), sim.Network (in memory, any host) and, later, remote agents.
// Methods are safe for concurrent use.
type Prober interface {
	Ping(ctx context.Context, req PingRequest) (Ping, error)
	RecordRoute(ctx context.Context, req RRRequest) (RRPing, error)
	Traceroute(ctx context.Context, req TraceRequest) (Trace, error)
}

// MultipathRequest asks for a multipath traceroute (MDA, Diamond-Miner
// stopping rule) from Src to Dst: every next hop of every hop is enumerated
// with failure probability at most Epsilon per hop.
type MultipathRequest struct {
	Src, Dst netip.Addr
	Proto    Proto
	Epsilon  float64       // 0 means 0.05
	FirstTTL int           // 0 means 1
	MaxTTL   int           // 0 means 30
	GapLimit int           // 0 means 3
	Timeout  time.Duration // per probe; 0 means the prober's default
}

// Interface is one address seen at one TTL of a multipath traceroute.
type Interface struct {
	TTL  int        `json:"ttl"`
	Addr netip.Addr `json:"addr"`
}

// MPLink is an edge of the multipath graph: a flow saw From at TTL and To at
// TTL+1.
type MPLink struct {
	TTL  int        `json:"ttl"`
	From netip.Addr `json:"from"`
	To   netip.Addr `json:"to"`
}

// Multipath is the result of a MultipathRequest: the load-balanced path graph
// and what it cost.
type Multipath struct {
	Src        netip.Addr  `json:"src"`
	Dst        netip.Addr  `json:"dst"`
	Proto      Proto       `json:"proto"`
	Interfaces []Interface `json:"interfaces"` // sorted by TTL, then address
	Links      []MPLink    `json:"links"`      // sorted by TTL, then From, then To
	Probes     int         `json:"probes"`     // probes sent
	Stop       StopReason  `json:"stop_reason"`
}

// MultipathProber performs multipath traceroutes.
type MultipathProber interface {
	Multipath(ctx context.Context, req MultipathRequest) (Multipath, error)
}

// MarshalText encodes p by name, as in JSON output.
func (p Proto) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText decodes a name written by MarshalText.
func (p *Proto) UnmarshalText(b []byte) error {
	v, err := ParseProto(string(b))
	*p = v
	return err
}

// MarshalText encodes r by name, as in JSON output.
func (r Reply) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText decodes a name written by MarshalText.
func (r *Reply) UnmarshalText(b []byte) error {
	i, err := lookupName(replyNames[:], string(b), "reply")
	*r = Reply(i)
	return err
}

// MarshalText encodes s by name, as in JSON output.
func (s StopReason) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a name written by MarshalText.
func (s *StopReason) UnmarshalText(b []byte) error {
	i, err := lookupName(stopNames[:], string(b), "stop reason")
	*s = StopReason(i)
	return err
}

func lookupName(names []string, s, what string) (int, error) {
	for i, n := range names {
		if n == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown %s %q", what, s)
}

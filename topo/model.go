// Package topo models an emulated Internet: autonomous systems in tiers with
// customer, provider and peer relations, routers and hosts with addressed
// interfaces, links, per-router behaviours, and the forwarding tables that
// valley-free (Gao–Rexford) routing with hot-potato exits and intra-AS ECMP
// produces. From the tables it derives the ground truth: the true
// router-level and AS-level path between any two hosts, in either direction,
// for a given flow.
//
// The same Topology is realised by lab/ in Linux network namespaces and by
// sim/ in memory; both forward exactly as the tables and NextHop say, so the
// ground truth holds for both.
//
// Topologies come from Generate (seeded, Params) or, for tests, from
// Builder and the ready-made Chain, Diamond and MultiAS. Inter-AS routing
// follows BGP (RFC 4271) under Gao–Rexford policies; intra-AS routing is a
// link-state shortest-path computation with equal-cost multipath. Addresses
// come only from reserved space: 10.0.0.0/8 (RFC 1918), 100.64.0.0/10
// (RFC 6598), 198.18.0.0/15 (RFC 2544) and 2001:db8::/32 (RFC 3849), with
// /31 (RFC 3021) and /127 (RFC 6164) point-to-point links; AS numbers come
// from the private range (RFC 6996). WritePfx2AS writes the CAIDA
// prefix-to-AS file, WriteJSON and ReadJSON save and load a topology.
package topo

import (
	"fmt"
	"net/netip"
	"time"
)

// NodeID indexes Topology.Nodes.
type NodeID int

// Kind says whether a node forwards (router) or ends paths (host).
type Kind uint8

// Node kinds.
const (
	Router Kind = iota
	Host
)

// String returns "router" or "host".
func (k Kind) String() string {
	switch k {
	case Router:
		return "router"
	case Host:
		return "host"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// MarshalText encodes a kind as "router" or "host".
func (k Kind) MarshalText() ([]byte, error) {
	if k > Host {
		return nil, fmt.Errorf("marshal node kind %d: unknown", uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText decodes "router" or "host".
func (k *Kind) UnmarshalText(b []byte) error {
	switch string(b) {
	case "router":
		*k = Router
	case "host":
		*k = Host
	default:
		return fmt.Errorf("unmarshal node kind %q: want router or host", b)
	}
	return nil
}

// Relation is the business relation of a neighbour AS, seen from one AS.
type Relation uint8

// AS relations (Gao–Rexford).
const (
	Customer Relation = iota // the neighbour pays us
	Peer                     // settlement-free
	Provider                 // we pay the neighbour
)

// String returns "customer", "peer" or "provider".
func (r Relation) String() string {
	switch r {
	case Customer:
		return "customer"
	case Peer:
		return "peer"
	case Provider:
		return "provider"
	}
	return fmt.Sprintf("relation(%d)", uint8(r))
}

// MarshalText encodes a relation as "customer", "peer" or "provider".
func (r Relation) MarshalText() ([]byte, error) {
	if r > Provider {
		return nil, fmt.Errorf("marshal AS relation %d: unknown", uint8(r))
	}
	return []byte(r.String()), nil
}

// UnmarshalText decodes "customer", "peer" or "provider".
func (r *Relation) UnmarshalText(b []byte) error {
	for _, c := range []Relation{Customer, Peer, Provider} {
		if string(b) == c.String() {
			*r = c
			return nil
		}
	}
	return fmt.Errorf("unmarshal AS relation %q: want customer, peer or provider", b)
}

// AS is an autonomous system. Every address of its routers and hosts lies in
// Prefix (IPv4) and Prefix6 (IPv6), except for inter-AS link addresses, which
// come from one side's prefix as on the Internet.
type AS struct {
	Number    uint32
	Tier      int // 1 is the clique at the top
	Prefix    netip.Prefix
	Prefix6   netip.Prefix
	Neighbors map[uint32]Relation
	Routers   []NodeID
}

// Behaviour is how a router treats probes. The zero value is a well-behaved
// Linux router: stamps Record Route, answers TTL expiry, no ICMP rate limit.
type Behaviour struct {
	NoRRStamp      bool // forwards packets with Record Route without stamping
	DropOptions    bool // drops every packet carrying IP options
	NoTimeExceeded bool // never sends ICMP time exceeded
	// ICMPRateLimitMS is the kernel's per-destination ICMP error rate limit
	// (net.ipv4.icmp_ratelimit) in milliseconds; 0 disables it.
	ICMPRateLimitMS int
}

// HostRole says what a host is used for in measurements.
type HostRole struct {
	Source       bool // a source S toward which reverse paths are measured
	VantagePoint bool // may send probes for sources
	CanSpoof     bool // its first-hop router lets spoofed source addresses through
	Destination  bool // a target whose reverse path is measured
	NoEcho       bool // ignores ICMP echo requests
	DropOptions  bool // drops packets carrying IP options (no RR answers)
	Responder    bool // runs the two-host reverse traceroute responder
}

// Node is a router or a host.
type Node struct {
	ID        NodeID
	Name      string // short, unique, usable as a namespace suffix: "r12", "h3"
	Kind      Kind
	AS        uint32
	Ifaces    []Iface
	Routes    []Route `json:",omitempty"` // the IPv4 and IPv6 forwarding table
	Behaviour Behaviour
	Role      HostRole // hosts only
}

// Iface is an interface of a node, attached to one link.
type Iface struct {
	Name  string       // interface name inside the node ("e0", "e1", ...)
	Addr  netip.Prefix // IPv4 address with the link's prefix length
	Addr6 netip.Prefix // IPv6 address with the link's prefix length
	Link  LinkID
	Peer  Endpoint // the other end of the link
}

// LinkID indexes Topology.Links.
type LinkID int

// Endpoint names one interface of one node.
type Endpoint struct {
	Node  NodeID
	Iface int
}

// Link is a point-to-point link between two interfaces.
type Link struct {
	A, B Endpoint
	// InterAS is true when the two ends are in different ASes.
	InterAS bool
	// Delay is the one-way propagation delay sim/ charges for the link.
	// lab/ cannot emulate it: this kernel has no netem.
	Delay time.Duration
	// Cost is the link's IGP metric (intra-AS shortest paths); at least 1.
	// Inter-AS links carry no IGP cost and keep 0.
	Cost int
}

// Route is one forwarding entry: packets to Dst leave through one of
// NextHops. With more than one next hop the route is ECMP and the next hop is
// chosen per flow by ECMPIndex.
//
// Node.Routes holds no route for a node's own link subnets: the kernel adds
// those itself when an interface address is configured, so lab/ installs
// Routes as they are, and Lookup consults the connected subnets first.
type Route struct {
	Dst      netip.Prefix
	NextHops []NextHop // sorted by interface index; never empty
}

// NextHop is an outgoing interface and the neighbour's address on it.
type NextHop struct {
	Iface   int
	Gateway netip.Addr
}

// Topology is a whole emulated Internet. It is built once by Generate (or
// by hand in tests) and read-only afterwards: safe for concurrent readers.
type Topology struct {
	Seed   int64
	Params Params
	ASes   []AS
	Nodes  []Node
	Links  []Link
	// HashSeed seeds the per-flow ECMP hash (see ECMPIndex); lab/ programs
	// the same seed into each router's nftables hash.
	HashSeed uint32

	idx index
}

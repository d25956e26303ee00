// Package sim realises a topo.Topology in memory as a measurement prober
// (meas.Prober, meas.MultipathTracer, meas.TwoHostTracer and
// meas.TwoHostMultipathTracer), so that the reverse traceroute
// engine can be run at scale without sockets or root.
//
// The simulator answers as the Linux kernels of lab/ do on the same
// topology, packet by packet:
//
//   - Forwarding follows topo's tables (topo.Topology.NextHop, with its
//     lookups memoised): packets a node originates take a route's first
//     next hop, forwarded packets the per-flow ECMP choice. Each router
//     decrements the TTL; at expiry it answers ICMP time exceeded (RFC 792,
//     RFC 4443) from the interface the probe came in on (IPv4:
//     icmp_errors_use_inbound_ifaddr=1; IPv6: icmp6_send's source selection
//     on the input device), subject to its per-destination ICMP rate limit
//     (Linux's token bucket, burst 6) on the virtual clock. A router without
//     a route answers net unreachable, limited as ip_error limits it.
//   - Record Route (RFC 791 §3.1, 9 slots): the sender does not stamp (raw
//     IP_HDRINCL probes); forwarding routers stamp their outgoing interface;
//     the destination stamps the probed address on receipt and, its echo
//     reply copying the option, once more as the reply's source address
//     (net/ipv4/ip_options.c: ip_options_echo, and ip_rt_get_source, which
//     stamps the source address for locally generated packets); routers on
//     the way back stamp; the receiving source stamps its own address if a
//     slot is free.
//   - Spoofed probes leave the vantage point with the source's address and
//     are dropped by strict reverse-path filtering (RFC 3704) on the first
//     router when the vantage point may not spoof; the reply goes to the
//     source.
//   - Paris traceroute (Augustin et al., IMC 2006: every probe of a flow
//     carries the header fields load balancers hash), multipath traceroute
//     (package mda) and ping.
//   - Two-host reverse traceroute (draft-heiwin-intarea-reverse-traceroute):
//     hosts whose role says they run a responder answer the presence
//     check and send each requested probe back toward the client, as
//     twohost.Responder does; other hosts echo the check, or ignore it.
//
// Time is virtual (Clock): a measurement advances its clock by the link
// delays its packets crossed and the timeouts of silent probes. A reply
// whose round trip exceeds its probe's timeout is lost, as the raw-socket
// prober loses it, and the probe costs its timeout. Every
// behaviour above was checked against the lab's kernels (Linux 6.18) with
// iputils, traceroute(8) and scamper; probe's TestSimMatchesLab compares
// the raw-socket prober in the lab with this package on a generated
// Internet.
//
// Exchange and TwoHostExchange show the network one packet or two-host
// request at a time, for probers that build and parse their packets
// themselves: package memnet runs the raw-socket prober and the
// two-host client on them, without root.
//
// Not modelled: the kernel's global ICMP limiter (icmp_msgs_per_sec, which
// it randomises) on routers with a rate limit, and ICMP errors about probes
// carrying IP options (Record Route pings never expire in transit).
package sim

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// Config tunes the simulator. The zero value is usable.
type Config struct {
	// Timeout is how long a probe waits for its reply when the request
	// leaves its timeout zero: a silent probe costs it, a later reply is
	// lost. 0 means meas.DefaultTimeout.
	Timeout time.Duration
	// ProbeGap is the virtual time between two probes of one measurement:
	// the prober's pacing. 0 means DefaultProbeGap (100 packets/s, the
	// reference agent's rate); negative means no pacing.
	ProbeGap time.Duration
	// HZ is the kernel tick rate the ICMP rate limit counts in. 0 means
	// DefaultHZ (Debian's CONFIG_HZ).
	HZ int
	// Churn, if set, changes the routes over virtual time (topo.Churn):
	// every packet follows the epoch in force when it is sent, and
	// TopologyAt gives the ground truth of that moment. nil: the
	// topology's routes, always (the lab has no churn).
	Churn *topo.Churn
}

// Defaults of Config. A probe's timeout defaults to meas.DefaultTimeout.
const (
	DefaultProbeGap = 10 * time.Millisecond
	DefaultHZ       = 250
)

// Network is a topology realised in memory. It implements meas.Prober and
// meas.MultipathTracer for every host of the topology at once: the request's
// source address says which host sends. Its methods are safe for concurrent
// use; the Topology must not change while the Network is in use (route
// churn, Config.Churn, makes new ones).
type Network struct {
	// Clock is the timeline of measurements whose context carries none
	// (see WithClock).
	Clock Clock

	t       *topo.Topology
	cfg     Config
	strict  [][]bool // strict reverse-path filter per node and interface
	routing *routing
	limiter *limiter
	counts  counters
}

// New realises t in memory.
func New(t *topo.Topology, cfg Config) (*Network, error) {
	if t == nil {
		return nil, errors.New("sim: new network: nil topology")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = meas.DefaultTimeout
	}
	if cfg.ProbeGap == 0 {
		cfg.ProbeGap = DefaultProbeGap
	}
	if cfg.HZ <= 0 {
		cfg.HZ = DefaultHZ
	}
	n := &Network{t: t, cfg: cfg, limiter: newLimiter(cfg.HZ), routing: newRouting(t, cfg.Churn)}
	n.strict = strictRPF(t)
	return n, nil
}

// Topology returns the topology the network realises, as it was before
// any route churn.
func (n *Network) Topology() *topo.Topology { return n.t }

// TopologyAt returns the topology whose routes are in force at virtual
// time at (a duration since the clock's zero): the ground truth of a
// measurement sent then. Without route churn it is Topology.
func (n *Network) TopologyAt(at time.Duration) *topo.Topology { return n.routing.at(at).t }

// strictRPF marks the interfaces lab/ gives rp_filter=1: those of routers
// facing a vantage point that may not spoof.
func strictRPF(t *topo.Topology) [][]bool {
	s := make([][]bool, len(t.Nodes))
	for i, nd := range t.Nodes {
		s[i] = make([]bool, len(nd.Ifaces))
		if nd.Kind != topo.Router {
			continue
		}
		for j, ifc := range nd.Ifaces {
			if int(ifc.Peer.Node) < 0 || int(ifc.Peer.Node) >= len(t.Nodes) {
				continue
			}
			p := &t.Nodes[ifc.Peer.Node]
			s[i][j] = p.Kind == topo.Host && p.Role.VantagePoint && !p.Role.CanSpoof
		}
	}
	return s
}

// host returns the host node owning addr: a zero address or one no host
// owns is meas.ErrNoSource (the simulator is a prober of many hosts).
func (n *Network) host(op string, addr netip.Addr) (topo.NodeID, error) {
	if !addr.IsValid() {
		return 0, fmt.Errorf("sim: %s: %w: name the sending host (the simulator has many)", op, meas.ErrNoSource)
	}
	ep, ok := n.t.Owner(addr)
	if !ok || n.t.Nodes[ep.Node].Kind != topo.Host {
		return 0, fmt.Errorf("sim: %s: %s is not a host of the topology: %w", op, addr, meas.ErrNoSource)
	}
	return ep.Node, nil
}

func (n *Network) timeout(d time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return n.cfg.Timeout
}

// sendTime returns when the i-th probe of a measurement started at start
// leaves.
func (n *Network) sendTime(start time.Duration, i int) time.Duration {
	if n.cfg.ProbeGap < 0 {
		return start
	}
	return start + time.Duration(i)*n.cfg.ProbeGap
}

// Package memnet runs probers without root, sockets or a lab: Network
// is an in-memory IP network whose hosts' stacks (probe.Stack) speak real
// packets. What a prober sends is parsed with package wire, carried by
// the simulator (package sim, the model of the lab's kernels that
// sim.Network's own measurements use), and answered with the packets
// those kernels send — echo replies with their Record Route option, time
// exceeded and destination unreachable quoting the probe, TCP resets —
// built with package wire too, so that a prober's codecs and matching are
// exercised exactly as on the kernel's raw sockets. Hosts also give a
// two-host client its sockets (twohost.ClientStack) and host real
// two-host responders (twohost.ResponderStack: requests carried to the
// responder, its probes and answers carried as any host's packets);
// where none runs, the topology's responders (hosts whose role says they
// run one) are played by the simulator, whose answers are built with
// package wire as twohost.Responder sends them.
//
// Answers arrive after their round-trip time on timers: run the test in a
// testing/synctest bubble (New and the probers created inside it) and
// the network, the prober's timeouts and its pacing all run in virtual
// time, deterministically, however loaded the machine is. netlink's
// nltest and tailscale's natlab play the same part for their packages;
// the lab tests (real kernels) stay the truth this package is held to.
package memnet

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

// Network is a topology realised in memory, packet by packet. Its
// methods are safe for concurrent use.
type Network struct {
	sim   *sim.Network
	epoch time.Time // the simulator's time zero

	mu    sync.Mutex
	hosts map[topo.NodeID]*Host
	sent  []Sent
	drops Drops
	err   error // the first answer the network failed to build
}

// Sent is one packet a host sent.
type Sent struct {
	At     time.Time
	Host   string // the sending host's name
	Packet []byte // as written, IP header included
}

// Drops counts the packets the network dropped for the reasons a prober
// must never cause or must cope with.
type Drops struct {
	Malformed  uint64 // not an IPv4 or IPv6 ICMP echo request, UDP or TCP SYN probe with valid checksums
	Unanswered uint64 // carried, but nothing came back (silent router, filter, timeout of the path)
	Overflow   uint64 // a receive socket's queue was full
}

// New realises tp in memory with the simulator's configuration cfg (its
// Timeout and ProbeGap do not matter here: the probers pace and time out
// themselves). Call it inside the synctest bubble the probers run in.
func New(tp *topo.Topology, cfg sim.Config) (*Network, error) {
	s, err := sim.New(tp, cfg)
	if err != nil {
		return nil, fmt.Errorf("memnet: %w", err)
	}
	return &Network{sim: s, epoch: time.Now(), hosts: make(map[topo.NodeID]*Host)}, nil
}

// Topology returns the topology the network realises.
func (n *Network) Topology() *topo.Topology { return n.sim.Topology() }

// Host returns the stack of the host named name (topo.Node.Name).
func (n *Network) Host(name string) (*Host, error) {
	nd, ok := n.Topology().Node(name)
	if !ok || nd.Kind != topo.Host {
		return nil, fmt.Errorf("memnet: no host %q in the topology", name)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if h, ok := n.hosts[nd.ID]; ok {
		return h, nil
	}
	h := &Host{n: n, id: nd.ID, name: nd.Name}
	for _, ifc := range nd.Ifaces {
		for _, p := range []netip.Prefix{ifc.Addr, ifc.Addr6} {
			if p.IsValid() {
				h.addrs = append(h.addrs, p.Addr())
			}
		}
	}
	if len(h.addrs) == 0 {
		return nil, fmt.Errorf("memnet: host %q has no address", name)
	}
	n.hosts[nd.ID] = h
	return h, nil
}

// Sent returns every packet sent so far, in the order sent.
func (n *Network) Sent() []Sent {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.sent)
}

// Drops returns the drop counters.
func (n *Network) Drops() Drops {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.drops
}

// transmit carries the packet b that host h wrote to dst and schedules
// its answer.
func (n *Network) transmit(h *Host, b []byte, dst netip.Addr) {
	now := n.record(h, b)
	if src, to, ok := twoHostRequest(b); ok && to == dst && n.toResponder(h, b, src, dst) {
		return
	}
	pr, ok := parseProbe(b)
	if !ok || pr.pkt.Key.Dst != dst {
		n.count(func(d *Drops) { d.Malformed++ })
		return
	}
	a, ok, err := n.sim.Exchange(h.addrs[0], pr.pkt, now.Sub(n.epoch))
	if err != nil || !ok || (a.Reply.FromDestination() && !pr.checksumOK) {
		n.count(func(d *Drops) { d.Unanswered++ })
		return
	}
	ans, err := pr.answer(a)
	if err != nil {
		n.fail(fmt.Errorf("memnet: build the answer to %+v: %w", pr.pkt, err))
		return
	}
	to, ok := n.owner(pr.pkt.Key.Src)
	if !ok {
		n.count(func(d *Drops) { d.Unanswered++ })
		return
	}
	time.AfterFunc(a.RTT, func() { to.deliver(ans) })
}

// record adds the packet b host h sends now to Sent and returns now.
func (n *Network) record(h *Host, b []byte) time.Time {
	now := time.Now()
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, Sent{At: now, Host: h.name, Packet: slices.Clone(b)})
	return now
}

// owner returns the stack of the host owning a, if one was made.
func (n *Network) owner(a netip.Addr) (*Host, bool) {
	ep, ok := n.Topology().Owner(a)
	if !ok {
		return nil, false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	h, ok := n.hosts[ep.Node]
	return h, ok
}

// Err returns the first error of the network itself (an answer it could
// not build), nil if none: tests check it, as it is no prober's fault.
func (n *Network) Err() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.err
}

func (n *Network) fail(err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.err == nil {
		n.err = err
	}
}

func (n *Network) count(f func(*Drops)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	f(&n.drops)
}

package memnet

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"sync"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/wire"
)

// QueueLen is how many packets a receive socket holds before it drops
// (the kernel's receive buffer).
const QueueLen = 1 << 12

// Host is the network stack of one host of a Network: a probe.Stack.
// Its raw sockets behave as the kernel's do for a prober: a send socket
// writes whole IP packets (any source: the network decides whether a
// spoofed one passes), a receive socket gets a copy of every packet of its
// protocol and family addressed to the host, IPv4 ones with their header.
type Host struct {
	n     *Network
	id    topo.NodeID
	name  string
	addrs []netip.Addr

	mu       sync.Mutex
	recv     []*conn
	requests *requestConn // of the responder running on the host, if any
}

var _ probe.Stack = (*Host)(nil)

// Name returns the host's name in the topology.
func (h *Host) Name() string { return h.name }

// Addrs returns the host's addresses.
func (h *Host) Addrs() ([]netip.Addr, error) { return slices.Clone(h.addrs), nil }

// has6 reports whether the host has an IPv6 address.
func (h *Host) has6() bool { return slices.ContainsFunc(h.addrs, netip.Addr.Is6) }

// OpenSend opens a raw send socket of the family.
func (h *Host) OpenSend(v6 bool) (probe.Conn, error) {
	if v6 && !h.has6() {
		return nil, fmt.Errorf("memnet: %s has no IPv6 address: %w", h.name, meas.ErrNotSupported)
	}
	return newConn(h, v6, 0), nil
}

// OpenRecv opens a raw receive socket of the family and protocol: ICMP
// (IPv4), ICMPv6 (IPv6) or TCP.
func (h *Host) OpenRecv(v6 bool, proto wire.Proto) (probe.Conn, error) {
	icmp := wire.ProtoICMP
	if v6 {
		icmp = wire.ProtoICMPv6
	}
	if proto != icmp && proto != wire.ProtoTCP {
		return nil, fmt.Errorf("memnet: no %v receive socket for %s", proto, familyName(v6))
	}
	if v6 && !h.has6() {
		return nil, fmt.Errorf("memnet: %s has no IPv6 address: %w", h.name, meas.ErrNotSupported)
	}
	c := newConn(h, v6, proto)
	h.mu.Lock()
	h.recv = append(h.recv, c)
	h.mu.Unlock()
	return c, nil
}

// deliver queues a copy of d on every receive socket it is for.
func (h *Host) deliver(d delivery) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.recv {
		if c.v6 != d.v6 || c.proto != d.proto || (c.types != nil && !slices.Contains(c.types, d.b[0])) {
			continue
		}
		select {
		case c.q <- packet{b: slices.Clone(d.b), from: d.from, hopLimit: d.hopLimit}:
		default:
			h.n.count(func(dr *Drops) { dr.Overflow++ })
		}
	}
}

func (h *Host) remove(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recv = slices.DeleteFunc(h.recv, func(x *conn) bool { return x == c })
}

// packet is one received packet.
type packet struct {
	b        []byte
	from     netip.Addr
	hopLimit uint8 // IPv6
}

// errClosed is what a closed socket's calls fail with.
var errClosed = fmt.Errorf("memnet: socket closed: %w", os.ErrClosed)

// errRecvSend is sending on a receive socket, which no prober does.
var errRecvSend = errors.New("memnet: sending on a receive socket is not modelled")

// conn is a raw socket of a Host: a send socket (proto 0) or a receive
// socket of one protocol.
type conn struct {
	h     *Host
	v6    bool
	proto wire.Proto
	types []uint8 // the ICMPv6 types it receives; nil: all
	q     chan packet
	done  chan struct{}
	once  sync.Once
}

func newConn(h *Host, v6 bool, proto wire.Proto) *conn {
	return &conn{h: h, v6: v6, proto: proto, q: make(chan packet, QueueLen), done: make(chan struct{})}
}

// Send writes the IP packet b to dst.
func (c *conn) Send(b []byte, dst netip.Addr) error {
	select {
	case <-c.done:
		return errClosed
	default:
	}
	switch {
	case c.proto != 0:
		return errRecvSend
	case dst.Unmap().Is4() == c.v6:
		return fmt.Errorf("memnet: send to %v on an %s socket: wrong family", dst, familyName(c.v6))
	}
	c.h.n.transmit(c.h, b, dst.Unmap())
	return nil
}

// Recv reads one packet into b; it blocks until one arrives or the socket
// is closed.
func (c *conn) Recv(b []byte) (int, netip.Addr, error) {
	select {
	case p := <-c.q:
		return copy(b, p.b), p.from, nil
	case <-c.done:
		return 0, netip.Addr{}, errClosed
	}
}

// Close closes the socket; a pending Recv returns.
func (c *conn) Close() error {
	err := errClosed
	c.once.Do(func() {
		c.h.remove(c)
		close(c.done)
		err = nil
	})
	return err
}

func familyName(v6 bool) string {
	if v6 {
		return "IPv6"
	}
	return "IPv4"
}

package memnet

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/twohost"
	"github.com/revtr/revtr/wire"
)

var _ twohost.ResponderStack = (*Host)(nil)

// OpenRequests opens the request socket of a twohost.Responder on the
// host's interface iface (twohost.ResponderStack). While it is open, the
// requests addressed to the host — a client's, and any ICMP echo request
// with code 1 written to a raw send socket, malformed or spoofed — are
// carried to it, whole IP packets as written, instead of the simulator
// playing the host; the answers the responder sends are carried to their
// destination's receive sockets, arriving with the hop limit the path
// leaves them. One responder per host.
func (h *Host) OpenRequests(iface string) (twohost.RequestConn, error) {
	nd := &h.n.Topology().Nodes[h.id]
	i := slices.IndexFunc(nd.Ifaces, func(ifc topo.Iface) bool { return ifc.Name == iface })
	if i < 0 {
		return nil, fmt.Errorf("memnet: %s: %w: %s", h.name, twohost.ErrNoInterface, iface)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.requests != nil {
		return nil, fmt.Errorf("memnet: %s already runs a responder", h.name)
	}
	h.requests = &requestConn{conn: newConn(h, false, 0), link: twohost.LinkAddr{Ifindex: i + 1}}
	return h.requests, nil
}

// requestConn is a responder's request socket.
type requestConn struct {
	*conn
	link twohost.LinkAddr
}

// Recv reads one request into b.
func (c *requestConn) Recv(b []byte) (int, twohost.LinkAddr, error) {
	select {
	case p := <-c.q:
		return copy(b, p.b), c.link, nil
	case <-c.done:
		return 0, twohost.LinkAddr{}, errClosed
	}
}

// Send carries the answer b, an IP packet, to its destination.
func (c *requestConn) Send(b []byte, to twohost.LinkAddr) error {
	select {
	case <-c.done:
		return errClosed
	default:
	}
	if to != c.link {
		return fmt.Errorf("memnet: answer to link %+v, requests arrive on %+v", to, c.link)
	}
	src, dst, v6, ok := ipAddrs(b)
	if !ok {
		return fmt.Errorf("memnet: answer of %d bytes is no IP packet", len(b))
	}
	n := c.h.n
	n.record(c.h, b)
	trip, ok, err := n.sim.Carry(c.h.addrs[0], src, dst, time.Since(n.epoch))
	if err != nil {
		return fmt.Errorf("memnet: %w", err)
	}
	to2, found := n.owner(dst)
	if !ok || !found {
		n.count(func(d *Drops) { d.Unanswered++ })
		return nil
	}
	d := delivery{v6: v6, proto: icmpProto(v6), from: src, hopLimit: uint8(trip.TTL)}
	if v6 {
		d.b = b[wire.IPv6HeaderLen:]
	} else {
		var ip wire.IPv4
		if err := ip.Decode(b); err != nil {
			return fmt.Errorf("memnet: answer: %w", err)
		}
		hdr, err := ipv4Header(ip.Protocol, src, dst, trip.TTL, nil, len(ip.Payload(b)))
		if err != nil {
			return fmt.Errorf("memnet: answer: %w", err)
		}
		d.b = append(hdr, ip.Payload(b)...)
	}
	d.b = slices.Clone(d.b)
	time.AfterFunc(trip.Delay, func() { to2.deliver(d) })
	return nil
}

// Close closes the socket; the host's requests are the simulator's to
// answer again.
func (c *requestConn) Close() error {
	c.h.mu.Lock()
	if c.h.requests == c {
		c.h.requests = nil
	}
	c.h.mu.Unlock()
	return c.conn.Close()
}

// toResponder carries b, an IP packet host h sent from src to dst, to the
// responder on dst's host if one runs there; it reports whether one does.
func (n *Network) toResponder(h *Host, b []byte, src, dst netip.Addr) bool {
	to, ok := n.owner(dst)
	if !ok || !to.serves() {
		return false
	}
	trip, ok, err := n.sim.Carry(h.addrs[0], src, dst, time.Since(n.epoch))
	switch {
	case err != nil:
		n.fail(fmt.Errorf("memnet: carry a request: %w", err))
	case !ok:
		n.count(func(d *Drops) { d.Unanswered++ })
	default:
		b = slices.Clone(b)
		time.AfterFunc(trip.Delay, func() { to.deliverRequest(b) })
	}
	return true
}

// serves reports whether a responder runs on the host.
func (h *Host) serves() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests != nil
}

// deliverRequest queues the request b on the host's responder, if one
// still runs.
func (h *Host) deliverRequest(b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.requests == nil {
		return
	}
	select {
	case h.requests.q <- packet{b: b}:
	default:
		h.n.count(func(dr *Drops) { dr.Overflow++ })
	}
}

// twoHostRequest returns the addresses of b, an IP packet written to a raw
// send socket, if it is an ICMP echo request with code 1 (well-formed or
// not: a responder counts the malformed ones).
func twoHostRequest(b []byte) (src, dst netip.Addr, ok bool) {
	src, dst, v6, ok := ipAddrs(b)
	if !ok {
		return src, dst, false
	}
	if v6 {
		return src, dst, len(b) >= wire.IPv6HeaderLen+2 && b[6] == uint8(wire.ProtoICMPv6) &&
			b[wire.IPv6HeaderLen] == uint8(wire.ICMPv6Echo) && b[wire.IPv6HeaderLen+1] == 1
	}
	hl := int(b[0]&0xf) * 4
	return src, dst, len(b) >= hl+2 && b[9] == uint8(wire.ProtoICMP) &&
		b[hl] == uint8(wire.ICMPv4Echo) && b[hl+1] == 1
}

// ipAddrs returns the source and destination of the IP packet b.
func ipAddrs(b []byte) (src, dst netip.Addr, v6, ok bool) {
	switch {
	case len(b) >= wire.IPv4HeaderLen && b[0]>>4 == 4:
		return netip.AddrFrom4([4]byte(b[12:16])), netip.AddrFrom4([4]byte(b[16:20])), false, true
	case len(b) >= wire.IPv6HeaderLen && b[0]>>4 == 6:
		return netip.AddrFrom16([16]byte(b[8:24])), netip.AddrFrom16([16]byte(b[24:40])), true, true
	}
	return src, dst, false, false
}

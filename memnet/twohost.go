package memnet

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/twohost"
	"github.com/revtr/revtr/wire"
)

var _ twohost.ClientStack = (*Host)(nil)

// OpenEcho opens the socket of a two-host client (twohost.ClientStack).
// Its requests are carried to their destination: to the responder
// running there (OpenRequests), or else the simulator plays the host: a
// responder host (its role says it runs one) sends the
// probe asked for toward the client and answers with the node that
// answered it, as twohost.Responder does, a presence check with its TTL
// 0 state and a protocol or flow it cannot send with the state saying
// so; another host echoes the request, as Linux does, unless it ignores
// pings. tos is not modelled (no router of the simulator tells classes
// apart).
func (h *Host) OpenEcho(v6 bool, tos uint8) (twohost.EchoConn, error) {
	if v6 && !h.has6() {
		return nil, fmt.Errorf("memnet: %s has no IPv6 address: %w", h.name, twohost.ErrNoIPv6)
	}
	c := newConn(h, v6, icmpProto(v6))
	if v6 {
		c.types = []uint8{uint8(wire.ICMPv6EchoReply)}
	}
	h.mu.Lock()
	h.recv = append(h.recv, c)
	h.mu.Unlock()
	return &echoConn{c}, nil
}

// echoConn is a two-host client's socket: Send writes an ICMP message,
// the stack adds the IP header.
type echoConn struct{ *conn }

// Send sends the ICMP message b to dst from the host's first address of
// dst's family; the checksum of an ICMPv6 message is computed, as the
// kernel computes it on raw ICMPv6 sockets (RFC 3542 section 3.1).
func (c *echoConn) Send(b []byte, dst netip.Addr) error {
	select {
	case <-c.done:
		return errClosed
	default:
	}
	dst = dst.Unmap()
	if dst.Is4() == c.v6 {
		return fmt.Errorf("memnet: send to %v on an %s socket: wrong family", dst, familyName(c.v6))
	}
	msg, src := slices.Clone(b), c.h.addr(c.v6)
	if c.v6 && len(msg) >= 4 {
		setChecksum(msg, wire.ProtoICMPv6, src, dst)
	}
	c.h.n.request(c.h, msg, src, dst)
	return nil
}

// Recv reads one echo reply into b.
func (c *echoConn) Recv(b []byte) (int, netip.Addr, uint8, error) {
	select {
	case p := <-c.q:
		return copy(b, p.b), p.from, p.hopLimit, nil
	case <-c.done:
		return 0, netip.Addr{}, 0, errClosed
	}
}

// addr returns the host's first address of a family.
func (h *Host) addr(v6 bool) netip.Addr {
	for _, a := range h.addrs {
		if a.Is6() == v6 {
			return a
		}
	}
	return netip.Addr{}
}

// request carries the two-host request msg from src on host h to dst and
// schedules what comes back.
func (n *Network) request(h *Host, msg []byte, src, dst netip.Addr) {
	v6 := dst.Is6()
	if pkt := n.log(h, v6, src, dst, msg); n.toResponder(h, pkt, src, dst) {
		return
	}
	var req wire.TwoHostRequest
	if req.Decode(msg) != nil || req.V6 != v6 {
		n.count(func(d *Drops) { d.Malformed++ })
		return
	}
	f, state := probeFlow(&req, v6)
	ttl := int(req.TTL)
	if state != wire.StateSuccess {
		f, ttl = meas.Flow{Proto: meas.ICMP, ID: meas.DefaultICMPChecksum}, 0 // answered at once, as a presence check is
	}
	a, ok, err := n.sim.TwoHostExchange(src, dst, f, ttl, time.Since(n.epoch))
	if err != nil || !ok {
		n.count(func(d *Drops) { d.Unanswered++ })
		return
	}
	if ttl == 0 && state == wire.StateSuccess {
		state = wire.StateTTLZero
	}
	ans, err := twoHostAnswer(&req, msg, a, state, src, dst)
	if err != nil {
		n.fail(fmt.Errorf("memnet: build the answer to %+v: %w", req, err))
		return
	}
	time.AfterFunc(a.Delay, func() { h.deliver(ans) })
}

// probeFlow returns the flow of the probe req asks for, normalised as a
// responder normalises it (UDP and TCP from meas.TwoHostSrcPort), or the
// state refusing it.
func probeFlow(req *wire.TwoHostRequest, v6 bool) (meas.Flow, wire.TwoHostState) {
	p, ok := meas.ProtoOf(uint8(req.Proto), v6)
	if !ok {
		return meas.Flow{}, wire.StateBadProtocol
	}
	f := meas.Flow{Proto: p, ID: req.Flow}
	if p != meas.ICMP {
		f.SrcPort = meas.TwoHostSrcPort
	}
	f, err := f.Normalize()
	if err != nil {
		return meas.Flow{}, wire.StateBadFlow
	}
	return f, wire.StateSuccess
}

// twoHostAnswer builds what comes back from dst for the request msg from
// src: the echo of a plain host, or the responder's answer in state.
func twoHostAnswer(req *wire.TwoHostRequest, msg []byte, a sim.TwoHostAnswer, state wire.TwoHostState, src, dst netip.Addr) (delivery, error) {
	v6 := req.V6
	d := delivery{v6: v6, proto: icmpProto(v6), from: dst, hopLimit: uint8(a.TTL)}
	var b []byte
	if a.Echoed {
		b = echoReply(msg, v6, dst, src)
	} else {
		resp := wire.TwoHostResponse{V6: v6, ID: req.ID, Seq: req.Seq, State: state}
		if state == wire.StateSuccess {
			resp.Node, resp.RTT = a.Node, a.ProbeRTT
		}
		if err := resp.SetChecksum(dst, src); err != nil {
			return d, err
		}
		var err error
		if b, err = resp.AppendBinary(nil); err != nil {
			return d, err
		}
	}
	if v6 {
		d.b = b
		return d, nil
	}
	hdr, err := ipv4Header(wire.ProtoICMP, dst, src, a.TTL, nil, len(b))
	d.b = append(hdr, b...)
	return d, err
}

// echoReply is the echo reply Linux sends for the echo request msg: the
// same message, type changed, checksum recomputed.
func echoReply(msg []byte, v6 bool, src, dst netip.Addr) []byte {
	b := slices.Clone(msg)
	b[0] = uint8(wire.ICMPv4EchoReply)
	proto := wire.ProtoICMP
	if v6 {
		b[0], proto = uint8(wire.ICMPv6EchoReply), wire.ProtoICMPv6
	}
	setChecksum(b, proto, src, dst)
	return b
}

// setChecksum sets the checksum of the ICMP or ICMPv6 message b from src
// to dst.
func setChecksum(b []byte, proto wire.Proto, src, dst netip.Addr) {
	b[2], b[3] = 0, 0
	sum := wire.TransportChecksum(proto, src, dst, b)
	b[2], b[3] = uint8(sum>>8), uint8(sum)
}

// log records the packet carrying msg as it leaves host h and returns
// it.
func (n *Network) log(h *Host, v6 bool, src, dst netip.Addr, msg []byte) []byte {
	var b []byte
	if v6 {
		ip := wire.IPv6{PayloadLen: uint16(len(msg)), NextHeader: wire.ProtoICMPv6, HopLimit: meas.DefaultTTL, Src: src, Dst: dst}
		b, _ = ip.AppendBinary(nil)
	} else {
		b, _ = ipv4Header(wire.ProtoICMP, src, dst, meas.DefaultTTL, nil, len(msg))
	}
	b = append(b, msg...)
	n.record(h, b)
	return b
}

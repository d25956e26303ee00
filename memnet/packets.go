package memnet

import (
	"encoding/binary"
	"net/netip"
	"slices"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/wire"
)

// probePacket is a probe as written, decoded.
type probePacket struct {
	pkt        sim.Packet
	v6         bool
	raw        []byte    // the packet as written
	echo       wire.Echo // of an ICMP probe
	tcp        wire.TCP  // of a TCP probe
	checksumOK bool      // the transport checksum is right: a destination accepts it
}

// parseProbe decodes b, an IP packet written to a send socket: an ICMP
// echo request, a UDP datagram or a TCP SYN, over IPv4 (optionally with
// an empty 9-slot Record Route option, the only option modelled) or IPv6.
func parseProbe(b []byte) (probePacket, bool) {
	pr := probePacket{raw: slices.Clone(b)}
	var src, dst netip.Addr
	var proto wire.Proto
	var payload []byte
	if len(b) == 0 {
		return pr, false
	}
	switch b[0] >> 4 {
	case 4:
		var ip wire.IPv4
		if ip.Decode(pr.raw) != nil || int(ip.TotalLen) != len(b) || ip.FragOff != 0 || ip.Flags&wire.IPv4MoreFragments != 0 {
			return pr, false
		}
		rr, ok := emptyRecordRoute(&ip)
		if !ok {
			return pr, false
		}
		pr.pkt.RecordRoute, pr.pkt.TTL = rr, int(ip.TTL)
		src, dst, proto, payload = ip.Src, ip.Dst, ip.Protocol, ip.Payload(pr.raw)
	case 6:
		var ip wire.IPv6
		if ip.Decode(pr.raw) != nil || wire.IPv6HeaderLen+int(ip.PayloadLen) != len(b) {
			return pr, false
		}
		pr.v6, pr.pkt.TTL = true, int(ip.HopLimit)
		src, dst, proto, payload = ip.Src, ip.Dst, ip.NextHeader, ip.Payload(pr.raw)
	default:
		return pr, false
	}
	flow, ok := pr.transport(proto, payload)
	if !ok {
		return pr, false
	}
	pr.checksumOK = wire.TransportChecksum(proto, src, dst, payload) == 0
	pr.pkt.Key = topo.FlowKey{Src: src, Dst: dst, Flow: flow}
	return pr, true
}

// emptyRecordRoute reports whether ip carries an empty 9-slot Record
// Route option (rr), and ok false when it carries any other option.
func emptyRecordRoute(ip *wire.IPv4) (rr, ok bool) {
	if len(ip.Options) == 0 {
		return false, true
	}
	var o wire.RecordRoute
	found, err := ip.RecordRoute(&o)
	if !found || err != nil || o.Slots != meas.RRSlots || o.NumRecorded() != 0 || len(ip.Options) != 40 {
		return false, false
	}
	return true, true
}

// transport decodes the probe's transport header and returns its flow.
func (pr *probePacket) transport(proto wire.Proto, payload []byte) (meas.Flow, bool) {
	switch proto {
	case wire.ProtoICMP, wire.ProtoICMPv6:
		if pr.echo.Decode(payload) != nil || pr.echo.Reply || pr.echo.V6 != pr.v6 || proto != icmpProto(pr.v6) {
			return meas.Flow{}, false
		}
		return meas.Flow{Proto: meas.ICMP, ID: pr.echo.Checksum}, true
	case wire.ProtoUDP:
		var u wire.UDP
		if u.Decode(payload) != nil || int(u.Length) != len(payload) {
			return meas.Flow{}, false
		}
		return meas.Flow{Proto: meas.UDP, ID: u.DstPort, SrcPort: u.SrcPort}, true
	case wire.ProtoTCP:
		if pr.tcp.Decode(payload) != nil || pr.tcp.Flags != wire.TCPSyn {
			return meas.Flow{}, false
		}
		return meas.Flow{Proto: meas.TCP, ID: pr.tcp.DstPort, SrcPort: pr.tcp.SrcPort}, true
	}
	return meas.Flow{}, false
}

// delivery is an answer on its way to the receive sockets of a host.
type delivery struct {
	v6       bool
	proto    wire.Proto // the receive sockets it is for
	b        []byte     // IPv4: with the IP header; IPv6: without
	from     netip.Addr
	hopLimit uint8 // IPv6: the hop limit it arrives with
}

// answer builds the packet the simulator says comes back for the probe.
func (pr *probePacket) answer(a sim.Answer) (delivery, error) {
	to := pr.pkt.Key.Src
	d := delivery{v6: pr.v6, proto: icmpProto(pr.v6), from: a.From, hopLimit: uint8(a.TTL)}
	var msg []byte
	var err error
	switch a.Reply {
	case meas.EchoReply:
		e := wire.Echo{V6: pr.v6, Reply: true, ID: pr.echo.ID, Seq: pr.echo.Seq, Data: pr.echo.Data}
		e.SetChecksum(a.From, to)
		msg, err = e.AppendBinary(nil)
	case meas.TCPReset:
		d.proto = wire.ProtoTCP
		t := wire.TCP{SrcPort: pr.tcp.DstPort, DstPort: pr.tcp.SrcPort, Ack: pr.tcp.Seq + 1, Flags: wire.TCPRst | wire.TCPAck}
		if err = t.SetChecksum(a.From, to, nil); err == nil {
			msg, err = t.AppendBinary(nil)
		}
	case meas.TimeExceeded:
		m := wire.TimeExceeded{V6: pr.v6, Code: wire.CodeTTLExceeded, Body: pr.quote(a.ProbeTTL)}
		m.SetChecksum(a.From, to)
		msg, err = m.AppendBinary(nil)
	default:
		m := wire.DstUnreach{V6: pr.v6, Code: pr.unreachCode(a.From), Body: pr.quote(a.ProbeTTL)}
		m.SetChecksum(a.From, to)
		msg, err = m.AppendBinary(nil)
	}
	if err != nil || pr.v6 {
		d.b = msg
		return d, err
	}
	d.b, err = ipv4Header(d.proto, a.From, to, a.TTL, a.Recorded, len(msg))
	d.b = append(d.b, msg...)
	return d, err
}

// unreachCode is the code of a destination unreachable from: the
// destination's port unreachable, or a router's network unreachable (no
// route).
func (pr *probePacket) unreachCode(from netip.Addr) uint8 {
	switch {
	case from != pr.pkt.Key.Dst:
		return wire.CodeNetUnreach // wire.CodeV6NoRoute is 0 too
	case pr.v6:
		return wire.CodeV6PortUnreach
	}
	return wire.CodePortUnreach
}

// quote returns the probe as an ICMP error quotes it: whole (Linux quotes
// up to 576 bytes of IPv4 and 1280 of IPv6 packets, RFC 1812, RFC 4443),
// with the TTL it had where it ended.
func (pr *probePacket) quote(ttl int) []byte {
	q := slices.Clone(pr.raw)
	if pr.v6 {
		q[7] = uint8(ttl)
		return q
	}
	q[8] = uint8(ttl)
	hl := int(q[0]&0x0f) * 4
	binary.BigEndian.PutUint16(q[10:], 0)
	binary.BigEndian.PutUint16(q[10:], wire.Checksum(q[:hl]))
	return q
}

// ipv4Header builds the IPv4 header of a packet of n bytes from src to
// dst, with a Record Route option holding recorded unless that is nil.
func ipv4Header(proto wire.Proto, src, dst netip.Addr, ttl int, recorded []netip.Addr, n int) ([]byte, error) {
	ip := wire.IPv4{TTL: uint8(ttl), Protocol: proto, Src: src, Dst: dst}
	if recorded != nil {
		rr := wire.NewRecordRoute(meas.RRSlots)
		for _, r := range recorded {
			rr.Stamp(r)
		}
		o, err := rr.AppendBinary(nil)
		if err != nil {
			return nil, err
		}
		ip.Options = o
	}
	ip.TotalLen = uint16(ip.Len() + n)
	if err := ip.SetChecksum(); err != nil {
		return nil, err
	}
	return ip.AppendBinary(nil)
}

func icmpProto(v6 bool) wire.Proto {
	if v6 {
		return wire.ProtoICMPv6
	}
	return wire.ProtoICMP
}

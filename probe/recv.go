package probe

import (
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/wire"
)

// handleIPv4 matches a packet read from an IPv4 raw socket (IP header
// included) to an outstanding probe.
func (p *Prober) handleIPv4(b []byte, now time.Time) {
	var ip wire.IPv4
	if ip.Decode(b) != nil || ip.FragOff != 0 || ip.Flags&wire.IPv4MoreFragments != 0 {
		return
	}
	payload := ip.Payload(b)
	res := Result{From: ip.Src, ReplyTTL: ip.TTL, At: now}
	switch ip.Protocol {
	case wire.ProtoICMP:
		p.handleICMP(payload, ip.Dst, false, res, &ip)
	case wire.ProtoTCP:
		p.handleTCP(payload, ip.Dst, res)
	}
}

// handleIPv6 matches a packet read from an IPv6 raw socket (no IP header:
// from is its source) to an outstanding probe.
func (p *Prober) handleIPv6(b []byte, proto wire.Proto, from netip.Addr, now time.Time) {
	res := Result{From: from, At: now}
	switch proto {
	case wire.ProtoICMPv6:
		p.handleICMP(b, netip.Addr{}, true, res, nil)
	case wire.ProtoTCP:
		p.handleTCP(b, netip.Addr{}, res)
	}
}

// handleICMP dispatches an ICMP or ICMPv6 message sent to local (invalid
// when unknown): echo replies answer echo probes directly, errors quote
// the probe. ip is the IPv4 header of an echo reply, whose Record Route
// option the result reports (nil for IPv6).
func (p *Prober) handleICMP(b []byte, local netip.Addr, v6 bool, res Result, ip *wire.IPv4) {
	var m wire.ICMP
	if m.Decode(b) != nil {
		return
	}
	echoReply, timeExceeded, unreach := uint8(wire.ICMPv4EchoReply), uint8(wire.ICMPv4TimeExceeded), uint8(wire.ICMPv4DstUnreach)
	proto := wire.ProtoICMP
	if v6 {
		echoReply, timeExceeded, unreach = uint8(wire.ICMPv6EchoReply), uint8(wire.ICMPv6TimeExceeded), uint8(wire.ICMPv6DstUnreach)
		proto = wire.ProtoICMPv6
	}
	res.Code = m.Code
	length := m.Rest[1]
	if v6 {
		length = m.Rest[0]
	}
	switch m.Type {
	case echoReply:
		if m.ID() != p.instance {
			return
		}
		res.Reply = meas.EchoReply
		p.tbl.match(m.Seq(), key{proto: proto, src: local, dst: res.From}, res, ip)
	case timeExceeded:
		res.Reply = meas.TimeExceeded
		p.handleQuote(m.Body, length, v6, res)
	case unreach:
		res.Reply = meas.DestUnreach
		p.handleQuote(m.Body, length, v6, res)
	}
}

// handleQuote matches an ICMP error by the probe it quotes. length is the
// RFC 4884 length octet (byte 5 of ICMPv4 errors, 4 of ICMPv6 ones).
func (p *Prober) handleQuote(body []byte, length uint8, v6 bool, res Result) {
	var te wire.TimeExceeded
	if v6 {
		te = wire.TimeExceeded{V6: true, Length: length, Body: body}
	} else {
		te = wire.TimeExceeded{Length: length, Body: body}
	}
	var q wire.Quote
	if q.Decode(te.Original()) != nil {
		return
	}
	k := key{proto: q.Proto(), src: q.Src(), dst: q.Dst()}
	var tag uint16
	switch k.proto {
	case wire.ProtoICMP, wire.ProtoICMPv6:
		id, seq, ok := q.Echo()
		if !ok || id != p.instance {
			return
		}
		tag = seq
	case wire.ProtoUDP:
		sum, ok := q.Checksum()
		if !ok || (!q.V6 && q.IPv4.ID != p.instance) {
			return
		}
		k.sport, k.dport, _ = q.Ports()
		tag = sum
	case wire.ProtoTCP:
		seq, ok := q.TCPSeq()
		if !ok || uint16(seq>>16) != p.instance {
			return
		}
		k.sport, k.dport, _ = q.Ports()
		tag = uint16(seq)
	default:
		return
	}
	p.tbl.match(tag, k, res, nil)
}

// handleTCP matches a destination's RST or SYN-ACK: it acknowledges the
// probe's sequence number plus one, ports swapped.
func (p *Prober) handleTCP(b []byte, local netip.Addr, res Result) {
	var t wire.TCP
	if t.Decode(b) != nil || t.Flags&wire.TCPAck == 0 {
		return
	}
	switch {
	case t.IsRST():
		res.Reply = meas.TCPReset
	case t.IsSynAck():
		res.Reply = meas.TCPSynAck
	default:
		return
	}
	seq := t.Ack - 1
	if uint16(seq>>16) != p.instance {
		return
	}
	k := key{proto: wire.ProtoTCP, src: local, dst: res.From, sport: t.DstPort, dport: t.SrcPort}
	p.tbl.match(uint16(seq), k, res, nil)
}

// recorded returns a copy of the addresses in ip's Record Route option,
// nil when it has none.
func recorded(ip *wire.IPv4) []netip.Addr {
	var rr wire.RecordRoute
	if found, err := ip.RecordRoute(&rr); !found || err != nil {
		return nil
	}
	return append([]netip.Addr{}, rr.Recorded()...)
}

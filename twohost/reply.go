package twohost

import (
	"context"
	"log/slog"
	"math"
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/wire"
)

// replyKind names what answered a probe, for metrics.
type replyKind string

// Kinds of answers to probes.
const (
	kindTimeExceeded replyKind = "time_exceeded"
	kindEchoReply    replyKind = "echo_reply"
	kindUnreachable  replyKind = "unreachable"
	kindTCP          replyKind = "tcp"
)

// handleReply matches a packet read from a reply socket of a family and
// protocol to a session and answers its requester. from is the sender
// (for IPv4, the header is in b as well).
func (r *Responder) handleReply(v6 bool, proto wire.Proto, b []byte, from netip.Addr, now time.Time) {
	if !v6 {
		var ip wire.IPv4
		if ip.Decode(b) != nil || ip.FragOff != 0 {
			return
		}
		from, b = ip.Src, ip.Payload(b)
		if ip.Protocol == wire.ProtoTCP {
			r.handleTCP(b, from, now)
			return
		}
	} else if proto == wire.ProtoTCP {
		r.handleTCP(b, from, now)
		return
	}
	r.handleICMP(b, from, v6, now)
}

// handleICMP matches an echo reply from the requester or an ICMP error
// quoting a probe.
func (r *Responder) handleICMP(b []byte, from netip.Addr, v6 bool, now time.Time) {
	var m wire.ICMP
	if m.Decode(b) != nil {
		return
	}
	echoReply, timeExceeded, unreach := uint8(wire.ICMPv4EchoReply), uint8(wire.ICMPv4TimeExceeded), uint8(wire.ICMPv4DstUnreach)
	if v6 {
		echoReply, timeExceeded, unreach = uint8(wire.ICMPv6EchoReply), uint8(wire.ICMPv6TimeExceeded), uint8(wire.ICMPv6DstUnreach)
	}
	switch m.Type {
	case echoReply:
		if m.Code != 0 || m.ID() != r.instance {
			return
		}
		r.complete(m.Seq(), from, kindEchoReply, now, func(s *session) bool {
			return isICMP(s.proto) && s.target == from
		})
	case timeExceeded:
		r.handleQuote(m.Original(v6), from, kindTimeExceeded, now)
	case unreach:
		r.handleQuote(m.Original(v6), from, kindUnreachable, now)
	}
}

// handleQuote matches an ICMP error by the probe it quotes.
func (r *Responder) handleQuote(orig []byte, from netip.Addr, kind replyKind, now time.Time) {
	var q wire.Quote
	if q.Decode(orig) != nil {
		return
	}
	src, dst, proto := q.Src(), q.Dst(), q.Proto()
	var id uint16
	switch proto {
	case wire.ProtoICMP, wire.ProtoICMPv6:
		qid, seq, ok := q.Echo()
		if !ok || qid != r.instance {
			return
		}
		id = seq
	case wire.ProtoUDP:
		sum, ok := q.Checksum()
		if !ok || (!q.V6 && q.IPv4.ID != r.instance) {
			return
		}
		id = sum
	case wire.ProtoTCP:
		seq, ok := q.TCPSeq()
		if !ok || uint16(seq>>16) != r.instance {
			return
		}
		id = uint16(seq)
	default:
		return
	}
	sport, dport, _ := q.Ports()
	r.complete(id, from, kind, now, func(s *session) bool {
		return s.proto == proto && s.target == dst && s.local == src &&
			(isICMP(proto) || (sport == meas.TwoHostSrcPort && dport == s.dport))
	})
}

// handleTCP matches the requester's RST or SYN-ACK: it acknowledges the
// probe's sequence number plus one, ports swapped.
func (r *Responder) handleTCP(b []byte, from netip.Addr, now time.Time) {
	var t wire.TCP
	if t.Decode(b) != nil || t.Flags&wire.TCPAck == 0 || t.DstPort != meas.TwoHostSrcPort || !(t.IsRST() || t.IsSynAck()) {
		return
	}
	seq := t.Ack - 1
	if uint16(seq>>16) != r.instance {
		return
	}
	r.complete(uint16(seq), from, kindTCP, now, func(s *session) bool {
		return s.proto == wire.ProtoTCP && s.target == from && s.dport == t.SrcPort
	})
}

// complete ends session id if match holds for it: node answered the probe;
// the requester gets the node and the RTT.
func (r *Responder) complete(id uint16, node netip.Addr, kind replyKind, now time.Time, match func(*session) bool) {
	s, ok := r.tbl.take(id, match)
	if !ok {
		r.m.unmatched.Inc()
		return
	}
	r.m.sessions.Dec()
	r.m.replies.WithLabelValues(string(kind)).Inc()
	rtt := max(now.Sub(s.sent), 0)
	r.m.rtt.Observe(rtt.Seconds())
	resp := wire.TwoHostResponse{V6: s.requester.Is6(), ID: s.queryID, Seq: s.seq, State: wire.StateSuccess,
		Node: node, RTT: min(rtt, time.Duration(math.MaxUint32))}
	r.send(s.local, s.requester, s.link, resp)
	if r.log.Enabled(context.Background(), slog.LevelDebug) {
		r.log.LogAttrs(context.Background(), slog.LevelDebug, "probe answered", slog.String("requester", s.requester.String()),
			slog.String("node", node.String()), slog.String("kind", string(kind)), slog.Duration("rtt", rtt))
	}
}

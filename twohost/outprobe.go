package twohost

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/revtr/revtr/internal/rawsock"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/wire"
)

// Probe payload sizes; two bytes of each steer a checksum.
const (
	echoDataLen = 8
	udpDataLen  = 12
)

// startProbe opens a session for in and sends its probe; ok false means it
// was dropped for reason.
func (r *Responder) startProbe(in *inbound, ll rawsock.LinkAddr, now time.Time) (Reason, bool) {
	_, dport := in.flow.Ports()
	s := session{requester: in.src, local: in.dst, proto: wire.Proto(in.flow.Proto.Number(in.v6)), dport: dport,
		queryID: in.req.ID, seq: in.req.Seq, link: ll, sent: now}
	id, ok := r.tbl.add(s)
	if !ok {
		return ReasonTableFull, false
	}
	s.id = id
	r.m.sessions.Inc()
	buf := r.buffer()
	defer r.bufs.Put(buf)
	b, err := r.appendProbe(buf[:0], &s, in)
	sock := r.send4
	if in.v6 {
		sock = r.send6
	}
	if err == nil && sock != nil {
		r.tbl.setSent(id, time.Now())
		err = sock.Send(b, s.requester)
	}
	if err != nil || sock == nil {
		if _, ok := r.tbl.take(id, func(*session) bool { return true }); ok {
			r.m.sessions.Dec()
		}
		r.log.Warn("probe not sent", "requester", s.requester, "proto", s.proto, "err", err)
		return ReasonSendFailed, false
	}
	r.m.probes.WithLabelValues(protoLabel(s.proto)).Inc()
	if r.log.Enabled(context.Background(), slog.LevelDebug) {
		r.log.LogAttrs(context.Background(), slog.LevelDebug, "probe sent", slog.String("requester", s.requester.String()),
			slog.Int("ttl", int(in.req.TTL)), slog.String("flow", in.flow.String()),
			slog.Int("session", int(id)))
	}
	return 0, true
}

// appendProbe appends the probe of session s for request in: the requested
// TTL and flow, the request's TOS (traffic class and flow label), the
// session id where routers quote it back.
func (r *Responder) appendProbe(b []byte, s *session, in *inbound) ([]byte, error) {
	h := wire.IPv4{TOS: in.tos, ID: r.instance, TTL: in.req.TTL, Protocol: s.proto, Src: s.local, Dst: s.requester}
	h6 := wire.IPv6{TrafficClass: in.tos, FlowLabel: in.flowLabel, NextHeader: s.proto, HopLimit: in.req.TTL,
		Src: s.local, Dst: s.requester}
	var seg [wire.TCPHeaderLen + udpDataLen + wire.UDPHeaderLen]byte
	l4, err := r.appendSegment(seg[:0], s, in.flow)
	if err != nil {
		return b, err
	}
	if in.v6 {
		h6.PayloadLen = uint16(len(l4))
		b, err = h6.AppendBinary(b)
	} else {
		h.TotalLen = uint16(h.Len() + len(l4))
		if err = h.SetChecksum(); err == nil {
			b, err = h.AppendBinary(b)
		}
	}
	if err != nil {
		return b, err
	}
	return append(b, l4...), nil
}

// appendSegment appends the transport part of s's probe of flow f. UDP:
// checksum = session id; TCP SYN: sequence = instance<<16 | session id;
// ICMP echo: identifier = session id, sequence = instance, checksum =
// the flow's.
func (r *Responder) appendSegment(b []byte, s *session, f meas.Flow) ([]byte, error) {
	src, dst := s.local, s.requester
	switch s.proto {
	case wire.ProtoUDP:
		var data [udpDataLen]byte
		u := wire.UDP{SrcPort: meas.TwoHostSrcPort, DstPort: s.dport}
		if err := u.SteerChecksum(src, dst, data[:], s.id); err != nil {
			return b, err
		}
		b, err := u.AppendBinary(b)
		return append(b, data[:]...), err
	case wire.ProtoTCP:
		t := wire.TCP{SrcPort: meas.TwoHostSrcPort, DstPort: s.dport, Seq: uint32(r.instance)<<16 | uint32(s.id),
			Flags: wire.TCPSyn, Window: 65535}
		if err := t.SetChecksum(src, dst, nil); err != nil {
			return b, err
		}
		return t.AppendBinary(b)
	}
	var data [echoDataLen]byte
	e := wire.Echo{V6: s.proto == wire.ProtoICMPv6, ID: s.id, Seq: r.instance, Data: data[:]}
	if err := e.SteerChecksum(src, dst, f.Checksum(), wire.SteerData); err != nil {
		return b, err
	}
	return e.AppendBinary(b)
}

// answer sends the response for in back the way the request came.
func (r *Responder) answer(in *inbound, ll rawsock.LinkAddr, resp wire.TwoHostResponse) {
	resp.V6, resp.ID, resp.Seq = in.v6, in.req.ID, in.req.Seq
	r.send(in.dst, in.src, ll, resp)
}

// send builds and sends a response from local to requester.
func (r *Responder) send(local, requester netip.Addr, ll rawsock.LinkAddr, resp wire.TwoHostResponse) {
	buf := r.buffer()
	defer r.bufs.Put(buf)
	b, err := appendResponse(buf[:0], local, requester, resp)
	if err == nil {
		err = r.pkt.Send(b, ll)
	}
	if err != nil {
		r.m.sendErrs.Inc()
		r.log.Warn("answer not sent", "requester", requester, "state", resp.State, "err", err)
		return
	}
	r.m.answers[min(resp.State, wire.StateRefused)].Inc()
}

// appendResponse appends the IP packet carrying resp from src to dst.
func appendResponse(b []byte, src, dst netip.Addr, resp wire.TwoHostResponse) ([]byte, error) {
	if err := resp.SetChecksum(src, dst); err != nil {
		return b, err
	}
	n := resp.Len()
	var err error
	if resp.V6 {
		h := wire.IPv6{PayloadLen: uint16(n), NextHeader: wire.ProtoICMPv6, HopLimit: 64, Src: src, Dst: dst}
		b, err = h.AppendBinary(b)
	} else {
		h := wire.IPv4{TTL: 64, Protocol: wire.ProtoICMP, Src: src, Dst: dst, TotalLen: uint16(wire.IPv4HeaderLen + n)}
		if err = h.SetChecksum(); err == nil {
			b, err = h.AppendBinary(b)
		}
	}
	if err != nil {
		return b, err
	}
	return resp.AppendBinary(b)
}

// protoLabel names a probe protocol in metrics: icmp, tcp or udp.
func protoLabel(p wire.Proto) string {
	if mp, ok := meas.ProtoOf(uint8(p), p == wire.ProtoICMPv6); ok {
		return mp.String()
	}
	return p.String()
}

// packetBuf holds one probe or answer: at most an IPv6 header and a TCP
// SYN, or an IPv6 header and a 36-byte answer.
type packetBuf = [128]byte

// buffer returns a packet buffer from the pool (sending keeps none).
func (r *Responder) buffer() *packetBuf {
	if b, ok := r.bufs.Get().(*packetBuf); ok {
		return b
	}
	return new(packetBuf)
}

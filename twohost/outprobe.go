package twohost

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/wire"
)

// startProbe opens a session for in and sends its probe; ok false means it
// was dropped for reason.
func (r *Responder) startProbe(in *inbound, ll LinkAddr, now time.Time) (Reason, bool) {
	_, dport := in.flow.Ports()
	s := session{requester: in.src, target: in.target, local: in.dst, proto: wire.Proto(in.flow.Proto.Number(in.v6)), dport: dport,
		queryID: in.req.ID, seq: in.req.Seq, link: ll, sent: now}
	id, reason, ok := r.tbl.add(s)
	if !ok {
		return reason, false
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
		err = sock.Send(b, s.target)
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
			slog.String("target", s.target.String()), slog.Int("session", int(id)))
	}
	return 0, true
}

// appendProbe appends the probe of session s for request in, built as
// package probe builds its own (probe.AppendProbe): the requested TTL and
// flow, the request's TOS (traffic class and flow label), the session id
// as the tag routers quote back (UDP checksum, TCP sequence low bits, ICMP
// sequence) and the responder's instance in a second quoted field (IPv4
// identification, TCP sequence high bits, ICMP identifier).
func (r *Responder) appendProbe(b []byte, s *session, in *inbound) ([]byte, error) {
	return probe.AppendProbe(b, probe.Probe{Src: s.local, Dst: s.target, Flow: in.flow, TTL: int(in.req.TTL),
		TOS: in.tos, FlowLabel: in.flowLabel}, r.instance, s.id)
}

// answer sends the response for in back the way the request came.
func (r *Responder) answer(in *inbound, ll LinkAddr, resp wire.TwoHostResponse) {
	resp.V6, resp.ID, resp.Seq = in.v6, in.req.ID, in.req.Seq
	r.send(in.dst, in.src, ll, resp)
}

// send builds and sends a response from local to requester.
func (r *Responder) send(local, requester netip.Addr, ll LinkAddr, resp wire.TwoHostResponse) {
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

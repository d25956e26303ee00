package twohost

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/wire"
)

// inbound is a request as read off the wire, checked and decoded.
type inbound struct {
	src, dst  netip.Addr
	v6        bool
	tos       uint8  // IPv4 TOS or IPv6 traffic class
	flowLabel uint32 // IPv6 only
	icmpLen   int    // bytes of the ICMP message, padding included
	req       wire.TwoHostRequest
	flow      meas.Flow  // the probe's, normalised (admit sets it)
	target    netip.Addr // the probe's destination: src, or an indirect target (admit sets it)
}

// parseRequest checks and decodes an IP packet holding a request: IP
// header and checksums valid, an echo request with code 1 of at least 12
// bytes. Anything else is malformed.
func parseRequest(b []byte, in *inbound) bool {
	if len(b) == 0 {
		return false
	}
	var payload []byte
	switch b[0] >> 4 {
	case 4:
		var ip wire.IPv4
		if ip.Decode(b) != nil || ip.Protocol != wire.ProtoICMP || ip.FragOff != 0 ||
			ip.Flags&wire.IPv4MoreFragments != 0 || int(ip.TotalLen) > len(b) || wire.Checksum(b[:ip.Len()]) != 0 {
			return false
		}
		payload = ip.Payload(b)
		*in = inbound{src: ip.Src, dst: ip.Dst, tos: ip.TOS}
		if wire.Checksum(payload) != 0 {
			return false
		}
	case 6:
		var ip wire.IPv6
		if ip.Decode(b) != nil || ip.NextHeader != wire.ProtoICMPv6 || wire.IPv6HeaderLen+int(ip.PayloadLen) > len(b) {
			return false
		}
		payload = ip.Payload(b)
		*in = inbound{src: ip.Src, dst: ip.Dst, v6: true, tos: ip.TrafficClass, flowLabel: ip.FlowLabel}
		if wire.TransportChecksum(wire.ProtoICMPv6, ip.Src, ip.Dst, payload) != 0 {
			return false
		}
	default:
		return false
	}
	in.icmpLen = len(payload)
	return in.req.Decode(payload) == nil && in.req.V6 == in.v6
}

// handleRequest serves one request read on the packet socket from ll.
func (r *Responder) handleRequest(b []byte, ll LinkAddr, now time.Time) {
	var in inbound
	if !parseRequest(b, &in) {
		r.m.refused[ReasonMalformed].Inc()
		return
	}
	if !r.local.has(in.dst) {
		return // transit: the kernel forwards it, not ours to answer
	}
	r.m.requests.WithLabelValues(familyName(in.v6)).Inc()
	state, reason, ok := r.admit(&in, now)
	if !ok {
		r.refuse(&in, reason)
		return
	}
	if state != wire.StateSuccess {
		resp := wire.TwoHostResponse{State: state}
		switch reason {
		case ReasonIndirect:
			resp.Reserved = uint16(in.req.ExtClass)<<8 | uint16(in.req.ExtType)
			fallthrough
		case ReasonTooSmall:
			r.m.refused[reason].Inc()
		}
		r.answer(&in, ll, resp)
		return
	}
	if reason, ok := r.startProbe(&in, ll, now); !ok {
		r.refuse(&in, reason)
	}
}

// admit applies the policy, the rate limits and the request checks in that
// order. ok false: drop silently for reason. Otherwise state is the answer
// to send at once, or StateSuccess when a probe is to be sent.
func (r *Responder) admit(in *inbound, now time.Time) (state wire.TwoHostState, reason Reason, ok bool) {
	switch {
	case !probeable(in.src):
		return 0, ReasonBadRequester, false
	case !r.lim.permitted(in.src):
		return 0, ReasonDenied, false
	}
	if reason, ok := r.lim.take(in.src, now); !ok {
		return 0, reason, false
	}
	switch {
	case r.cfg.MinRequestLen > 0 && in.icmpLen < r.cfg.MinRequestLen:
		return wire.StateRefused, ReasonTooSmall, true
	case in.req.TTL == 0:
		return wire.StateTTLZero, 0, true
	}
	in.target = in.src
	if in.req.HasExt {
		if !r.indirectOK(in) {
			return wire.StateRefused, ReasonIndirect, true
		}
		in.target = in.req.Target
	}
	var st wire.TwoHostState
	in.flow, st = probeFlow(&in.req, in.v6)
	return st, 0, true
}

// indirectOK reports whether the request's extension is an indirect
// target the responder serves: indirect tracing on, the requester in
// IndirectAllow, the target probeable and not denied.
func (r *Responder) indirectOK(in *inbound) bool {
	t := in.req.Target
	if !r.cfg.Indirect || !t.IsValid() || !probeable(t) || !r.lim.permitted(t) {
		return false
	}
	if len(r.cfg.IndirectAllow) == 0 {
		return true
	}
	for _, p := range r.cfg.IndirectAllow {
		if p.Contains(in.src) {
			return true
		}
	}
	return false
}

// refuse counts and logs a dropped request.
func (r *Responder) refuse(in *inbound, reason Reason) {
	r.m.refused[reason].Inc()
	if r.log.Enabled(context.Background(), slog.LevelDebug) {
		r.log.LogAttrs(context.Background(), slog.LevelDebug, "request dropped", slog.String("requester", in.src.String()),
			slog.String("reason", reason.String()))
	}
}

// probeFlow returns the flow of the probe a request asks for, normalised
// (meas.Flow: flow 0 is the protocol's default, UDP and TCP probes leave
// from meas.TwoHostSrcPort), or StateBadProtocol for a protocol the
// responder does not send. Protocol 0 is the default, ICMP, as in the
// reference server; IPv6 requests may name ICMP as 58 or, as the
// reference client once did, 1. Every flow is accepted, ICMP 0xffff
// included (the reference server sends it; meas.Flow), so StateBadFlow
// is never sent.
func probeFlow(req *wire.TwoHostRequest, v6 bool) (meas.Flow, wire.TwoHostState) {
	p, ok := meas.ProtoOf(uint8(req.Proto), v6)
	if !ok && (req.Proto == 0 || (v6 && req.Proto == wire.ProtoICMP)) {
		p, ok = meas.ICMP, true
	}
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

func isICMP(p wire.Proto) bool { return p == wire.ProtoICMP || p == wire.ProtoICMPv6 }

func familyName(v6 bool) string {
	if v6 {
		return "ipv6"
	}
	return "ipv4"
}

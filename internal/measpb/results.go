package measpb

import (
	"github.com/revtr/revtr/meas"
	agentv1 "github.com/revtr/revtr/rpc/agent/v1"
)

// Ping encodes p.
func Ping(p meas.Ping) *agentv1.Ping {
	rtts := make([]int64, len(p.RTTs))
	for i, r := range p.RTTs {
		rtts[i] = ns(r)
	}
	return &agentv1.Ping{Src: addrString(p.Src), Dst: addrString(p.Dst), Sent: int32(p.Sent), RttsNs: rtts}
}

// FromPing decodes m.
func FromPing(m *agentv1.Ping) (meas.Ping, error) {
	var d decoder
	p := meas.Ping{Src: d.addr(m.GetSrc()), Dst: d.addr(m.GetDst()), Sent: int(m.GetSent())}
	for _, r := range m.GetRttsNs() {
		p.RTTs = append(p.RTTs, dur(r))
	}
	return p, d.err
}

// RRPing encodes p.
func RRPing(p meas.RRPing) *agentv1.RRPing {
	return &agentv1.RRPing{Src: addrString(p.Src), Dst: addrString(p.Dst), Sender: addrString(p.Sender), Replied: p.Replied,
		RttNs: ns(p.RTT), Recorded: addrStrings(p.Recorded), Forward: addrStrings(p.Forward), Reverse: addrStrings(p.Reverse)}
}

// FromRRPing decodes m.
func FromRRPing(m *agentv1.RRPing) (meas.RRPing, error) {
	var d decoder
	p := meas.RRPing{Src: d.addr(m.GetSrc()), Dst: d.addr(m.GetDst()), Sender: d.addr(m.GetSender()), Replied: m.GetReplied(),
		RTT: dur(m.GetRttNs()), Recorded: d.addrs(m.GetRecorded()), Forward: d.addrs(m.GetForward()), Reverse: d.addrs(m.GetReverse())}
	return p, d.err
}

func hopsPB(hs []meas.Hop) []*agentv1.Hop {
	out := make([]*agentv1.Hop, len(hs))
	for i, h := range hs {
		out[i] = &agentv1.Hop{Ttl: int32(h.TTL), Addr: addrString(h.Addr), RttNs: ns(h.RTT), Reply: agentv1.Reply(h.Reply), Code: uint32(h.Code)}
	}
	return out
}

func (d *decoder) hops(ms []*agentv1.Hop) []meas.Hop {
	if ms == nil {
		return nil
	}
	out := make([]meas.Hop, len(ms))
	for i, m := range ms {
		if m.GetReply() < 0 || m.GetReply() > agentv1.Reply_REPLY_TCP_SYNACK {
			d.fail("reply %d", m.GetReply())
		}
		if m.GetCode() > 255 {
			d.fail("ICMP code %d", m.GetCode())
		}
		out[i] = meas.Hop{TTL: int(m.GetTtl()), Addr: d.addr(m.GetAddr()), RTT: dur(m.GetRttNs()), Reply: meas.Reply(m.GetReply()), Code: uint8(m.GetCode())}
	}
	return out
}

func (d *decoder) stop(s agentv1.StopReason) meas.StopReason {
	if s < 0 || s > agentv1.StopReason_STOP_REASON_LOOP {
		d.fail("stop reason %d", s)
	}
	return meas.StopReason(s)
}

// Trace encodes t.
func Trace(t meas.Trace) *agentv1.Trace {
	return &agentv1.Trace{Src: addrString(t.Src), Dst: addrString(t.Dst), Flow: flowPB(t.Flow), Hops: hopsPB(t.Hops),
		StopReason: agentv1.StopReason(t.Stop), Probes: int32(t.Probes)}
}

// FromTrace decodes m.
func FromTrace(m *agentv1.Trace) (meas.Trace, error) {
	var d decoder
	t := d.trace(m)
	return t, d.err
}

func (d *decoder) trace(m *agentv1.Trace) meas.Trace {
	return meas.Trace{Src: d.addr(m.GetSrc()), Dst: d.addr(m.GetDst()), Flow: d.flow(m.GetFlow()), Hops: d.hops(m.GetHops()),
		Stop: d.stop(m.GetStopReason()), Probes: int(m.GetProbes())}
}

// Multipath encodes mp.
func Multipath(mp meas.Multipath) *agentv1.Multipath {
	m := &agentv1.Multipath{Src: addrString(mp.Src), Dst: addrString(mp.Dst), Proto: agentv1.Proto(mp.Proto), Probes: int32(mp.Probes),
		StopReason: agentv1.StopReason(mp.Stop)}
	for _, i := range mp.Interfaces {
		m.Interfaces = append(m.Interfaces, &agentv1.Interface{Ttl: int32(i.TTL), Addr: addrString(i.Addr)})
	}
	for _, l := range mp.Links {
		m.Links = append(m.Links, &agentv1.MPLink{Ttl: int32(l.TTL), From: addrString(l.From), To: addrString(l.To)})
	}
	return m
}

// FromMultipath decodes m.
func FromMultipath(m *agentv1.Multipath) (meas.Multipath, error) {
	var d decoder
	mp := meas.Multipath{Src: d.addr(m.GetSrc()), Dst: d.addr(m.GetDst()), Proto: d.proto(m.GetProto()), Probes: int(m.GetProbes()),
		Stop: d.stop(m.GetStopReason())}
	for _, i := range m.GetInterfaces() {
		mp.Interfaces = append(mp.Interfaces, meas.Interface{TTL: int(i.GetTtl()), Addr: d.addr(i.GetAddr())})
	}
	for _, l := range m.GetLinks() {
		mp.Links = append(mp.Links, meas.MPLink{TTL: int(l.GetTtl()), From: d.addr(l.GetFrom()), To: d.addr(l.GetTo())})
	}
	return mp, d.err
}

// TwoHostTrace encodes t.
func TwoHostTrace(t meas.TwoHostTrace) *agentv1.TwoHostTrace {
	m := &agentv1.TwoHostTrace{Trace: Trace(t.Trace)}
	for _, q := range t.Queries {
		m.Queries = append(m.Queries, &agentv1.Hops{Hops: hopsPB(q)})
	}
	return m
}

// FromTwoHostTrace decodes m.
func FromTwoHostTrace(m *agentv1.TwoHostTrace) (meas.TwoHostTrace, error) {
	var d decoder
	t := meas.TwoHostTrace{Trace: d.trace(m.GetTrace())}
	for _, q := range m.GetQueries() {
		t.Queries = append(t.Queries, d.hops(q.GetHops()))
	}
	return t, d.err
}

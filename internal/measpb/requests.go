package measpb

import (
	"github.com/revtr/revtr/meas"
	agentv1 "github.com/revtr/revtr/rpc/agent/v1"
)

// PingRequest encodes r.
func PingRequest(r meas.PingRequest) *agentv1.PingRequest {
	return &agentv1.PingRequest{Src: addrString(r.Src), Dst: addrString(r.Dst), Count: int32(r.Count), TimeoutNs: ns(r.Timeout)}
}

// FromPingRequest decodes m.
func FromPingRequest(m *agentv1.PingRequest) (meas.PingRequest, error) {
	var d decoder
	r := meas.PingRequest{Src: d.addr(m.GetSrc()), Dst: d.addr(m.GetDst()), Count: int(m.GetCount()), Timeout: dur(m.GetTimeoutNs())}
	return r, d.err
}

// RRRequest encodes r.
func RRRequest(r meas.RRRequest) *agentv1.RRRequest {
	return &agentv1.RRRequest{Src: addrString(r.Src), Dst: addrString(r.Dst), Sender: addrString(r.Sender), TimeoutNs: ns(r.Timeout)}
}

// FromRRRequest decodes m.
func FromRRRequest(m *agentv1.RRRequest) (meas.RRRequest, error) {
	var d decoder
	r := meas.RRRequest{Src: d.addr(m.GetSrc()), Dst: d.addr(m.GetDst()), Sender: d.addr(m.GetSender()), Timeout: dur(m.GetTimeoutNs())}
	return r, d.err
}

// RRExpectRequest encodes r.
func RRExpectRequest(r meas.RRExpectRequest) *agentv1.RRExpectRequest {
	return &agentv1.RRExpectRequest{Src: addrString(r.Src), Dst: addrString(r.Dst), TimeoutNs: ns(r.Timeout)}
}

// FromRRExpectRequest decodes m.
func FromRRExpectRequest(m *agentv1.RRExpectRequest) (meas.RRExpectRequest, error) {
	var d decoder
	r := meas.RRExpectRequest{Src: d.addr(m.GetSrc()), Dst: d.addr(m.GetDst()), Timeout: dur(m.GetTimeoutNs())}
	return r, d.err
}

// RRProbe encodes p.
func RRProbe(p meas.RRProbe) *agentv1.RRProbe {
	return &agentv1.RRProbe{Src: addrString(p.Src), Dst: addrString(p.Dst), Id: uint32(p.ID), Seq: uint32(p.Seq)}
}

// FromRRProbe decodes m.
func FromRRProbe(m *agentv1.RRProbe) (meas.RRProbe, error) {
	var d decoder
	p := meas.RRProbe{Src: d.addr(m.GetSrc()), Dst: d.addr(m.GetDst()), ID: d.u16(m.GetId(), "echo id"), Seq: d.u16(m.GetSeq(), "echo sequence")}
	return p, d.err
}

// TraceRequest encodes r.
func TraceRequest(r meas.TraceRequest) *agentv1.TraceRequest {
	return &agentv1.TraceRequest{Src: addrString(r.Src), Dst: addrString(r.Dst), Flow: flowPB(r.Flow), FirstTtl: int32(r.FirstTTL),
		MaxTtl: int32(r.MaxTTL), GapLimit: int32(r.GapLimit), Attempts: int32(r.Attempts), Window: int32(r.Window), TimeoutNs: ns(r.Timeout)}
}

// FromTraceRequest decodes m.
func FromTraceRequest(m *agentv1.TraceRequest) (meas.TraceRequest, error) {
	var d decoder
	r := meas.TraceRequest{Src: d.addr(m.GetSrc()), Dst: d.addr(m.GetDst()), Flow: d.flow(m.GetFlow()), FirstTTL: int(m.GetFirstTtl()),
		MaxTTL: int(m.GetMaxTtl()), GapLimit: int(m.GetGapLimit()), Attempts: int(m.GetAttempts()), Window: int(m.GetWindow()), Timeout: dur(m.GetTimeoutNs())}
	return r, d.err
}

// MultipathRequest encodes r.
func MultipathRequest(r meas.MultipathRequest) *agentv1.MultipathRequest {
	return &agentv1.MultipathRequest{Src: addrString(r.Src), Dst: addrString(r.Dst), Proto: agentv1.Proto(r.Proto), Epsilon: r.Epsilon,
		FirstTtl: int32(r.FirstTTL), MaxTtl: int32(r.MaxTTL), GapLimit: int32(r.GapLimit), TimeoutNs: ns(r.Timeout),
		Attempts: int32(r.Attempts)}
}

// FromMultipathRequest decodes m.
func FromMultipathRequest(m *agentv1.MultipathRequest) (meas.MultipathRequest, error) {
	var d decoder
	r := meas.MultipathRequest{Src: d.addr(m.GetSrc()), Dst: d.addr(m.GetDst()), Proto: d.proto(m.GetProto()), Epsilon: m.GetEpsilon(),
		FirstTTL: int(m.GetFirstTtl()), MaxTTL: int(m.GetMaxTtl()), GapLimit: int(m.GetGapLimit()), Timeout: dur(m.GetTimeoutNs()),
		Attempts: int(m.GetAttempts())}
	return r, d.err
}

// TwoHostRequest encodes r.
func TwoHostRequest(r meas.TwoHostRequest) *agentv1.TwoHostRequest {
	return &agentv1.TwoHostRequest{Src: addrString(r.Src), Dst: addrString(r.Dst), Flow: flowPB(r.Flow), FirstTtl: int32(r.FirstTTL),
		MaxTtl: int32(r.MaxTTL), GapLimit: int32(r.GapLimit), Window: int32(r.Window), Queries: int32(r.Queries), TimeoutNs: ns(r.Timeout)}
}

// FromTwoHostRequest decodes m.
func FromTwoHostRequest(m *agentv1.TwoHostRequest) (meas.TwoHostRequest, error) {
	var d decoder
	r := meas.TwoHostRequest{Src: d.addr(m.GetSrc()), Dst: d.addr(m.GetDst()), Flow: d.flow(m.GetFlow()), FirstTTL: int(m.GetFirstTtl()),
		MaxTTL: int(m.GetMaxTtl()), GapLimit: int(m.GetGapLimit()), Window: int(m.GetWindow()), Queries: int(m.GetQueries()), Timeout: dur(m.GetTimeoutNs())}
	return r, d.err
}

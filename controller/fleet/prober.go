package fleet

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/internal/measpb"
	"github.com/revtr/revtr/meas"
	agentv1 "github.com/revtr/revtr/rpc/agent/v1"
)

// The capability each request needs.
const (
	capPing    = agentv1.Capability_CAPABILITY_PING
	capRR      = agentv1.Capability_CAPABILITY_RECORD_ROUTE
	capCapture = agentv1.Capability_CAPABILITY_RR_CAPTURE
	capSend    = agentv1.Capability_CAPABILITY_RR_SEND
	capTrace   = agentv1.Capability_CAPABILITY_TRACEROUTE
	capMP      = agentv1.Capability_CAPABILITY_MULTIPATH
	capTwoHost = agentv1.Capability_CAPABILITY_TWO_HOST
)

// agentFor returns the agent owning src with capability c: ErrNoSource
// when none (a zero src names none: the fleet has many hosts),
// ErrNotSupported when it cannot.
func (f *Fleet) agentFor(ctx context.Context, op string, src netip.Addr, c agentv1.Capability) (*conn, error) {
	if !src.IsValid() {
		return nil, fmt.Errorf("fleet: %s: %w: name the source (the fleet has many hosts)", op, meas.ErrNoSource)
	}
	a, ok := f.owner(ctx, src)
	if !ok {
		return nil, fmt.Errorf("fleet: %s: %w: %w for %v", op, meas.ErrNoSource, ErrNoAgent, src)
	}
	switch {
	case c == capCapture && !a.can(c):
		return nil, fmt.Errorf("fleet: %s: %w: agent %s at %v is no source", op, meas.ErrNoSource, a.ident.Name, src)
	case !a.can(c):
		return nil, fmt.Errorf("fleet: %s: %w: agent %s cannot (%v)", op, meas.ErrNotSupported, a.ident.Name, c)
	}
	return a, nil
}

// answer checks a final response: the agent's error, or a result of the
// kind get takes out.
func answer[T comparable](r *agentv1.Response, err error, get func(*agentv1.Response) T) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	if e := r.GetError(); e != nil {
		return zero, fmt.Errorf("fleet: agent: %w", measpb.FromError(e))
	}
	v := get(r)
	if v == zero {
		return zero, fmt.Errorf("fleet: %w: the agent answered %T", measpb.ErrMalformed, r.Kind)
	}
	return v, nil
}

func pingOn(ctx context.Context, a *conn, req meas.PingRequest) (meas.Ping, error) {
	r, err := a.do(ctx, &agentv1.Request{Kind: &agentv1.Request_Ping{Ping: measpb.PingRequest(req)}})
	m, err := answer(r, err, (*agentv1.Response).GetPing)
	if err != nil {
		return meas.Ping{}, err
	}
	return measpb.FromPing(m)
}

func rrOn(ctx context.Context, a *conn, req meas.RRRequest) (meas.RRPing, error) {
	r, err := a.do(ctx, &agentv1.Request{Kind: &agentv1.Request_RecordRoute{RecordRoute: measpb.RRRequest(req)}})
	m, err := answer(r, err, (*agentv1.Response).GetRecordRoute)
	if err != nil {
		return meas.RRPing{}, err
	}
	return measpb.FromRRPing(m)
}

func traceOn(ctx context.Context, a *conn, req meas.TraceRequest) (meas.Trace, error) {
	r, err := a.do(ctx, &agentv1.Request{Kind: &agentv1.Request_Traceroute{Traceroute: measpb.TraceRequest(req)}})
	m, err := answer(r, err, (*agentv1.Response).GetTraceroute)
	if err != nil {
		return meas.Trace{}, err
	}
	return measpb.FromTrace(m)
}

func multipathOn(ctx context.Context, a *conn, req meas.MultipathRequest) (meas.Multipath, error) {
	r, err := a.do(ctx, &agentv1.Request{Kind: &agentv1.Request_Multipath{Multipath: measpb.MultipathRequest(req)}})
	m, err := answer(r, err, (*agentv1.Response).GetMultipath)
	if err != nil {
		return meas.Multipath{}, err
	}
	return measpb.FromMultipath(m)
}

// Ping runs req on the agent owning req.Src.
func (f *Fleet) Ping(ctx context.Context, req meas.PingRequest) (meas.Ping, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.Ping{}, fmt.Errorf("fleet: %w", err)
	}
	a, err := f.agentFor(ctx, "ping", req.Src, capPing)
	if err != nil {
		return meas.Ping{}, err
	}
	return pingOn(ctx, a, req)
}

// RecordRoute runs req on the agent owning req.Src or, spoofed, sends it
// from the vantage point owning req.Sender and captures the reply at the
// source's agent (SpoofedRR).
func (f *Fleet) RecordRoute(ctx context.Context, req meas.RRRequest) (meas.RRPing, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.RRPing{}, fmt.Errorf("fleet: %w", err)
	}
	if req.Spoofed() {
		return f.spoofedRR(ctx, req)
	}
	a, err := f.agentFor(ctx, "record route", req.Src, capRR)
	if err != nil {
		return meas.RRPing{}, err
	}
	return rrOn(ctx, a, req)
}

// Traceroute runs req on the agent owning req.Src.
func (f *Fleet) Traceroute(ctx context.Context, req meas.TraceRequest) (meas.Trace, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.Trace{}, fmt.Errorf("fleet: %w", err)
	}
	a, err := f.agentFor(ctx, "traceroute", req.Src, capTrace)
	if err != nil {
		return meas.Trace{}, err
	}
	return traceOn(ctx, a, req)
}

// TwoHostTrace asks req.Dst's two-host responder from the source agent
// owning req.Src; a failed trace still counts the probes it sent.
func (f *Fleet) TwoHostTrace(ctx context.Context, req meas.TwoHostRequest) (meas.TwoHostTrace, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.TwoHostTrace{}, fmt.Errorf("fleet: %w", err)
	}
	a, err := f.agentFor(ctx, "two-host", req.Src, capTwoHost)
	if err != nil {
		return meas.TwoHostTrace{}, err
	}
	r, err := a.do(ctx, &agentv1.Request{Kind: &agentv1.Request_TwoHost{TwoHost: measpb.TwoHostRequest(req)}})
	m, err := answer(r, err, (*agentv1.Response).GetTwoHost)
	if err != nil {
		return meas.TwoHostTrace{Trace: meas.Trace{Probes: int(r.GetError().GetProbes())}}, err
	}
	return measpb.FromTwoHostTrace(m)
}

// Multipath runs req on the agent owning req.Src.
func (f *Fleet) Multipath(ctx context.Context, req meas.MultipathRequest) (meas.Multipath, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.Multipath{}, fmt.Errorf("fleet: %w", err)
	}
	a, err := f.agentFor(ctx, "multipath", req.Src, capMP)
	if err != nil {
		return meas.Multipath{}, err
	}
	return multipathOn(ctx, a, req)
}

package fleet

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/revtr/revtr/meas"
)

// Host is the prober of one agent, the one owning an address: a zero
// source means the agent's own address of the destination's family, a
// source it does not own is meas.ErrNoSource, and a spoofed Record Route
// ping (whose reply goes to another host) meas.ErrNotSupported. It
// implements meas.Prober, meas.MultipathTracer, meas.RRCapturer and
// meas.RRSender, and follows the agent across reconnections.
type Host struct {
	f    *Fleet
	addr netip.Addr
}

// Host returns the prober of the agent owning addr.
func (f *Fleet) Host(addr netip.Addr) *Host { return &Host{f: f, addr: addr.Unmap()} }

// agent returns the agent and the source a request from src means.
func (h *Host) agent(ctx context.Context, op string, src, dst netip.Addr) (*conn, netip.Addr, error) {
	a, ok := h.f.owner(ctx, h.addr)
	if !ok {
		return nil, src, fmt.Errorf("fleet: %s: %w: no agent connected for %v", op, meas.ErrNoSource, h.addr)
	}
	if !src.IsValid() {
		i := slices.IndexFunc(a.addrs, func(x netip.Addr) bool { return x.Is4() == dst.Is4() })
		if i < 0 {
			return nil, src, fmt.Errorf("fleet: %s: %w: agent %s has no address of %v's family", op, meas.ErrNoSource, a.ident.Name, dst)
		}
		return a, a.addrs[i], nil
	}
	if !slices.Contains(a.addrs, src) {
		return nil, src, fmt.Errorf("fleet: %s: %w: %v is not an address of agent %s", op, meas.ErrNoSource, src, a.ident.Name)
	}
	return a, src, nil
}

// Ping runs req on the agent.
func (h *Host) Ping(ctx context.Context, req meas.PingRequest) (meas.Ping, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.Ping{}, fmt.Errorf("fleet: %w", err)
	}
	a, src, err := h.agent(ctx, "ping", req.Src, req.Dst)
	if err != nil {
		return meas.Ping{}, err
	}
	req.Src = src
	return pingOn(ctx, a, req)
}

// RecordRoute runs a Record Route ping from the agent; a spoofed one is
// not supported by the prober of one host.
func (h *Host) RecordRoute(ctx context.Context, req meas.RRRequest) (meas.RRPing, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.RRPing{}, fmt.Errorf("fleet: %w", err)
	}
	a, src, err := h.agent(ctx, "record route", req.Src, req.Dst)
	if err != nil {
		return meas.RRPing{}, err
	}
	if req.Spoofed() {
		return meas.RRPing{}, fmt.Errorf("fleet: spoofed record route from %v: %w: its reply goes to another host than agent %s", req.Sender, meas.ErrNotSupported, a.ident.Name)
	}
	req.Src = src
	return rrOn(ctx, a, req)
}

// Traceroute runs req on the agent.
func (h *Host) Traceroute(ctx context.Context, req meas.TraceRequest) (meas.Trace, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.Trace{}, fmt.Errorf("fleet: %w", err)
	}
	a, src, err := h.agent(ctx, "traceroute", req.Src, req.Dst)
	if err != nil {
		return meas.Trace{}, err
	}
	req.Src = src
	return traceOn(ctx, a, req)
}

// Multipath runs req on the agent.
func (h *Host) Multipath(ctx context.Context, req meas.MultipathRequest) (meas.Multipath, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.Multipath{}, fmt.Errorf("fleet: %w", err)
	}
	a, src, err := h.agent(ctx, "multipath", req.Src, req.Dst)
	if err != nil {
		return meas.Multipath{}, err
	}
	req.Src = src
	return multipathOn(ctx, a, req)
}

// ExpectRR expects the reply at the agent, which must be a source.
func (h *Host) ExpectRR(ctx context.Context, req meas.RRExpectRequest) (meas.RRCapture, error) {
	req, err := req.Normalize()
	if err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	if _, _, err := h.agent(ctx, "expect spoofed record route", req.Src, req.Dst); err != nil {
		return nil, err
	}
	return h.f.ExpectRR(ctx, req)
}

// SendRR has the agent send p, as an authorized source only (or as
// itself), and not while it is quarantined.
func (h *Host) SendRR(ctx context.Context, p meas.RRProbe) (time.Time, error) {
	if !p.Src.IsValid() || !p.Dst.IsValid() {
		return time.Time{}, fmt.Errorf("fleet: send spoofed record route: %w: missing source or destination", meas.ErrBadRequest)
	}
	a, err := h.f.agentFor(ctx, "send spoofed record route", h.addr, capSend)
	if err != nil {
		return time.Time{}, err
	}
	if !slices.Contains(a.addrs, p.Src) {
		if err := h.f.spoofed(p.Src, h.addr); err != nil {
			return time.Time{}, err
		}
	}
	return sendOn(ctx, a, p)
}

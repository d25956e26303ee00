package agent

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/revtr/revtr/internal/measpb"
	"github.com/revtr/revtr/meas"
	agentv1 "github.com/revtr/revtr/rpc/agent/v1"
)

// serve answers one request with exactly one final response (an
// expectation first answers with the probe to send).
func (s *session) serve(ctx context.Context, req *agentv1.Request) {
	id := req.GetId()
	p := s.a.current()
	fail := func(err error, probes int) { s.respond(errorResponse(ctx, id, err, probes)) }
	switch k := req.Kind.(type) {
	case *agentv1.Request_Ping:
		r, err := measpb.FromPingRequest(k.Ping)
		if err == nil {
			var res meas.Ping
			if res, err = p.Ping(ctx, r); err == nil {
				s.a.sent.Add(uint64(res.Sent))
				s.respond(&agentv1.Response{Id: id, Kind: &agentv1.Response_Ping{Ping: measpb.Ping(res)}})
				return
			}
		}
		fail(err, 0)
	case *agentv1.Request_RecordRoute:
		r, err := measpb.FromRRRequest(k.RecordRoute)
		if err == nil {
			var res meas.RRPing
			if res, err = p.RecordRoute(ctx, r); err == nil {
				s.a.sent.Add(1)
				s.respond(&agentv1.Response{Id: id, Kind: &agentv1.Response_RecordRoute{RecordRoute: measpb.RRPing(res)}})
				return
			}
		}
		fail(err, 0)
	case *agentv1.Request_ExpectRr:
		s.expect(ctx, id, p, k.ExpectRr)
	case *agentv1.Request_SendRr:
		s.sendRR(ctx, id, p, k.SendRr)
	case *agentv1.Request_Traceroute:
		r, err := measpb.FromTraceRequest(k.Traceroute)
		if err == nil {
			var res meas.Trace
			if res, err = p.Traceroute(ctx, r); err == nil {
				s.a.sent.Add(uint64(res.Probes))
				s.respond(&agentv1.Response{Id: id, Kind: &agentv1.Response_Traceroute{Traceroute: measpb.Trace(res)}})
				return
			}
		}
		fail(err, 0)
	case *agentv1.Request_Multipath:
		r, err := measpb.FromMultipathRequest(k.Multipath)
		if err == nil {
			var res meas.Multipath
			if res, err = p.Multipath(ctx, r); err == nil {
				s.a.sent.Add(uint64(res.Probes))
				s.respond(&agentv1.Response{Id: id, Kind: &agentv1.Response_Multipath{Multipath: measpb.Multipath(res)}})
				return
			}
		}
		fail(err, 0)
	case *agentv1.Request_TwoHost:
		s.twoHost(ctx, id, p, k.TwoHost)
	default:
		fail(fmt.Errorf("agent: request %d: %w: this agent does not answer %T", id, meas.ErrNotSupported, req.Kind), 0)
	}
}

// twoHost asks a destination's two-host responder, from a source.
func (s *session) twoHost(ctx context.Context, id uint64, p Prober, m *agentv1.TwoHostRequest) {
	th, ok := p.(meas.TwoHostTracer)
	if !ok {
		s.respond(errorResponse(ctx, id, fmt.Errorf("agent: two-host: %w: this agent is no source", meas.ErrNotSupported), 0))
		return
	}
	r, err := measpb.FromTwoHostRequest(m)
	if err != nil {
		s.respond(errorResponse(ctx, id, err, 0))
		return
	}
	res, err := th.TwoHostTrace(ctx, r)
	if err != nil {
		s.respond(errorResponse(ctx, id, err, res.Probes))
		return
	}
	s.a.sent.Add(uint64(res.Probes))
	s.respond(&agentv1.Response{Id: id, Kind: &agentv1.Response_TwoHost{TwoHost: measpb.TwoHostTrace(res)}})
}

// expect registers a spoofed reply at this source, answers with the probe
// the sender must send, then with the capture.
func (s *session) expect(ctx context.Context, id uint64, p Prober, m *agentv1.RRExpectRequest) {
	fail := func(err error) { s.respond(errorResponse(ctx, id, err, 0)) }
	if !s.a.cfg.Has(RoleSource) {
		fail(fmt.Errorf("agent: expect spoofed record route: %w: this agent is no source", meas.ErrNotSupported))
		return
	}
	r, err := measpb.FromRRExpectRequest(m)
	if err != nil {
		fail(err)
		return
	}
	c, err := p.ExpectRR(ctx, r)
	if err != nil {
		fail(err)
		return
	}
	s.respond(&agentv1.Response{Id: id, Kind: &agentv1.Response_Expecting{Expecting: measpb.RRProbe(c.Probe())}})
	res, err := c.Wait(ctx)
	if err != nil {
		fail(err)
		return
	}
	var at int64
	if res.Replied {
		at = time.Now().UnixNano()
	}
	s.respond(&agentv1.Response{Id: id, Kind: &agentv1.Response_Captured{Captured: &agentv1.Captured{Ping: measpb.RRPing(res), CapturedUnixNs: at}}})
}

// sendRR sends a spoofed probe, only as a source the controller named as
// authorized (or as this host itself).
func (s *session) sendRR(ctx context.Context, id uint64, p Prober, m *agentv1.RRProbe) {
	fail := func(err error) { s.respond(errorResponse(ctx, id, err, 0)) }
	pr, err := measpb.FromRRProbe(m)
	if err != nil {
		fail(err)
		return
	}
	if !slices.Contains(p.Addrs(), pr.Src) && !s.a.maySpoof(pr.Src) {
		fail(fmt.Errorf("agent: send spoofed record route as %v: %w", pr.Src, measpb.ErrSpoofNotAllowed))
		return
	}
	sent, err := p.SendRR(ctx, pr)
	if err != nil {
		fail(err)
		return
	}
	s.a.sent.Add(1)
	s.respond(&agentv1.Response{Id: id, Kind: &agentv1.Response_Sent{Sent: &agentv1.Sent{SentUnixNs: sent.UnixNano()}}})
}

// maySpoof reports whether src is an authorized source this agent spoofs.
func (a *Agent) maySpoof(src netip.Addr) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range a.spoofing {
		if s == src {
			return true
		}
	}
	return false
}

package fleet

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/revtr/revtr/internal/measpb"
	"github.com/revtr/revtr/meas"
	agentv1 "github.com/revtr/revtr/rpc/agent/v1"
)

// expectSlack is how much longer than the probe's timeout a source keeps
// an expectation: the controller ends it itself once the timeout has
// run from the probe's departure, which may wait behind the vantage
// point's other probes.
const expectSlack = 10 * time.Second

// timeout is a request's timeout, the fleet's default for 0.
func (f *Fleet) timeout(d time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	if f.cfg.Timeout > 0 {
		return f.cfg.Timeout
	}
	return meas.DefaultTimeout
}

// spoofed checks that the vantage point at sender may send as src.
func (f *Fleet) spoofed(src, sender netip.Addr) error {
	if !f.Authorized(src) {
		return fmt.Errorf("fleet: spoof as %v: %w: not an authorized source", src, measpb.ErrSpoofNotAllowed)
	}
	if why, ok := f.Quarantined(sender); ok {
		return fmt.Errorf("fleet: spoof from %v: %w: quarantined: %s", sender, measpb.ErrSpoofNotAllowed, why)
	}
	return nil
}

// spoofedRR runs a spoofed Record Route ping (normalised): the source's
// agent expects the reply, the vantage point's sends the probe, and the
// reply is waited for the timeout from the probe's departure.
func (f *Fleet) spoofedRR(ctx context.Context, req meas.RRRequest) (meas.RRPing, error) {
	if err := f.spoofed(req.Src, req.Sender); err != nil {
		return meas.RRPing{}, err
	}
	src, err := f.agentFor(ctx, "spoofed record route: capture", req.Src, capCapture)
	if err != nil {
		return meas.RRPing{}, err
	}
	vp, err := f.agentFor(ctx, "spoofed record route: send", req.Sender, capSend)
	if err != nil {
		return meas.RRPing{}, err
	}
	timeout := f.timeout(req.Timeout)
	c, err := f.expectOn(ctx, src, meas.RRExpectRequest{Src: req.Src, Dst: req.Dst, Timeout: timeout + expectSlack})
	if err != nil {
		return meas.RRPing{}, err
	}
	defer c.cl.done()
	sent, err := sendOn(ctx, vp, c.probe)
	if err != nil {
		return meas.RRPing{}, err
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, at, err := c.wait(wctx)
	switch {
	case err != nil && ctx.Err() == nil && wctx.Err() != nil:
		res = meas.RRPing{Src: req.Src, Dst: req.Dst} // no reply within the timeout
	case err != nil:
		return meas.RRPing{}, err
	case res.Replied && at.After(sent):
		res.RTT = at.Sub(sent)
	}
	res.Sender = req.Sender
	return res, nil
}

// capture is an expectation at a source's agent.
type capture struct {
	cl       *call
	probe    meas.RRProbe
	src, dst netip.Addr
}

// expectOn registers req at the source's agent a and returns the probe it
// will recognise, which must be for req's addresses.
func (f *Fleet) expectOn(ctx context.Context, a *conn, req meas.RRExpectRequest) (*capture, error) {
	cl, err := a.start(ctx, &agentv1.Request{Kind: &agentv1.Request_ExpectRr{ExpectRr: measpb.RRExpectRequest(req)}})
	if err != nil {
		return nil, err
	}
	r, err := cl.next(ctx)
	m, err := answer(r, err, (*agentv1.Response).GetExpecting)
	var p meas.RRProbe
	if err == nil {
		p, err = measpb.FromRRProbe(m)
	}
	if err == nil && (p.Src != req.Src || p.Dst != req.Dst) {
		err = fmt.Errorf("fleet: %w: source agent %s expects %v to %v, asked for %v to %v", measpb.ErrMalformed, a.ident.Name, p.Src, p.Dst, req.Src, req.Dst)
	}
	if err != nil {
		cl.done()
		return nil, err
	}
	return &capture{cl: cl, probe: p, src: req.Src, dst: req.Dst}, nil
}

// wait returns the captured reply and when the source captured it; the
// reply must be the expectation's own.
func (c *capture) wait(ctx context.Context) (meas.RRPing, time.Time, error) {
	r, err := c.cl.next(ctx)
	m, err := answer(r, err, (*agentv1.Response).GetCaptured)
	if err != nil {
		return meas.RRPing{}, time.Time{}, err
	}
	res, err := measpb.FromRRPing(m.GetPing())
	if err != nil {
		return res, time.Time{}, err
	}
	if res.Src != c.src || res.Dst != c.dst {
		return meas.RRPing{}, time.Time{}, fmt.Errorf("fleet: %w: a capture of %v to %v answered the expectation of %v to %v",
			measpb.ErrMalformed, res.Src, res.Dst, c.src, c.dst)
	}
	var at time.Time
	if ns := m.GetCapturedUnixNs(); ns > 0 {
		at = time.Unix(0, ns)
	}
	return res, at, nil
}

// sendOn has the vantage point's agent a send probe p.
func sendOn(ctx context.Context, a *conn, p meas.RRProbe) (time.Time, error) {
	r, err := a.do(ctx, &agentv1.Request{Kind: &agentv1.Request_SendRr{SendRr: measpb.RRProbe(p)}})
	m, err := answer(r, err, (*agentv1.Response).GetSent)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, m.GetSentUnixNs()), nil
}

// remoteCapture is a meas.RRCapture at a source's agent.
type remoteCapture struct{ c *capture }

// Probe is what the sender must send.
func (r remoteCapture) Probe() meas.RRProbe { return r.c.probe }

// Wait returns the capture (Replied false after the expectation's
// timeout), or ctx's error.
func (r remoteCapture) Wait(ctx context.Context) (meas.RRPing, error) {
	defer r.c.cl.done()
	res, _, err := r.c.wait(ctx)
	return res, err
}

// ExpectRR expects, at the source agent owning req.Src, the reply to a
// spoofed Record Route ping another host sends.
func (f *Fleet) ExpectRR(ctx context.Context, req meas.RRExpectRequest) (meas.RRCapture, error) {
	req, err := req.Normalize()
	if err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	a, err := f.agentFor(ctx, "expect spoofed record route", req.Src, capCapture)
	if err != nil {
		return nil, err
	}
	c, err := f.expectOn(ctx, a, req)
	if err != nil {
		return nil, err
	}
	return remoteCapture{c}, nil
}

package probe

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/revtr/revtr/meas"
)

// ExpectRR registers, at the source, the echo reply to a spoofed Record
// Route echo from req.Src (an address of this host) to req.Dst, and
// returns the capture whose Probe the sender must honour (SendRR). The
// timeout (0: the prober's) runs from now, and the reply's RTT counts from
// now too: the sender's clock is not this one's. The captured RRPing's
// Sender is zero: the capturer does not know who sent the probe.
func (p *Prober) ExpectRR(ctx context.Context, req meas.RRExpectRequest) (meas.RRCapture, error) {
	c, err := p.expect(ctx, req)
	if err != nil {
		return nil, err
	}
	p.tbl.stamp(c.f.pd, time.Now())
	p.tbl.arm(c.f.pd, p.timeout(req.Timeout))
	return c, nil
}

// expect registers the reply to a spoofed Record Route echo from req.Src
// to req.Dst, its timeout not yet running.
func (p *Prober) expect(ctx context.Context, req meas.RRExpectRequest) (*capture, error) {
	const op = "expect spoofed record route"
	req, err := req.Normalize()
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	if !slices.Contains(p.addrs, req.Src) {
		return nil, fmt.Errorf("probe: %s: %w: %s is not an address of this host", op, meas.ErrNoSource, req.Src)
	}
	if err := ctx.Err(); err != nil {
		return nil, opError(op, err)
	}
	pr := Probe{Src: req.Src, Dst: req.Dst}
	pd, err := p.tbl.add(keyOf(&pr))
	if err != nil {
		return nil, opError(op, err)
	}
	return &capture{f: Inflight{t: p.tbl, pd: pd}, probe: meas.RRProbe{Src: req.Src, Dst: req.Dst, ID: p.instance, Seq: pd.tag}}, nil
}

// capture is a spoofed Record Route reply expected by a prober.
type capture struct {
	f     Inflight
	probe meas.RRProbe
}

// Probe returns what the sender must send.
func (c *capture) Probe() meas.RRProbe { return c.probe }

// Wait returns the reply captured, Replied false after the timeout.
func (c *capture) Wait(ctx context.Context) (meas.RRPing, error) {
	r, err := c.f.Wait(ctx)
	if err != nil {
		return meas.RRPing{}, fmt.Errorf("probe: capture spoofed record route %s to %s: %w", c.probe.Src, c.probe.Dst, err)
	}
	return rrResult(c.probe.Src, c.probe.Dst, netip.Addr{}, r), nil
}

// SendRR sends, from this host, the Record Route echo e describes, with
// e.Src as its source address: spoofed unless this host owns e.Src, and
// then refused with ErrSpoofNotAllowed unless Config.AllowSpoof lists it.
// It returns the time the probe left.
func (p *Prober) SendRR(ctx context.Context, e meas.RRProbe) (time.Time, error) {
	const op = "send spoofed record route"
	pr := Probe{Src: e.Src, Dst: e.Dst, RecordRoute: true}
	if !pr.Src.IsValid() {
		return time.Time{}, badRequest(op, "missing source")
	}
	if err := p.prepare(op, &pr); err != nil {
		return time.Time{}, err
	}
	var buf [128]byte
	b, err := appendEcho(buf[:0], ipHeader{src: pr.Src, dst: pr.Dst, ttl: uint8(pr.TTL), id: p.instance, rr: true},
		e.ID, e.Seq, pr.Flow.Checksum())
	if err != nil {
		return time.Time{}, opError(op, err)
	}
	sent, err := p.transmit(ctx, b, pr.Dst, nil)
	if err != nil {
		return time.Time{}, opError(fmt.Sprintf("%s as %s to %s", op, e.Src, e.Dst), err)
	}
	return sent, nil
}

// spoofedRR runs a (normalised) spoofed Record Route ping: recv (the
// prober at req.Src) expects the reply, send (at req.Sender) transmits the
// probe. The reply is registered before the probe leaves, its timeout
// runs from the transmission — not from the registration, which may
// precede it by the sender's wait for its rate token — and so does the
// RTT (both probers read one clock). A probe dropped on the way (e.g. by
// strict reverse-path filtering at the sender's first router) is reported
// as no reply.
func spoofedRR(ctx context.Context, recv, send *Prober, req meas.RRRequest) (meas.RRPing, error) {
	c, err := recv.expect(ctx, meas.RRExpectRequest{Src: req.Src, Dst: req.Dst, Timeout: req.Timeout})
	if err != nil {
		return meas.RRPing{}, err
	}
	sent, err := send.SendRR(ctx, c.probe)
	if err != nil {
		recv.tbl.resolve(c.f.pd, Result{}, err)
		return meas.RRPing{}, err
	}
	recv.tbl.arm(c.f.pd, recv.timeout(req.Timeout))
	r, err := c.f.Wait(ctx)
	if err != nil {
		return meas.RRPing{}, fmt.Errorf("spoofed record route %s as %s to %s: %w", req.Sender, req.Src, req.Dst, err)
	}
	if r.Reply != meas.NoReply {
		r.RTT = r.At.Sub(sent)
	}
	return rrResult(req.Src, req.Dst, req.Sender, r), nil
}

package probe

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
)

// Expectation is what a vantage point needs to send a spoofed Record Route
// echo whose reply the prober at the source will recognise: the source and
// destination addresses and the echo identifier and sequence number that
// prober registered. It is a plain value, so that it can travel from the
// source's agent to the vantage point's.
type Expectation struct {
	Src, Dst netip.Addr
	ID, Seq  uint16
}

// ExpectRR registers, at the source, the echo reply to a spoofed Record
// Route echo from src to dst, and returns the Expectation the sender must
// honour. The timeout (0: the prober's) runs from now, and the Result's RTT
// counts from now too: the sender's clock is not this one's.
func (p *Prober) ExpectRR(src, dst netip.Addr, timeout time.Duration) (*Inflight, Expectation, error) {
	const op = "expect spoofed record route"
	if !src.IsValid() || !dst.IsValid() || !src.Unmap().Is4() || !dst.Unmap().Is4() {
		return nil, Expectation{}, opError(op, fmt.Errorf("%w: Record Route needs IPv4 addresses, got %s and %s", ErrFamily, src, dst))
	}
	src, dst = src.Unmap(), dst.Unmap()
	if !containsAddr(p.addrs, src) {
		return nil, Expectation{}, badRequest(op, "%s is not an address of this host", src)
	}
	pr := Probe{Src: src, Dst: dst}
	pd, err := p.tbl.add(keyOf(&pr))
	if err != nil {
		return nil, Expectation{}, opError(op, err)
	}
	p.tbl.stamp(pd, time.Now())
	p.tbl.arm(pd, p.timeout(timeout))
	return &Inflight{t: p.tbl, pd: pd}, Expectation{Src: src, Dst: dst, ID: p.instance, Seq: pd.tag}, nil
}

// SendRR sends, from this host, the Record Route echo e describes, with
// e.Src as its source address: spoofed unless this host owns e.Src, and
// then refused with ErrSpoofNotAllowed unless Config.AllowSpoof lists it.
// It returns the time the probe left.
func (p *Prober) SendRR(ctx context.Context, e Expectation) (time.Time, error) {
	const op = "send spoofed record route"
	pr := Probe{Src: e.Src, Dst: e.Dst, RecordRoute: true}
	if err := p.prepare(op, &pr); err != nil {
		return time.Time{}, err
	}
	var buf [128]byte
	b, err := appendEcho(buf[:0], ipHeader{src: pr.Src, dst: pr.Dst, ttl: defaultTTL, id: p.instance, rr: true},
		e.ID, e.Seq, flowChecksum(0))
	if err != nil {
		return time.Time{}, opError(op, err)
	}
	sent, err := p.transmit(ctx, b, pr.Dst, nil)
	if err != nil {
		return time.Time{}, opError(fmt.Sprintf("%s as %s to %s", op, e.Src, e.Dst), err)
	}
	return sent, nil
}

// spoofedRR runs a spoofed Record Route ping: recv (the prober at req.Src)
// expects the reply, send (at req.Sender) transmits the probe. A probe
// dropped on the way (e.g. by strict reverse-path filtering at the
// sender's first router) is reported as no reply.
func spoofedRR(ctx context.Context, recv, send *Prober, req meas.RRRequest) (meas.RRPing, error) {
	f, e, err := recv.ExpectRR(req.Src, req.Dst, req.Timeout)
	if err != nil {
		return meas.RRPing{}, err
	}
	sent, err := send.SendRR(ctx, e)
	if err != nil {
		recv.tbl.resolve(f.pd, Result{}, err)
		return meas.RRPing{}, err
	}
	r, err := f.Wait(ctx)
	if err != nil {
		return meas.RRPing{}, fmt.Errorf("spoofed record route %s as %s to %s: %w", req.Sender, req.Src, req.Dst, err)
	}
	if r.Reply != meas.NoReply {
		r.RTT = r.At.Sub(sent)
	}
	return rrResult(e.Src, e.Dst, req.Sender, r), nil
}

func containsAddr(as []netip.Addr, a netip.Addr) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}

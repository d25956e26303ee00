package probe

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/meas"
)

// Ping sends req.Count ICMP echo requests (IPv4 or IPv6), one after the
// other as the rate limit allows, and reports the round-trip time of every
// reply.
func (p *Prober) Ping(ctx context.Context, req meas.PingRequest) (meas.Ping, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.Ping{}, fmt.Errorf("probe: %w", err)
	}
	if req.Src, err = p.source("ping", req.Src, req.Dst); err != nil {
		return meas.Ping{}, err
	}
	res := meas.Ping{Src: req.Src, Dst: req.Dst}
	for range req.Count {
		r, err := p.Probe(ctx, Probe{Src: req.Src, Dst: req.Dst, Timeout: req.Timeout})
		if err != nil {
			return meas.Ping{}, fmt.Errorf("ping %s to %s: %w", req.Src, req.Dst, err)
		}
		res.Sent++
		if r.Reply == meas.EchoReply {
			res.RTTs = append(res.RTTs, r.RTT)
		}
	}
	return res, nil
}

// RecordRoute sends an ICMP echo request carrying an empty 9-slot Record
// Route option from this host and returns the option of the echo reply,
// split at the destination's stamps (meas.SplitRecorded). The sender does
// not stamp itself (the probe's header is written by the prober, as
// scamper's are); the kernel receiving the reply stamps the source if a
// slot is left. A spoofed request (req.Sender set and not Src) needs two
// hosts, meas.ErrNotSupported: use a Group, or ExpectRR and SendRR.
func (p *Prober) RecordRoute(ctx context.Context, req meas.RRRequest) (meas.RRPing, error) {
	const op = "record route"
	req, err := req.Normalize()
	if err != nil {
		return meas.RRPing{}, fmt.Errorf("probe: %w", err)
	}
	if req.Spoofed() {
		return meas.RRPing{}, fmt.Errorf("probe: %s spoofed from %s as %s: %w: the reply goes to another host; use a Group or ExpectRR/SendRR",
			op, req.Sender, req.Src, meas.ErrNotSupported)
	}
	if req.Src, err = p.source(op, req.Src, req.Dst); err != nil {
		return meas.RRPing{}, err
	}
	r, err := p.Probe(ctx, Probe{Src: req.Src, Dst: req.Dst, RecordRoute: true, Timeout: req.Timeout})
	if err != nil {
		return meas.RRPing{}, fmt.Errorf("record route %s to %s: %w", req.Src, req.Dst, err)
	}
	return rrResult(req.Src, req.Dst, req.Src, r), nil
}

// rrResult turns the answer to a Record Route echo into a meas.RRPing.
func rrResult(src, dst, sender netip.Addr, r Result) meas.RRPing {
	res := meas.RRPing{Src: src, Dst: dst, Sender: sender}
	if r.Reply != meas.EchoReply {
		return res
	}
	res.Replied, res.RTT, res.Recorded = true, r.RTT, r.Recorded
	res.Forward, res.Reverse, _ = meas.SplitRecorded(r.Recorded, dst)
	return res
}

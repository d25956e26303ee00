package sim

import (
	"context"
	"fmt"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// Ping sends req.Count ICMP echo requests from the host owning req.Src,
// paced ProbeGap apart, and reports the round-trip time of every reply
// within the timeout: the one-way delays of the links crossed out and back.
func (n *Network) Ping(ctx context.Context, req meas.PingRequest) (meas.Ping, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.Ping{}, fmt.Errorf("sim: %w", err)
	}
	src, err := n.host("ping", req.Src)
	if err != nil {
		return meas.Ping{}, err
	}
	clk := n.clock(ctx)
	start, timeout := clk.Elapsed(), n.timeout(req.Timeout)
	res := meas.Ping{Src: req.Src, Dst: req.Dst}
	end := start
	for i := range req.Count {
		if err := ctx.Err(); err != nil {
			return meas.Ping{}, fmt.Errorf("sim: ping %s to %s: %w", req.Src, req.Dst, err)
		}
		at := n.sendTime(start, i)
		p := packet{key: topo.FlowKey{Src: req.Src, Dst: req.Dst}, ttl: meas.DefaultTTL}
		n.counts.ping.Add(1)
		res.Sent++
		r, ok := n.roundTripWithin(&p, src, at, timeout)
		if ok && r.kind == meas.EchoReply {
			res.RTTs = append(res.RTTs, r.rtt)
			end = max(end, at+r.rtt)
		} else {
			end = max(end, at+timeout)
		}
	}
	clk.Advance(end - start)
	return res, nil
}

// RecordRoute sends an ICMP echo request carrying an empty Record Route
// option (9 slots) to req.Dst and returns the option of the echo reply, as
// the host owning req.Src receives it within the timeout. When the
// request is spoofed, the host owning req.Sender sends it with req.Src as
// its source address.
func (n *Network) RecordRoute(ctx context.Context, req meas.RRRequest) (meas.RRPing, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.RRPing{}, fmt.Errorf("sim: %w", err)
	}
	sender, err := n.rrSender(req)
	if err != nil {
		return meas.RRPing{}, err
	}
	if err := ctx.Err(); err != nil {
		return meas.RRPing{}, fmt.Errorf("sim: record route %s to %s: %w", req.Src, req.Dst, err)
	}
	res := meas.RRPing{Src: req.Src, Dst: req.Dst, Sender: req.Src}
	if req.Spoofed() {
		res.Sender = req.Sender
		n.counts.spoofedRR.Add(1)
	} else {
		n.counts.rr.Add(1)
	}
	clk := n.clock(ctx)
	start, timeout := clk.Elapsed(), n.timeout(req.Timeout)
	p := packet{key: topo.FlowKey{Src: req.Src, Dst: req.Dst}, ttl: meas.DefaultTTL, rr: &recordRoute{}}
	r, ok := n.roundTripWithin(&p, sender, start, timeout)
	if !ok || r.kind != meas.EchoReply {
		clk.Advance(timeout)
		return res, nil
	}
	res.Replied, res.RTT = true, r.rtt
	res.Recorded = r.rr.recorded()
	res.Forward, res.Reverse, _ = meas.SplitRecorded(res.Recorded, req.Dst)
	clk.Advance(r.rtt)
	return res, nil
}

// rrSender returns the node that sends a (normalised) Record Route
// request: the source's, or the sender's when spoofed.
func (n *Network) rrSender(req meas.RRRequest) (topo.NodeID, error) {
	src, err := n.host("record route", req.Src)
	if err != nil || !req.Spoofed() {
		return src, err
	}
	return n.host("spoofed record route sender", req.Sender)
}

// Ensure the simulator speaks the engine's interfaces.
var (
	_ meas.Prober                 = (*Network)(nil)
	_ meas.MultipathTracer        = (*Network)(nil)
	_ meas.TwoHostTracer          = (*Network)(nil)
	_ meas.TwoHostMultipathTracer = (*Network)(nil)
)

package sim

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/revtr/revtr/mda"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// presenceTries is how many presence checks a two-host client sends before
// it gives a silent destination up, as twohost.Client does.
const presenceTries = 3

// TwoHostTrace answers as the two-host client on the host owning req.Src
// does with the responders of the topology (hosts whose role says they run
// one; a responder reads requests before the host's echo filter): a
// presence check (up to three tries), then req.Queries requests per TTL,
// each a request carried to req.Dst, the responder's probe of req.Flow
// from port 1021 back toward the client, and the responder's answer
// carried back. A hop is the node that answered the probe (a time exceeded
// unless it is the client itself) with the probe's round trip; a request,
// probe or answer lost, or an answer later than the timeout, is a silent
// query. A plain host echoes the presence check (meas.ErrNoResponder), a
// host ignoring pings stays silent (meas.ErrNoResponder too).
func (n *Network) TwoHostTrace(ctx context.Context, req meas.TwoHostRequest) (meas.TwoHostTrace, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.TwoHostTrace{}, fmt.Errorf("sim: %w", err)
	}
	th, err := n.twoHost(ctx, req.Src, req.Dst, req.Timeout)
	if err != nil {
		return meas.TwoHostTrace{}, err
	}
	defer th.finish()
	res := meas.TwoHostTrace{Trace: meas.Trace{Src: req.Dst, Dst: req.Src, Flow: req.Flow, Stop: meas.StopMaxTTL}}
	if err := th.presence(); err != nil {
		res.Probes = th.sent
		return res, err
	}
	end := meas.NewTraceEnd(req.Src, req.GapLimit)
	for ttl := req.FirstTTL; ttl <= req.MaxTTL; ttl++ {
		if err := ctx.Err(); err != nil {
			return meas.TwoHostTrace{}, fmt.Errorf("sim: two-host trace from %s: %w", req.Dst, err)
		}
		first, answers := meas.Hop{TTL: ttl}, make([]meas.Hop, req.Queries)
		for i := range answers {
			answers[i] = th.query(req.Flow, ttl)
			if first.Reply == meas.NoReply {
				first = answers[i]
			}
		}
		res.Hops, res.Queries = append(res.Hops, first), append(res.Queries, answers)
		if stop, done := end.Next(first); done {
			res.Stop = stop
			break
		}
	}
	res.Probes = th.sent
	return res, nil
}

// TwoHostMultipath enumerates the paths back from the responder on
// req.Dst to the client on req.Src (package mda), one request per probe,
// after a presence check; flows are the responder probes' destination
// ports (ICMP: checksums). The result runs from the responder to the
// client; Probes counts every request, presence checks included.
func (n *Network) TwoHostMultipath(ctx context.Context, req meas.MultipathRequest) (meas.Multipath, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.Multipath{}, fmt.Errorf("sim: %w", err)
	}
	th, err := n.twoHost(ctx, req.Src, req.Dst, req.Timeout)
	if err != nil {
		return meas.Multipath{}, err
	}
	defer th.finish()
	if err := th.presence(); err != nil {
		return meas.Multipath{Src: req.Dst, Dst: req.Src, Proto: req.Proto, Probes: th.sent}, err
	}
	probe := func(ctx context.Context, f meas.Flow, ttl int) (meas.Hop, error) {
		if f.Proto != meas.ICMP {
			f.SrcPort = meas.TwoHostSrcPort
		}
		return th.query(f, ttl), nil
	}
	back := req // the probes go from the responder to the client
	back.Src, back.Dst = req.Dst, req.Src
	m, err := mda.Run(ctx, back, probe)
	if err != nil {
		return meas.Multipath{}, fmt.Errorf("sim: two-host %w", err)
	}
	m.Probes = th.sent
	return m, nil
}

// twoHostRun is the state of one two-host measurement: the client and the
// responder, and the requests sent on the virtual timeline.
type twoHostRun struct {
	n          *Network
	clk        *Clock
	client     topo.NodeID
	src, dst   topo.FlowKey // ICMP from the client to the responder, and back
	timeout    time.Duration
	start, end time.Duration
	sent       int
	responder  bool // dst is a responder host
}

// twoHost starts a two-host measurement from the client at src to dst.
func (n *Network) twoHost(ctx context.Context, src, dst netip.Addr, timeout time.Duration) (*twoHostRun, error) {
	client, err := n.host("two-host client", src)
	if err != nil {
		return nil, err
	}
	th := &twoHostRun{n: n, clk: n.clock(ctx), client: client, timeout: n.timeout(timeout),
		src: topo.FlowKey{Src: src, Dst: dst}, dst: topo.FlowKey{Src: dst, Dst: src}}
	th.start = th.clk.Elapsed()
	th.end = th.start
	return th, nil
}

// finish advances the clock to the end of the last request.
func (th *twoHostRun) finish() { th.clk.Advance(th.end - th.start) }

// next returns when the next request leaves and counts it.
func (th *twoHostRun) next() time.Duration {
	at := th.n.sendTime(th.start, th.sent)
	th.sent++
	th.n.counts.twoHost.Add(1)
	return at
}

// presence runs the presence check: up to presenceTries requests with TTL
// 0, stopping at the first answer.
func (th *twoHostRun) presence() error {
	for range presenceTries {
		at := th.next()
		node, d, ok := th.request()
		if !ok {
			th.end = max(th.end, at+th.timeout)
			continue
		}
		nd := &th.n.t.Nodes[node]
		th.responder = nd.Kind == topo.Host && nd.Role.Responder
		if !th.responder && nd.Kind == topo.Host && nd.Role.NoEcho {
			th.end = max(th.end, at+th.timeout)
			continue
		}
		back, _, ok := th.answer(node)
		if !ok || d+back > th.timeout {
			th.end = max(th.end, at+th.timeout)
			continue
		}
		th.end = max(th.end, at+d+back)
		if !th.responder {
			return fmt.Errorf("sim: two-host: %s: %w (it echoed the presence check as plain Linux does)", th.src.Dst, meas.ErrNoResponder)
		}
		return nil
	}
	return fmt.Errorf("sim: two-host: %s did not answer the presence check: %w", th.src.Dst, meas.ErrNoResponder)
}

// query sends one request for a probe of flow f at ttl and returns the
// hop the client learns.
func (th *twoHostRun) query(f meas.Flow, ttl int) meas.Hop {
	at := th.next()
	node, d1, ok := th.request()
	if !ok || !th.responder {
		th.end = max(th.end, at+th.timeout)
		return meas.Hop{TTL: ttl}
	}
	p := packet{key: topo.FlowKey{Src: th.dst.Src, Dst: th.dst.Dst, Flow: f}, ttl: ttl}
	r, ok := th.n.roundTrip(&p, node, at+d1)
	var d2 time.Duration
	if ok {
		d2, _, ok = th.answer(node)
	}
	if !ok || d1+r.rtt+d2 > th.timeout {
		th.end = max(th.end, at+th.timeout)
		return meas.Hop{TTL: ttl}
	}
	th.end = max(th.end, at+d1+r.rtt+d2)
	h := meas.Hop{TTL: ttl, Addr: r.from, RTT: r.rtt, Reply: meas.TimeExceeded}
	if th.n.t.Local(th.client, r.from) {
		h.Reply = clientReply(f.Proto)
	}
	return h
}

// request carries a two-host request from the client to the responder's
// address; it returns the node it reached and the one-way delay.
func (th *twoHostRun) request() (topo.NodeID, time.Duration, bool) {
	p := packet{key: th.src, ttl: meas.DefaultTTL}
	a := th.n.carry(&p, th.client, th.start)
	return a.node, a.delay, a.fate == delivered
}

// answer carries the responder's answer (or a host's echo) back to the
// client and returns its one-way delay and the TTL it arrives with.
func (th *twoHostRun) answer(from topo.NodeID) (time.Duration, int, bool) {
	p := packet{key: th.dst, ttl: meas.DefaultTTL}
	a := th.n.carry(&p, from, th.start)
	return a.delay, p.ttl, a.fate == delivered && a.node == th.client
}

// clientReply is how the client's host answers a responder's probe, as
// the two-host client reports it (the protocol carries no reply kind).
func clientReply(p meas.Proto) meas.Reply {
	switch p {
	case meas.UDP:
		return meas.DestUnreach
	case meas.TCP:
		return meas.TCPReset
	}
	return meas.EchoReply
}

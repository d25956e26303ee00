package demo

import (
	"net/netip"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// truth answers what a measurement should have seen, from the topology's
// ground truth. Only the demo's checks read it; measurements never do.
type truth struct{ t *topo.Topology }

// flowKey is the ECMP key of probes of flow f from src to dst.
func flowKey(src, dst netip.Addr, f meas.Flow) topo.FlowKey {
	sp, dp := f.Ports()
	return topo.FlowKey{Src: src, Dst: dst, Proto: uint8(f.Proto), SrcPort: sp, DstPort: dp}
}

// traceAddrs is what a traceroute of flow f shows at each TTL.
func (g truth) traceAddrs(src, dst netip.Addr, f meas.Flow) ([]netip.Addr, error) {
	p, err := g.t.FlowPath(flowKey(src, dst, f))
	if err != nil {
		return nil, err
	}
	return g.t.TraceAddrs(p, dst.Is6()), nil
}

// silentOK reports whether the router answering at a traceroute hop with
// true address a may stay silent (it never answers, or rate-limits).
func (g truth) silentOK(a netip.Addr) bool {
	ep, ok := g.t.Owner(a)
	if !ok {
		return false
	}
	b := g.t.Nodes[ep.Node].Behaviour
	return b.NoTimeExceeded || b.ICMPRateLimitMS > 0
}

// traceMatches reports whether a traceroute agrees with the true path: every
// answering hop is the true hop at its TTL, and a silent hop is one whose
// router may stay silent.
func (g truth) traceMatches(tr meas.Trace) (bool, error) {
	want, err := g.traceAddrs(tr.Src, tr.Dst, tr.Flow)
	if err != nil {
		return false, err
	}
	if len(tr.Hops) != len(want) {
		return false, nil
	}
	for i, h := range tr.Hops {
		if h.Addr.IsValid() && h.Addr != want[i] {
			return false, nil
		}
		if !h.Addr.IsValid() && !g.silentOK(want[i]) {
			return false, nil
		}
	}
	return true, nil
}

// rrReverse is what the reverse slots of an RR ping from src to dst can
// hold, in order: the stamps of the routers on dst's reply path, then src's
// own stamp on receipt. A reply shows a prefix of it (the slots run out).
func (g truth) rrReverse(src, dst netip.Addr) ([]netip.Addr, error) {
	p, err := g.t.ReversePath(flowKey(src, dst, meas.Flow{Proto: meas.ICMP}))
	if err != nil {
		return nil, err
	}
	return append(g.t.RRAddrs(p), src), nil
}

// rrMatches reports whether an RR ping's reverse slots are a prefix of the
// true reverse stamps.
func (g truth) rrMatches(r meas.RRPing) (bool, error) {
	want, err := g.rrReverse(r.Src, r.Dst)
	if err != nil {
		return false, err
	}
	if len(r.Reverse) > len(want) {
		return false, nil
	}
	for i, a := range r.Reverse {
		if a != want[i] {
			return false, nil
		}
	}
	return true, nil
}

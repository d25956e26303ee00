package demo

import (
	"net/netip"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// truth answers what a measurement should have seen, from the topology's
// ground truth. Only the demo's checks read it; measurements never do.
type truth struct{ t *topo.Topology }

// traceAddrs is what a traceroute of flow f shows at each TTL.
func (g truth) traceAddrs(src, dst netip.Addr, f meas.Flow) ([]netip.Addr, error) {
	p, err := g.t.FlowPath(topo.FlowKey{Src: src, Dst: dst, Flow: f})
	if err != nil {
		return nil, err
	}
	return g.t.TraceAddrs(p, dst.Is6()), nil
}

// traceMatches reports whether a traceroute agrees with the true path of
// its flow (topo.Topology.CheckTrace).
func (g truth) traceMatches(tr meas.Trace) (bool, error) {
	if _, err := g.t.FlowPath(topo.FlowKey{Src: tr.Src, Dst: tr.Dst, Flow: tr.Flow}); err != nil {
		return false, err
	}
	return g.t.CheckTrace(tr) == nil, nil
}

// rrReverse is what the reverse slots of an RR ping from src to dst can
// hold, in order: the stamps of the routers on dst's reply path, then src's
// own stamp on receipt. A reply shows a prefix of it (the slots run out).
func (g truth) rrReverse(src, dst netip.Addr) ([]netip.Addr, error) {
	p, err := g.t.ReversePath(topo.FlowKey{Src: src, Dst: dst}) // ICMP echo replies
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

package controller

import (
	"net/netip"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/topo"
)

// GroundTruth is a backend that knows the true paths of its Internet: the
// simulator and the lab, whose topology is generated. A real deployment
// has none, and its API has no truth endpoint.
type GroundTruth interface {
	// Truth is the true reverse (and forward) path between src and dst,
	// and where the measured hops of res lie on it.
	Truth(res revtr.Result) (TruthResult, error)
}

// truthNote labels every ground-truth answer.
const truthNote = "Ground truth of the emulated Internet the simulator or lab backend measures: known only because its topology is generated. A real deployment has no such endpoint."

// TruthResult is the ground truth of a reverse traceroute, and how its
// measured hops compare.
type TruthResult struct {
	Note    string `json:"note"`
	Backend string `json:"backend" enum:"sim,lab"`
	// Reverse is the true path from the destination back to the
	// source; Forward from the source to the destination.
	Reverse []TruthHop `json:"reverse"`
	Forward []TruthHop `json:"forward"`
	// Hops says, per measured hop (by hop number), which router it
	// belongs to and whether that router is on the true reverse path.
	Hops       []TruthMatch `json:"hops"`
	Exact      bool         `json:"exact" doc:"The measured routers are exactly the true reverse path's."`
	ASCategory string       `json:"asCategory" enum:"all ASes present,missing one AS,discrepant" doc:"The measured AS path against the true one, as the literature reports it."`
}

// TruthHop is a router (or host) on a true path.
type TruthHop struct {
	Node string `json:"node" doc:"The topology's name of the router or host."`
	Addr string `json:"addr" doc:"The address of the interface the packet arrives on (the destination's own address first on the reverse path)."`
	ASN  uint32 `json:"asn"`
}

// TruthMatch places a measured hop on the truth.
type TruthMatch struct {
	HopNumber int    `json:"hopNumber"`
	Node      string `json:"node,omitempty" doc:"The router owning the hop's address; absent if none does."`
	OnPath    bool   `json:"onPath" doc:"That router is on the true reverse path."`
}

// Truth reads the world's topology.
func (b *worldBackend) Truth(res revtr.Result) (TruthResult, error) {
	tp := b.w.Topo
	out := TruthResult{Note: truthNote, Backend: b.site, Hops: make([]TruthMatch, len(res.Hops))}
	key := topo.FlowKey{Src: res.Src, Dst: res.Dst} // ICMP echo (the echo replies back)
	rev, err := tp.ReversePath(key)
	if err != nil {
		return out, err
	}
	fwd, err := tp.FlowPath(key)
	if err != nil {
		return out, err
	}
	out.Reverse, out.Forward = truthHops(tp, rev, res.Dst), truthHops(tp, fwd, res.Src)
	onPath := make(map[topo.NodeID]bool, len(rev))
	for _, h := range rev {
		onPath[h.Node] = true
	}
	for i, h := range res.Hops {
		m := TruthMatch{HopNumber: i}
		if ep, ok := tp.Owner(h.Addr); ok {
			m.Node, m.OnPath = tp.Nodes[ep.Node].Name, onPath[ep.Node]
		}
		out.Hops[i] = m
	}
	if res.Stop == revtr.Reaches {
		s, err := eval.ScoreResult(tp, res)
		if err != nil {
			return out, err
		}
		out.Exact, out.ASCategory = s.Exact, s.AS.String()
	} else {
		out.ASCategory = eval.ASDiscrepant.String()
	}
	return out, nil
}

// truthHops names the routers of p, each by the address it receives the
// packet on (first, the sender's own address).
func truthHops(tp *topo.Topology, p topo.Path, first netip.Addr) []TruthHop {
	out := make([]TruthHop, len(p))
	for i, h := range p {
		n := &tp.Nodes[h.Node]
		addr := first
		if h.In >= 0 {
			addr = tp.IfaceAddr(topo.Endpoint{Node: h.Node, Iface: h.In}, first.Is6())
		}
		out[i] = TruthHop{Node: n.Name, Addr: addr.String(), ASN: n.AS}
	}
	return out
}

// Package mda enumerates the load-balanced paths from a source to a
// destination with the Multipath Detection Algorithm (Augustin, Friedman,
// Teixeira: "Multipath tracing with Paris traceroute", E2EMON 2007; Veitch
// et al.: "Failure control in multipath route tracing", INFOCOM 2009) and
// the stopping points Diamond-Miner uses (Vermeulen et al., NSDI 2020):
// having seen k next hops of a vertex, n_{k+1} = ceil(ln(ε/(k+1)) /
// ln(k/(k+1))) flows through it probed one TTL further rule out a (k+1)-th
// with failure probability ε, when the vertex balances flows uniformly.
//
// The algorithm needs no sockets: it drives a ProbeFunc ("send one probe of
// flow F at TTL t, tell me who answered"), so that the raw-socket prober and
// the simulator share one implementation. Flows are Paris traceroute flows
// (meas.Flow): flow i carries identifier meas.MultipathFlowBase+i, which
// for UDP and TCP is the destination port.
//
// TTL by TTL, it spends only what the stopping rule asks for, and flows
// carry over from one TTL to the next:
//
//   - One probe finds the first hop: the source is taken to have one next
//     hop, as scamper's tracelb takes it (a host does not balance its own
//     probes over several routers).
//   - A hop with one vertex, once complete, is passed by every flow: new
//     flows are probed beyond it without being probed at it again, and
//     are linked to it.
//   - A hop is counted as a whole (MDA-Lite, Vermeulen et al., IMC 2018;
//     scamper's "clump") while its vertices are about equally likely: the
//     flows reaching it are a uniform sample (no hop before chose flows by
//     the vertex they passed), the vertices before it are reached by equal
//     shares of the flows (Diamond-Miner's D_h(v), from the graph seen so
//     far), and none of them shows markedly fewer successors than another
//     beyond what chance explains (unevenLevel). With V vertices seen at
//     the hop, n_{V+1} flows probed there suffice, one through every
//     vertex before it at least: first the flows known one TTL before, in
//     turn through each vertex there (their links are seen), then new
//     flows probed at that TTL only (no link is seen for those). One reply
//     from the destination ends such a hop: every path is taken to reach
//     the destination at the same TTL, and every vertex before the hop is
//     linked to it.
//   - Otherwise vertex by vertex (MDA): every vertex u before the hop needs
//     n_{k+1} of the flows through it probed at the hop, k being the
//     successors they showed, unless one reached the destination (u is its
//     last router). When too few flows are known to pass u, new flows are
//     probed one TTL before until enough land on u (node control); a
//     vertex found so is linked to its predecessor by probing its flow
//     further back, and lower hops are checked again until nothing changes.
//
// Where a hop hid a vertex (probability ε), links inferred through a hop
// with one vertex may start at the wrong vertex.
//
// Probes are never repeated: a flow answers at a TTL once.
package mda

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"

	"github.com/revtr/revtr/meas"
)

// ProbeFunc sends one probe of flow at ttl and returns what answered: the
// responding address (zero when nothing came back before the timeout) and
// the kind of reply. A reply for which Reply.FromDestination holds ends the
// flow's path. An error aborts the whole measurement.
type ProbeFunc func(ctx context.Context, flow meas.Flow, ttl int) (meas.Hop, error)

// maxFlows is how many flow identifiers fit above meas.MultipathFlowBase.
const maxFlows = 1<<16 - meas.MultipathFlowBase

// nodeControlTries bounds the new flows tried to find one more flow through
// one vertex: a vertex that few flows reach is left with fewer probes rather
// than spending without limit.
const nodeControlTries = 64

// unevenLevel is how unlikely by chance the successor counts shown by the
// vertices before a hop must be for the hop to be probed vertex by vertex
// rather than counted as a whole. Lower levels count unbalanced diamonds
// as a whole more often and miss their rarer vertices; higher ones send
// meshed diamonds vertex by vertex more often, at twice their probes
// (docs/bench-multipath.md has the measurements).
const unevenLevel = 0.2

// StoppingPoint returns n_k: how many flows through a vertex must have been
// probed at the next TTL to rule out a k-th successor with failure
// probability eps, once k-1 have been seen. StoppingPoint(1, eps) is 1: a
// vertex has at least one successor.
func StoppingPoint(k int, eps float64) int {
	if k <= 1 {
		return 1
	}
	fk := float64(k)
	return int(math.Ceil(math.Log(eps/fk) / math.Log((fk-1)/fk)))
}

// params are a request with defaults applied.
type params struct {
	proto          meas.Proto
	eps            float64
	first, max     int
	gapLimit       int
	attempts       int
	dst            netip.Addr
	src            netip.Addr
	stoppingPoints []int
}

func newParams(req meas.MultipathRequest) (params, error) {
	req, err := req.Normalize()
	if err != nil {
		return params{}, err
	}
	return params{proto: req.Proto, eps: req.Epsilon, first: req.FirstTTL, max: req.MaxTTL,
		gapLimit: req.GapLimit, attempts: req.Attempts, src: req.Src, dst: req.Dst}, nil
}

// stop returns n_k, cached.
func (p *params) stop(k int) int {
	for len(p.stoppingPoints) <= k {
		p.stoppingPoints = append(p.stoppingPoints, StoppingPoint(len(p.stoppingPoints), p.eps))
	}
	return p.stoppingPoints[k]
}

// Run performs a multipath traceroute for req by calling probe, one probe at
// a time, and returns the graph found and the probes spent.
func Run(ctx context.Context, req meas.MultipathRequest, probe ProbeFunc) (meas.Multipath, error) {
	p, err := newParams(req)
	if err != nil {
		return meas.Multipath{}, fmt.Errorf("mda: %s to %s: %w", req.Src, req.Dst, err)
	}
	if probe == nil {
		return meas.Multipath{}, errors.New("mda: nil probe function")
	}
	t := newTracer(ctx, p, probe)
	stop, err := t.run()
	if err != nil {
		return meas.Multipath{}, fmt.Errorf("mda: %s to %s: %w", req.Src, req.Dst, err)
	}
	res := meas.Multipath{Src: req.Src, Dst: req.Dst, Proto: p.proto, Probes: t.probes, Stop: stop}
	res.Interfaces, res.Links = t.graph()
	return res, nil
}

// Package mda enumerates the load-balanced paths from a source to a
// destination with the Multipath Detection Algorithm (Augustin, Friedman,
// Teixeira: "Multipath tracing with Paris traceroute", E2EMON 2007; Veitch
// et al.: "Failure control in multipath route tracing", INFOCOM 2009) and
// the stopping points Diamond-Miner uses (Vermeulen et al., NSDI 2020):
// to rule out a k-th next hop of a vertex, n_k = ceil(ln(ε/k) / ln((k-1)/k))
// flows through it must have been probed one TTL further, which bounds the
// probability of missing a next hop of a uniformly load-balanced vertex by ε.
//
// The algorithm needs no sockets: it drives a ProbeFunc ("send one probe of
// flow F at TTL t, tell me who answered"), so that the raw-socket prober and
// the simulator share one implementation. Flows are Paris traceroute flows
// (meas.Flow): flow i carries identifier FlowBase+i, which for UDP and TCP
// is the source port.
//
// Per TTL h, every vertex v at TTL h-1 is expanded: flows known to reach v
// are probed at h until n_{k+1} of them have been, k being the number of
// distinct successors seen. When too few flows are known to reach v, new
// flows are probed at h-1 until enough land on v (node control). A vertex
// found by node control is linked to its predecessor by probing its flow at
// lower TTLs, and its predecessor is expanded again, until nothing changes.
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

// FlowBase is the identifier of flow 0; flows count up from it.
const FlowBase = 10000

// maxFlows is how many flow identifiers fit above FlowBase.
const maxFlows = 1<<16 - FlowBase

// nodeControlTries bounds the new flows tried to find one more flow through
// one vertex: a vertex that few flows reach is left with fewer probes rather
// than spending without limit.
const nodeControlTries = 64

// Defaults of a meas.MultipathRequest's zero fields.
const (
	DefaultEpsilon  = 0.05
	DefaultMaxTTL   = 30
	DefaultGapLimit = 3
)

// ErrBadRequest is returned for requests the algorithm cannot run.
var ErrBadRequest = errors.New("bad multipath request")

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
	dst            netip.Addr
	src            netip.Addr
	stoppingPoints []int
}

func newParams(req meas.MultipathRequest) (params, error) {
	p := params{proto: req.Proto, eps: req.Epsilon, first: req.FirstTTL, max: req.MaxTTL,
		gapLimit: req.GapLimit, src: req.Src, dst: req.Dst}
	if p.eps == 0 {
		p.eps = DefaultEpsilon
	}
	if p.first == 0 {
		p.first = 1
	}
	if p.max == 0 {
		p.max = DefaultMaxTTL
	}
	if p.gapLimit == 0 {
		p.gapLimit = DefaultGapLimit
	}
	switch {
	case p.proto != meas.ICMP && p.proto != meas.UDP && p.proto != meas.TCP:
		return p, fmt.Errorf("%w: protocol %v", ErrBadRequest, p.proto)
	case !(p.eps > 0 && p.eps < 1):
		return p, fmt.Errorf("%w: epsilon %v not in (0, 1)", ErrBadRequest, p.eps)
	case p.first < 1 || p.max < p.first || p.max > 255:
		return p, fmt.Errorf("%w: TTLs %d..%d not within 1..255", ErrBadRequest, p.first, p.max)
	case p.gapLimit < 0:
		return p, fmt.Errorf("%w: gap limit %d", ErrBadRequest, p.gapLimit)
	}
	return p, nil
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
		return meas.Multipath{}, fmt.Errorf("mda: %w: nil probe function", ErrBadRequest)
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

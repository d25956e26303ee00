package atlas

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
)

// Path is one atlas traceroute toward a source, with what Record Route
// pings from the source revealed about its hops.
type Path struct {
	ID   uint64 // measurement ID of the traceroute
	VP   netip.Addr
	Src  netip.Addr
	Time time.Time
	// Hops are the traceroute's hops after the vantage point, one per TTL,
	// zero where silent; a complete path ends with Src.
	Hops []netip.Addr
	// RR[j] holds the reverse slots of a Record Route ping from Src to
	// Hops[j]: the stamps after the hop's own, on the way back to Src
	// (nil when the ping revealed none).
	RR [][]netip.Addr
}

// Complete reports whether the traceroute reached the source.
func (p *Path) Complete() bool { return len(p.Hops) > 0 && p.Hops[len(p.Hops)-1] == p.Src }

// Cost is what building an atlas took.
type Cost struct {
	Traces, TraceProbes, RRPings int
}

// Build measures the atlas toward src: a traceroute from every vantage
// point, then a Record Route ping from src to every distinct hop. ids
// numbers the traceroutes; now stamps them.
func Build(ctx context.Context, p Provider, src netip.Addr, vps []netip.Addr, now time.Time, ids func() uint64) ([]*Path, Cost, error) {
	var cost Cost
	trs, err := p.TracesToward(ctx, src, vps)
	if err != nil {
		return nil, cost, fmt.Errorf("atlas: build toward %v: %w", src, err)
	}
	paths := make([]*Path, 0, len(trs))
	var targets []netip.Addr
	seen := map[netip.Addr]bool{src: true}
	for _, tr := range trs {
		cost.Traces++
		cost.TraceProbes += tr.Probes
		path := fromTrace(tr, src, now, ids())
		for _, a := range path.Hops {
			if a.IsValid() && !seen[a] {
				seen[a] = true
				targets = append(targets, a)
			}
		}
		paths = append(paths, path)
	}
	rrs, err := p.RecordRoutes(ctx, src, targets)
	if err != nil {
		return nil, cost, fmt.Errorf("atlas: build toward %v: %w", src, err)
	}
	cost.RRPings = len(rrs)
	attachRR(paths, rrs)
	return paths, cost, nil
}

// fromTrace makes a path of a traceroute toward src, one hop per TTL.
func fromTrace(tr meas.Trace, src netip.Addr, now time.Time, id uint64) *Path {
	p := &Path{ID: id, VP: tr.Src, Src: src, Time: now, Hops: make([]netip.Addr, len(tr.Hops))}
	for i, h := range tr.Hops {
		p.Hops[i] = h.Addr
	}
	return p
}

// attachRR files every Record Route ping's reverse slots under the hops
// it probed.
func attachRR(paths []*Path, rrs []meas.RRPing) {
	rev := make(map[netip.Addr][]netip.Addr, len(rrs))
	for _, rr := range rrs {
		if !rr.Replied {
			continue
		}
		if _, r, ok := meas.SplitRecorded(rr.Recorded, rr.Dst); ok && len(r) > 0 {
			rev[rr.Dst] = r
		}
	}
	for _, p := range paths {
		p.RR = make([][]netip.Addr, len(p.Hops))
		for j, a := range p.Hops {
			p.RR[j] = rev[a]
		}
	}
}

// Refresh rebuilds the atlas toward src through p when the index holds no
// fresh one at now (maxAge 0 means DefaultStaleness), and reports whether
// it did. A failed rebuild leaves the old atlas in place.
func (x *Index) Refresh(ctx context.Context, p Provider, src netip.Addr, vps []netip.Addr, now time.Time, maxAge time.Duration, ids func() uint64) (bool, Cost, error) {
	if x.Fresh(src, now, maxAge) {
		return false, Cost{}, nil
	}
	paths, cost, err := Build(ctx, p, src, vps, now, ids)
	if err != nil {
		return false, cost, err
	}
	x.Set(src, paths)
	return true, cost, nil
}

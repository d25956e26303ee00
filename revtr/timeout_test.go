package revtr_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
)

// timedScript is script whose Record Route replies take 10 ms, and which
// records the timeout of every Record Route request by destination.
type timedScript struct {
	script
	mu       sync.Mutex
	timeouts map[netip.Addr]time.Duration
}

func (s *timedScript) RecordRoute(ctx context.Context, r meas.RRRequest) (meas.RRPing, error) {
	s.mu.Lock()
	s.timeouts[r.Dst] = r.Timeout
	s.mu.Unlock()
	p, err := s.script.RecordRoute(ctx, r)
	if p.Replied {
		p.RTT = 10 * time.Millisecond
	}
	return p, err
}

// TestAdaptiveTimeouts: once a reply from a prefix took 10 ms, Record
// Route probes from the same sender toward that prefix wait Factor times
// as long, within [Min, Max]; toward other prefixes, or with the policy
// off, they wait the prober's default (0).
func TestAdaptiveTimeouts(t *testing.T) {
	near, other := ip("10.5.7.7"), ip("10.6.0.1") // asTable: prefixes are /16s
	for _, tc := range []struct {
		t    revtr.Timeouts
		want time.Duration
	}{
		{revtr.Timeouts{Factor: 3, Min: time.Millisecond, Max: time.Second}, 30 * time.Millisecond},
		{revtr.Timeouts{Factor: 3, Min: 50 * time.Millisecond}, 50 * time.Millisecond},
		{revtr.Timeouts{Factor: 3, Max: 20 * time.Millisecond}, 20 * time.Millisecond},
		{revtr.Timeouts{}, 0},
	} {
		p := &timedScript{script: script{rr: map[netip.Addr][]netip.Addr{fDst: {fDst, fDst, fSrc}, near: {near, near, fSrc}}},
			timeouts: make(map[netip.Addr]time.Duration)}
		pol := revtr.DefaultPolicy()
		pol.Timeouts = tc.t
		e := fakeEngine(t, p, nil, pol)
		for _, d := range []netip.Addr{fDst, near, other} {
			run(t, e, revtr.Request{Src: fSrc, Dst: d, Symmetry: revtr.SymmetryNever})
		}
		if p.timeouts[fDst] != 0 || p.timeouts[near] != tc.want || p.timeouts[other] != 0 {
			t.Errorf("%+v: timeouts first %v, same prefix %v, other prefix %v; want 0, %v, 0",
				tc.t, p.timeouts[fDst], p.timeouts[near], p.timeouts[other], tc.want)
		}
	}
}

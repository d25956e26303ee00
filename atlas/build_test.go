package atlas

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
)

// lineProvider answers as a line VP – t0 – t1 – S whose routers stamp
// o1 and o0 on the way back; it counts its calls and can fail.
type lineProvider struct {
	calls int
	fail  error
}

func (l *lineProvider) TracesToward(_ context.Context, src netip.Addr, vps []netip.Addr) ([]meas.Trace, error) {
	l.calls++
	if l.fail != nil {
		return nil, l.fail
	}
	var out []meas.Trace
	for _, vp := range vps {
		out = append(out, meas.Trace{Src: vp, Dst: src, Probes: 3, Hops: []meas.Hop{
			{TTL: 1, Addr: addrs(tr(0))[0]}, {TTL: 2, Addr: addrs(tr(1))[0]}, {TTL: 3, Addr: src, Reply: meas.EchoReply}}})
	}
	return out, nil
}

func (l *lineProvider) RecordRoutes(_ context.Context, src netip.Addr, targets []netip.Addr) ([]meas.RRPing, error) {
	rev := map[netip.Addr][]netip.Addr{addrs(tr(0))[0]: addrs(o(1), S), addrs(tr(1))[0]: addrs(S)}
	var out []meas.RRPing
	for _, d := range targets {
		out = append(out, meas.RRPing{Src: src, Dst: d, Replied: true, Recorded: append([]netip.Addr{d, d}, rev[d]...)})
	}
	return out, nil
}

// TestBuildAndRefresh: a build pings every distinct hop once, learns the
// alias o1 = t1, and is redone only once stale; a failed rebuild keeps
// the old atlas.
func TestBuildAndRefresh(t *testing.T) {
	src, vps := addrs(S)[0], addrs("10.9.0.1", "10.9.0.2")
	x := NewIndex()
	p := &lineProvider{}
	n := uint64(0)
	ids := func() uint64 { n++; return n }
	built, cost, err := x.Refresh(context.Background(), p, src, vps, t0, 0, ids)
	if err != nil || !built || cost.Traces != 2 || cost.TraceProbes != 6 || cost.RRPings != 2 {
		t.Fatalf("first refresh: %v %+v %v", built, cost, err)
	}
	if !x.SameRouter(addrs(o(1))[0], addrs(tr(1))[0]) {
		t.Error("alias o1 = t1 not learned")
	}
	if built, _, _ := x.Refresh(context.Background(), p, src, vps, t0.Add(23*time.Hour), 0, ids); built || p.calls != 1 {
		t.Errorf("fresh atlas rebuilt (calls %d)", p.calls)
	}
	p.fail = errors.New("provider down")
	if _, _, err := x.Refresh(context.Background(), p, src, vps, t0.Add(25*time.Hour), 0, ids); !errors.Is(err, p.fail) {
		t.Errorf("stale refresh error %v, want the provider's", err)
	}
	if _, ok := x.Intersect(src, addrs(tr(0))[0], t0); !ok {
		t.Error("failed rebuild dropped the old atlas")
	}
	p.fail = nil
	if built, _, err := x.Refresh(context.Background(), p, src, vps, t0.Add(25*time.Hour), 0, ids); !built || err != nil {
		t.Errorf("stale atlas not rebuilt: %v", err)
	}
}

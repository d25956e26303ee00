package sim_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo/topotest"
)

// lateCase measures from h0 to h1 with a per-probe timeout and reports
// whether h1's answer came back.
type lateCase func(t *testing.T, ctx context.Context, n *sim.Network, timeout time.Duration) bool

// TestLateReplyLost: a reply whose round trip exceeds its probe's timeout
// is lost, as the raw-socket prober loses it, and the probe costs its
// timeout; a reply just within the timeout is kept. Replies of nearer
// routers, within the timeout, are kept either way.
func TestLateReplyLost(t *testing.T) {
	tp := build(t)(topotest.Chain(3)) // h0 –100µs– r0 –1ms– r1 –1ms– r2 –100µs– h1
	src, dst := host(t, tp, "h0"), host(t, tp, "h1")
	const rtt = 4400 * time.Microsecond // h0 to h1 and back
	routers := []netip.Addr{ifaddr(t, tp, "r0", "h0"), ifaddr(t, tp, "r1", "r0"), ifaddr(t, tp, "r2", "r1")}
	cases := map[string]lateCase{
		"ping": func(t *testing.T, ctx context.Context, n *sim.Network, timeout time.Duration) bool {
			p, err := n.Ping(ctx, meas.PingRequest{Src: src, Dst: dst, Timeout: timeout})
			if err != nil || p.Sent != 1 || (p.Replied() && p.RTTs[0] != rtt) {
				t.Fatalf("ping: %+v, %v", p, err)
			}
			return p.Replied()
		},
		"record route": func(t *testing.T, ctx context.Context, n *sim.Network, timeout time.Duration) bool {
			r, err := n.RecordRoute(ctx, meas.RRRequest{Src: src, Dst: dst, Timeout: timeout})
			if err != nil || (r.Replied && (r.RTT != rtt || !slices.Contains(r.Recorded, dst))) {
				t.Fatalf("record route: %+v, %v", r, err)
			}
			return r.Replied
		},
		"traceroute": func(t *testing.T, ctx context.Context, n *sim.Network, timeout time.Duration) bool {
			tr, err := n.Traceroute(ctx, meas.TraceRequest{Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.UDP}, Timeout: timeout})
			if err != nil || len(tr.Hops) < 4 || !slices.Equal(tr.Path()[:min(3, len(tr.Path()))], routers) {
				t.Fatalf("traceroute: %+v, %v: want the three routers first", tr, err)
			}
			last := tr.Hops[3]
			if last.Addr.IsValid() && (last.Addr != dst || last.RTT != rtt || tr.Stop != meas.StopCompleted) {
				t.Fatalf("traceroute: %+v: want %s at TTL 4 after %v", tr, dst, rtt)
			}
			return last.Addr.IsValid()
		},
		"multipath": func(t *testing.T, ctx context.Context, n *sim.Network, timeout time.Duration) bool {
			mp, err := n.Multipath(ctx, meas.MultipathRequest{Src: src, Dst: dst, Proto: meas.UDP, Timeout: timeout})
			if err != nil {
				t.Fatalf("multipath: %v", err)
			}
			for i, a := range routers {
				if !slices.Contains(mp.Interfaces, meas.Interface{TTL: i + 1, Addr: a}) {
					t.Fatalf("multipath: %+v: %s missing at TTL %d", mp, a, i+1)
				}
			}
			found := slices.Contains(mp.Interfaces, meas.Interface{TTL: 4, Addr: dst})
			if found != (mp.Stop == meas.StopCompleted) {
				t.Fatalf("multipath: %+v: destination found %v, stop %v", mp, found, mp.Stop)
			}
			return found
		},
	}
	for name, measure := range cases {
		for _, tc := range []struct {
			timeout time.Duration
			kept    bool
		}{{rtt, true}, {rtt - time.Nanosecond, false}} {
			// Unpaced: every probe leaves at 0, so the measurement lasts
			// the RTT when h1's answer is kept, the timeout when it is lost.
			n := network(t, tp, sim.Config{ProbeGap: -1})
			clk := &sim.Clock{}
			kept := measure(t, sim.WithClock(context.Background(), clk), n, tc.timeout)
			late := n.Counts().Late
			if kept != tc.kept || (late == 0) != tc.kept {
				t.Errorf("%s: %v reply with timeout %v: kept %v (%d late), want kept %v",
					name, rtt, tc.timeout, kept, late, tc.kept)
			}
			if el := clk.Elapsed(); el != tc.timeout {
				t.Errorf("%s with timeout %v took %v of virtual time, want the timeout", name, tc.timeout, el)
			}
		}
	}
}

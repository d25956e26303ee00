package twohost_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/revtr/revtr/mda"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
)

// TestMultipathDiamond runs multipath in both directions across the two
// ECMP diamonds of topotest.Diamond: every branch must be found, and the
// reverse run may spend no more requests than MDA vertex by vertex needs
// at least on the true reverse graph (mda counts these hops as a whole).
func TestMultipathDiamond(t *testing.T) {
	tp, err := topotest.Diamond()
	inWorlds(t, tp, err, func(t *testing.T, w world) { multipathDiamond(t, w, tp) })
}

func multipathDiamond(t *testing.T, w world, tp *topo.Topology) {
	w.responder(t, "h1", twohost.ResponderConfig{RequesterRate: -1})
	cfg := fastClient()
	cfg.Rate, cfg.Burst = 2000, 100
	c := w.client(t, "h0", cfg)
	pr := w.prober(t, "h0")
	client, target := hostAddr(t, tp, "h0", false), hostAddr(t, tp, "h1", false)
	for _, proto := range []meas.Proto{meas.UDP, meas.TCP} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		rev, err := c.TwoHostMultipath(ctx, meas.MultipathRequest{Dst: target, Proto: proto})
		if err != nil {
			t.Fatal(err)
		}
		wantRev, bound := truthGraph(t, tp, target, client, func(id uint16) meas.Flow {
			return meas.Flow{Proto: proto, ID: id, SrcPort: meas.TwoHostSrcPort}
		})
		checkGraph(t, "reverse "+proto.String(), rev, wantRev)
		t.Logf("reverse %v: %d requests, %d interfaces, %d links; MDA bound %d (%.2fx)", proto, rev.Probes,
			len(rev.Interfaces), len(rev.Links), bound, float64(rev.Probes)/float64(bound))
		if rev.Probes > bound || rev.Stop != meas.StopCompleted {
			t.Errorf("reverse %v: %d requests for a bound of %d, stop %v", proto, rev.Probes, bound, rev.Stop)
		}
		fwd, err := pr.Multipath(ctx, meas.MultipathRequest{Dst: target, Proto: proto})
		if err != nil {
			t.Fatal(err)
		}
		wantFwd, _ := truthGraph(t, tp, client, target, func(id uint16) meas.Flow { return meas.Flow{Proto: proto, ID: id} })
		checkGraph(t, "forward "+proto.String(), fwd, wantFwd)
	}
}

// truthGraph returns the addresses seen at each TTL over 500 flows of the
// ground truth from src to dst, and the MDA bound on that graph: for every
// vertex with k successors, n_{k+1} flows probed one TTL further.
func truthGraph(t *testing.T, tp *topo.Topology, src, dst netip.Addr, flow func(uint16) meas.Flow) (map[meas.Interface]bool, int) {
	t.Helper()
	ifs := map[meas.Interface]bool{}
	succ := map[meas.Interface]map[netip.Addr]bool{}
	for i := range 500 {
		prev := meas.Interface{}
		for ttl, a := range truthTrace(t, tp, src, dst, flow(uint16(meas.MultipathFlowBase+i))) {
			ifs[meas.Interface{TTL: ttl + 1, Addr: a}] = true
			if succ[prev] == nil {
				succ[prev] = map[netip.Addr]bool{}
			}
			succ[prev][a] = true
			prev = meas.Interface{TTL: ttl + 1, Addr: a}
		}
	}
	bound := 0
	for _, s := range succ {
		bound += mda.StoppingPoint(len(s)+1, meas.DefaultEpsilon)
	}
	return ifs, bound
}

// checkGraph compares a multipath result's interfaces with the truth.
func checkGraph(t *testing.T, name string, m meas.Multipath, want map[meas.Interface]bool) {
	t.Helper()
	got := map[meas.Interface]bool{}
	for _, ifc := range m.Interfaces {
		got[ifc] = true
	}
	for ifc := range want {
		if !got[ifc] {
			t.Errorf("%s: missed %v at TTL %d (found %v)", name, ifc.Addr, ifc.TTL, m.Interfaces)
		}
	}
	for ifc := range got {
		if !want[ifc] {
			t.Errorf("%s: found %v at TTL %d, not in the truth", name, ifc.Addr, ifc.TTL)
		}
	}
}

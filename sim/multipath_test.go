package sim_test

import (
	"context"
	"errors"
	"testing"

	"github.com/revtr/revtr/mda/mdatest"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

// TestMultipathDiamond: MDA over the simulator finds every interface of
// both ECMP diamonds of topotest.Diamond and nothing else, spending no less
// than counting every hop as a whole requires.
func TestMultipathDiamond(t *testing.T) {
	tp := build(t)(topotest.Diamond())
	n := network(t, tp, sim.Config{})
	src, dst := host(t, tp, "h0"), host(t, tp, "h1")
	res, err := n.Multipath(context.Background(), meas.MultipathRequest{Src: src, Dst: dst, Proto: meas.UDP})
	if err != nil {
		t.Fatal(err)
	}
	truth, err := mdatest.TruthOf(tp, src, dst, meas.UDP)
	if err != nil {
		t.Fatal(err)
	}
	rep := truth.Check(res)
	if !rep.Complete() || len(rep.Extra) > 0 || len(rep.BadLinks) > 0 {
		t.Errorf("missing %v, extra %v, bad links %v", rep.Missing, rep.Extra, rep.BadLinks)
	}
	if res.Stop != meas.StopCompleted || uint64(res.Probes) != n.Counts().Multipath {
		t.Errorf("stop %v, %d probes reported, %d counted", res.Stop, res.Probes, n.Counts().Multipath)
	}
	whole := truth.WholeHopProbes(meas.DefaultEpsilon)
	t.Logf("%d probes, %d interfaces, %d of %d links; every hop counted as a whole: %d probes",
		res.Probes, len(res.Interfaces), len(res.Links), len(truth.Links), whole)
	if res.Probes < whole {
		t.Errorf("%d probes, fewer than the %d the stopping rule needs", res.Probes, whole)
	}

	icmp, err := n.Multipath(context.Background(), meas.MultipathRequest{Src: src, Dst: dst, Proto: meas.ICMP})
	if err != nil {
		t.Fatal(err)
	}
	if len(icmp.Interfaces) != 7 || len(icmp.Links) != 6 {
		t.Errorf("ICMP carries no ports and should see one path: %v", icmp.Interfaces)
	}
	if _, err := n.Multipath(context.Background(), meas.MultipathRequest{Src: dst.Next(), Dst: dst, Proto: meas.UDP}); !errors.Is(err, meas.ErrNoSource) {
		t.Errorf("unknown source: err %v", err)
	}
	if _, err := n.Multipath(context.Background(), meas.MultipathRequest{Src: src, Dst: dst, Proto: 9}); !errors.Is(err, meas.ErrBadRequest) {
		t.Errorf("bad protocol: err %v", err)
	}
}

// TestMultipathShapes runs MDA on every shape of mdatest, under many ECMP
// hash seeds (which flows take which branch), UDP and TCP, IPv4 and IPv6:
// it reports nothing that is not there; a load balancer it found misses a
// successor no more often than ε allows; and on the diamonds whose first
// hop splits it spends exactly what counting every hop as a whole does
// (what scamper's tracelb spends there) whenever it finds everything.
func TestMultipathShapes(t *testing.T) {
	const seeds = 150
	for _, s := range mdatest.Shapes {
		var st shapeStats
		for seed := range int64(seeds) {
			tp := build(t)(s.Topology(seed+1, 1, 1))
			n := network(t, tp, sim.Config{})
			for _, v6 := range []bool{false, true} {
				src, dst := tp.HostAddr(tp.Hosts()[0], v6), tp.HostAddr(tp.Hosts()[1], v6)
				for _, proto := range []meas.Proto{meas.UDP, meas.TCP} {
					st.add(t, s, n, tp, meas.MultipathRequest{Src: src, Dst: dst, Proto: proto})
				}
			}
		}
		t.Logf("%-8s %d runs, %.1f probes on average (%d to %d), %d missed an interface; %d load balancers, %d missed a successor (%.4f, ε %v)",
			s.Name, st.runs, float64(st.probes)/float64(st.runs), st.fewest, st.most, st.incomplete, st.lbs, st.missed,
			float64(st.missed)/float64(st.lbs), meas.DefaultEpsilon)
		if mdatest.TooMany(st.missed, st.lbs, meas.DefaultEpsilon) {
			t.Errorf("%s: miss rate %.4f is significantly above ε", s.Name, float64(st.missed)/float64(st.lbs))
		}
	}
}

// shapeStats sums the runs on one shape.
type shapeStats struct {
	runs, incomplete, probes, lbs, missed int
	fewest, most                          int // probes of one run
}

func (st *shapeStats) add(t *testing.T, s mdatest.Shape, n *sim.Network, tp *topo.Topology, req meas.MultipathRequest) {
	t.Helper()
	res, err := n.Multipath(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := mdatest.TruthOf(tp, req.Src, req.Dst, req.Proto)
	if err != nil {
		t.Fatal(err)
	}
	rep := truth.Check(res)
	if len(rep.Extra) > 0 || len(rep.BadLinks) > 0 {
		t.Errorf("%s %v %s: extra interfaces %v, links %v", s.Name, req.Proto, req.Dst, rep.Extra, rep.BadLinks)
	}
	if st.runs == 0 || res.Probes < st.fewest {
		st.fewest = res.Probes
	}
	st.most = max(st.most, res.Probes)
	st.runs++
	st.probes += res.Probes
	st.lbs += rep.LoadBalancers
	st.missed += rep.Missed
	if !rep.Complete() {
		st.incomplete++
		return
	}
	whole := truth.WholeHopProbes(meas.DefaultEpsilon)
	firstHopSplits := s.Name == "diamond2" || s.Name == "diamond4"
	if res.Probes < whole || (firstHopSplits && res.Probes != whole) {
		t.Errorf("%s %v %s: %d probes, counting every hop as a whole %d", s.Name, req.Proto, req.Dst, res.Probes, whole)
	}
}

package eval_test

import (
	"context"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

// TestEvalLab runs the evaluation in a lab — a generated demo Internet
// (seed 1: 30 ASes, 112 routers, 10 vantage points) in network
// namespaces, real kernels forwarding and answering, probers at 2,000
// packets/s with a 250 ms timeout — for both policies on every (source,
// destination) pair, routers included; then on the simulator over the same
// topology and pairs. It holds the lab to floors set from what was
// measured (in brackets) and requires the two to agree.
//
// Both run the same schedule, sequentially (Config.Sequential): each
// reverse traceroute starts when the one before has ended, so that what
// the measurement cache holds when one starts is the same in both. With
// workers in the lab, what the cache holds depended on wall-clock timing
// (the reference policy, which joins no measurement in flight, measured
// exact 0.556 in the lab against 0.585 on the simulator, rounds 0.96×);
// one worker in the lab against the simulator's default start every
// 3 ms still differed (0.608 against 0.585), since on the simulator's
// timelines tens of reverse traceroutes were in flight where lab RTTs of
// microseconds leave none. Sequentially on both, nothing is in flight:
// the tolerances are those from before the cache, within which the two
// agreed with no cache to differ in.
func TestEvalLab(t *testing.T) {
	labtest.NeedRoot(t)
	tp, err := topo.Generate(1, topo.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	l := labtest.Up(t, tp)
	cfg := eval.Config{Topology: tp, Seed: 1, RouterTargets: true, Revtrs: labRevtrs, Sequential: true}
	start := time.Now()
	labRep, err := eval.RunLab(context.Background(), l, cfg, eval.LabProbe())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("lab evaluation took %v", time.Since(start))
	simRep, err := eval.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	logReport(t, labRep)
	logReport(t, simRep)
	if labRep.ASes < 30 || labRep.Routers < 100 || labRep.VPs < 8 {
		t.Fatalf("%d ASes, %d routers, %d vantage points: too small", labRep.ASes, labRep.Routers, labRep.VPs)
	}
	if labRep.Simulated || !simRep.Simulated || labRep.Policies[0].Runtime(0.5) <= 0 {
		t.Errorf("lab report simulated %v, median runtime %v; simulator report simulated %v",
			labRep.Simulated, labRep.Policies[0].Runtime(0.5), simRep.Simulated)
	}
	if labRep.Spoofers != simRep.Spoofers || labRep.Spoofers == 0 {
		t.Errorf("%d vantage points passed the spoofing test in the lab, %d in the simulator", labRep.Spoofers, simRep.Spoofers)
	}
	labFloors(t, labRep)
	for i := range labRep.Policies {
		agree(t, labRep.Policies[i], simRep.Policies[i], 0.01)
	}
	spoofingMatches(t, l)
}

// spoofingMatches sends, from every vantage point, Record Route pings
// spoofed as the first source to the source itself (Linux drops a packet
// carrying its own address as source), to the vantage point's first
// router's own address (strict reverse-path filtering applies to packets
// for the router itself) and to the next vantage point (the spoofing
// test), in the labRep and in the simulator: the answers must be the same.
func spoofingMatches(t *testing.T, l *lab.Lab) {
	tp := l.Topology()
	g, err := eval.LabProbers(l, eval.LabProbe())
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	sn, err := sim.New(tp, sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var src netip.Addr
	var vps []topo.NodeID
	for _, id := range tp.Hosts() {
		switch r := tp.Nodes[id].Role; {
		case r.Source && !src.IsValid():
			src = tp.HostAddr(id, false)
		case r.VantagePoint:
			vps = append(vps, id)
		}
	}
	refused := 0
	for i, id := range vps {
		gw := tp.Nodes[id].Ifaces[0].Peer
		next := tp.HostAddr(vps[(i+1)%len(vps)], false)
		for _, dst := range []netip.Addr{src, tp.Nodes[gw.Node].Ifaces[gw.Iface].Addr.Addr(), next} {
			req := meas.RRRequest{Src: src, Dst: dst, Sender: tp.HostAddr(id, false)}
			lr, err := g.RecordRoute(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			sr, err := sn.RecordRoute(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if lr.Replied != sr.Replied {
				t.Errorf("RR to %v spoofed as %v by %s: labRep replied %v, simulator %v", dst, src, tp.Nodes[id].Name, lr.Replied, sr.Replied)
			}
			if !tp.Nodes[id].Role.CanSpoof && dst != src && !lr.Replied {
				refused++
			}
		}
	}
	if refused == 0 {
		t.Error("no vantage point was refused spoofing: the comparison did not exercise strict reverse-path filtering")
	}
}

// labRevtrs is how many reverse traceroutes each policy runs (0: every
// pair once).
const labRevtrs = 0

func logReport(t *testing.T, r *eval.Report) {
	t.Helper()
	var b strings.Builder
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
}

// labFloors holds each policy to floors and ours to the reference, set
// from the sequential run with both caches (in brackets: ours, the
// reference).
func labFloors(t *testing.T, r *eval.Report) {
	t.Helper()
	const seed = 1
	for _, s := range r.Policies {
		floor(t, seed, "lab "+s.Policy, "coverage", s.Coverage(), 0.97, true)                         // [0.989, 0.989]
		floor(t, seed, "lab "+s.Policy, "router-level exact", s.ExactShare(), 0.58, true)             // [0.692, 0.608]
		floor(t, seed, "lab "+s.Policy, "all ASes present", s.ASShare(eval.ASAllPresent), 0.87, true) // [0.973, 0.902]
		floor(t, seed, "lab "+s.Policy, "hops wrong", s.WrongShare(), 0.03, false)                    // [0.024, 0.023]
		floor(t, seed, "lab "+s.Policy, "probes per revtr", s.ProbesPerRevtr(), 4.2, false)           // [2.78, 3.89]
	}
	ours, ref := r.Policies[0], r.Policies[1]
	floor(t, seed, "lab ours/ref", "probes to find the path", float64(ours.Cost.Measure())/float64(ref.Cost.Measure()), 0.70, false) // [0.62]
	floor(t, seed, "lab ours/ref", "probes", ours.ProbesPerRevtr()/ref.ProbesPerRevtr(), 0.78, false)                                // [0.71]
	floor(t, seed, "lab ours-ref", "coverage", ours.Coverage()-ref.Coverage(), -0.002, true)                                         // [0]
	floor(t, seed, "lab ours-ref", "router-level exact", ours.ExactShare()-ref.ExactShare(), 0.04, true)                             // [0.084]
	floor(t, seed, "lab ours-ref", "hops wrong", ours.WrongShare()-ref.WrongShare(), 0.002, false)                                   // [0.001]
}

// agree requires the lab and the simulator to agree on one policy's
// figures: coverage and accuracy within tol (TestEvalLab: a percentage
// point), Record Route
// probes (plain and spoofed) and rounds within 3% (measured: equal; the
// margins allow for replies later than the timeout on a loaded machine). Traceroute probes
// are not compared: the lab's prober keeps a window of TTLs in flight and
// counts those sent past the destination, the simulator does not.
func agree(t *testing.T, inLab, inSim eval.Summary, tol float64) {
	t.Helper()
	near := func(what string, a, b, tol float64) {
		if math.Abs(a-b) > tol {
			t.Errorf("%s: %s lab %.4f, simulator %.4f: differ by more than %.3f", inLab.Policy, what, a, b, tol)
		}
	}
	near("coverage", inLab.Coverage(), inSim.Coverage(), tol)
	near("router-level exact", inLab.ExactShare(), inSim.ExactShare(), tol)
	near("hops wrong", inLab.WrongShare(), inSim.WrongShare(), tol)
	near("all ASes present", inLab.ASShare(eval.ASAllPresent), inSim.ASShare(eval.ASAllPresent), tol)
	rel := func(what string, a, b int) {
		near(what+" (relative)", float64(a)/float64(max(b, 1)), 1, 0.03)
	}
	rel("RR probes", inLab.Cost.RR+inLab.Cost.SpoofedRR, inSim.Cost.RR+inSim.Cost.SpoofedRR)
	rel("rounds", inLab.Cost.Rounds, inSim.Cost.Rounds)
}

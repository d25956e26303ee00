package probe_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/revtr/revtr/lab/labtest"

	"golang.org/x/sync/errgroup"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

// TestSimMatchesLab runs the same Record Route pings (plain and spoofed),
// Paris traceroutes (ICMP, UDP, TCP, several flows) and multipath
// traceroutes (UDP over IPv4, TCP over IPv6) on a generated
// Internet twice — in memory with sim.Network and with real kernels with
// this prober — and requires the same answers: recorded slots, reply or
// not, traceroute hops (address and reply kind), multipath graphs and
// probes, and stop reasons. Every lab traceroute (half the pairs, both
// families, all three protocols) must also equal the ground truth of its
// flow (topo.Topology.CheckTrace), as sim's TestTruthEqualsTrace holds the
// simulator to it on every pair.
func TestSimMatchesLab(t *testing.T) {
	p := topo.SizedParams(60)
	p.RateLimitShare = 0 // rate limits depend on timing, which differs
	tp := build(t)(topo.Generate(11, p))
	l := labtest.Up(t, tp)
	var srcs, vps, dsts []netip.Addr
	for _, n := range tp.Hosts() {
		nd, a := &tp.Nodes[n], tp.HostAddr(n, false)
		if nd.Role.Source {
			srcs = append(srcs, a)
		}
		if nd.Role.VantagePoint {
			vps = append(vps, a)
		}
		if nd.Role.Destination {
			dsts = append(dsts, a)
		}
	}
	g := hostGroup(t, l, func(*topo.Node) probe.Config {
		return probe.Config{Rate: 3000, Timeout: time.Second, AllowSpoof: srcs}
	})
	sn, err := sim.New(tp, sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	diffs, checks := 0, 0
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		checks++
		if format != "" {
			if diffs++; diffs <= 15 {
				t.Errorf(format, args...)
			}
		}
	}
	var eg errgroup.Group
	eg.SetLimit(8)
	for i, s := range slices.Concat(srcs, vps[:min(4, len(vps))]) {
		for j, d := range dsts {
			if (i+j)%2 == 1 {
				continue // half the pairs keep the test short
			}
			eg.Go(func() error { return comparePair(g, sn, s, d, srcs, report) })
		}
	}
	if err := eg.Wait(); err != nil {
		t.Fatalf("%v (lab namespaces still present: %v)", err, labPresent(l))
	}
	t.Logf("%d measurements compared, %d differ", checks, diffs)
	if diffs > 0 {
		logStats(t, g, slices.Concat(srcs, vps))
		t.Logf("lab namespaces still present: %v", labPresent(l))
	}
	if checks < 50 {
		t.Errorf("only %d measurements compared", checks)
	}
}

// comparePair compares a RR ping, spoofed RR pings as every source, and
// traceroutes of several flows from s to d, over IPv4 and IPv6.
func comparePair(g *probe.Group, sn *sim.Network, s, d netip.Addr, srcs []netip.Addr, report func(string, ...any)) error {
	ctx := context.Background()
	reqs := []meas.RRRequest{{Src: s, Dst: d}}
	for _, src := range srcs {
		if src != s {
			reqs = append(reqs, meas.RRRequest{Src: src, Dst: d, Sender: s})
		}
	}
	for _, req := range reqs {
		lr, err := g.RecordRoute(ctx, req)
		if err != nil {
			return err
		}
		sr, err := sn.RecordRoute(ctx, req)
		if err != nil {
			return err
		}
		if lr.Replied != sr.Replied || !slices.Equal(lr.Recorded, sr.Recorded) {
			report("RR %s to %s sent by %v: lab replied %v %v, sim replied %v %v", req.Src, req.Dst, req.Sender, lr.Replied, lr.Recorded, sr.Replied, sr.Recorded)
			continue
		}
		report("")
	}
	for _, f := range []meas.Flow{{Proto: meas.ICMP}, {Proto: meas.UDP}, {Proto: meas.UDP, ID: 40001}, {Proto: meas.TCP, ID: 40002}} {
		if err := compareTrace(g, sn, meas.TraceRequest{Src: s, Dst: d, Flow: f}, report); err != nil {
			return err
		}
	}
	s6, d6 := v6Of(sn, s), v6Of(sn, d)
	for _, f := range []meas.Flow{{Proto: meas.ICMP}, {Proto: meas.UDP, ID: 40003}, {Proto: meas.TCP}} {
		if err := compareTrace(g, sn, meas.TraceRequest{Src: s6, Dst: d6, Flow: f}, report); err != nil {
			return err
		}
	}
	// Silent routers cost a timeout per probe: multipath waits less, though
	// longer than the simulated round trips (inter-AS links take 10 ms).
	for _, req := range []meas.MultipathRequest{{Src: s, Dst: d, Proto: meas.UDP}, {Src: s6, Dst: d6, Proto: meas.TCP}} {
		req.Timeout = 300 * time.Millisecond
		if err := compareMultipath(g, sn, req, report); err != nil {
			return err
		}
	}
	return nil
}

// compareMultipath runs one multipath traceroute in the lab and in the
// simulator: the same probes must find the same graph.
func compareMultipath(g *probe.Group, sn *sim.Network, req meas.MultipathRequest, report func(string, ...any)) error {
	ctx := context.Background()
	lm, err := g.Multipath(ctx, req)
	if err != nil {
		return err
	}
	sm, err := sn.Multipath(ctx, req)
	if err != nil {
		return err
	}
	if lm.Probes != sm.Probes || lm.Stop != sm.Stop || !slices.Equal(lm.Interfaces, sm.Interfaces) || !slices.Equal(lm.Links, sm.Links) {
		report("multipath %s to %s %v:\n lab %d probes %v %v %v\n sim %d probes %v %v %v", req.Src, req.Dst, req.Proto,
			lm.Probes, lm.Stop, lm.Interfaces, lm.Links, sm.Probes, sm.Stop, sm.Interfaces, sm.Links)
		return nil
	}
	report("")
	return nil
}

// v6Of returns the IPv6 address of the host owning a.
func v6Of(sn *sim.Network, a netip.Addr) netip.Addr {
	ep, _ := sn.Topology().Owner(a)
	return sn.Topology().HostAddr(ep.Node, true)
}

// compareTrace runs one traceroute in the lab and in the simulator.
func compareTrace(g *probe.Group, sn *sim.Network, req meas.TraceRequest, report func(string, ...any)) error {
	ctx := context.Background()
	lt, err := g.Traceroute(ctx, req)
	if err != nil {
		return err
	}
	st, err := sn.Traceroute(ctx, req)
	if err != nil {
		return err
	}
	if a, b := hopsString(lt), hopsString(st); a != b || lt.Stop != st.Stop {
		report("traceroute %s to %s %v:\n lab %s %v\n sim %s %v", req.Src, req.Dst, req.Flow, a, lt.Stop, b, st.Stop)
		return nil
	}
	if err := sn.Topology().CheckTrace(lt); err != nil {
		report("lab traceroute %s to %s %v differs from the truth: %v\n %s", req.Src, req.Dst, req.Flow, err, hopsString(lt))
		return nil
	}
	report("")
	return nil
}

func hopsString(tr meas.Trace) string {
	s := ""
	for _, h := range tr.Hops {
		s += fmt.Sprintf("%d:%v/%v ", h.TTL, h.Addr, h.Reply)
	}
	return s
}

// logStats logs the counters of the probers of addrs, to tell late replies
// (Unmatched) from lost ones.
func logStats(t *testing.T, g *probe.Group, addrs []netip.Addr) {
	for _, a := range addrs {
		if p, err := g.Prober(a); err == nil {
			t.Logf("prober %s: %+v", a, p.Stats())
		}
	}
}

// labPresent reports whether every namespace of the lab still exists: a
// lab removed under a running test (e.g. by another process's
// "revtr lab down --all") explains silence and unreachable networks.
func labPresent(l *lab.Lab) bool {
	for _, n := range l.Topology().Nodes {
		ns, err := l.Namespace(n.Name)
		if err != nil {
			return false
		}
		if _, err := os.Stat("/run/netns/" + ns); err != nil {
			return false
		}
	}
	return true
}

package sim_test

import (
	"context"
	"errors"
	"testing"

	"github.com/revtr/revtr/mda"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

// groundTruthGraph is every interface and link that the ground-truth paths
// of flows with source ports FlowBase.. reveal.
func groundTruthGraph(t *testing.T, tp *topo.Topology, k topo.FlowKey, flows int) (map[meas.Interface]bool, map[meas.MPLink]bool) {
	t.Helper()
	ifs, links := make(map[meas.Interface]bool), make(map[meas.MPLink]bool)
	for i := range flows {
		k.SrcPort = uint16(mda.FlowBase + i)
		p := wantTrace(t, tp, k)
		for j, a := range p {
			ifs[meas.Interface{TTL: j + 1, Addr: a}] = true
			if j+1 < len(p) {
				links[meas.MPLink{TTL: j + 1, From: a, To: p[j+1]}] = true
			}
		}
	}
	return ifs, links
}

// TestMultipathDiamond: MDA over the simulator finds every branch of both
// ECMP diamonds, nothing else, and spends probes within the bound's reach.
func TestMultipathDiamond(t *testing.T) {
	tp := build(t)(topotest.Diamond())
	n := network(t, tp, sim.Config{})
	src, dst := host(t, tp, "h0"), host(t, tp, "h1")
	res, err := n.Multipath(context.Background(), meas.MultipathRequest{Src: src, Dst: dst, Proto: meas.UDP})
	if err != nil {
		t.Fatal(err)
	}
	_, dport := meas.Flow{Proto: meas.UDP}.Ports()
	ifs, links := groundTruthGraph(t, tp, topo.FlowKey{Src: src, Dst: dst, Proto: 17, DstPort: dport}, 2000)
	if len(res.Interfaces) != len(ifs) || len(res.Links) != len(links) {
		t.Errorf("found %d interfaces and %d links, ground truth %d and %d:\n%v\n%v",
			len(res.Interfaces), len(res.Links), len(ifs), len(links), res.Interfaces, res.Links)
	}
	for _, i := range res.Interfaces {
		if !ifs[i] {
			t.Errorf("interface %v not on any path", i)
		}
	}
	for _, l := range res.Links {
		if !links[l] {
			t.Errorf("link %v not on any path", l)
		}
	}
	if res.Stop != meas.StopCompleted || uint64(res.Probes) != n.Counts().Multipath {
		t.Errorf("stop %v, %d probes reported, %d counted", res.Stop, res.Probes, n.Counts().Multipath)
	}
	// h0 r0 r1 {r2,r3} r4 {r5,r6,r7} r8 h1; r4 and r8 show one address per
	// inbound branch, so the bound counts vertices as traceroute sees them.
	bound := mda.StoppingPoint(2, 0.05) // the first hop
	for ttl := 1; ttl <= 8; ttl++ {
		for _, i := range res.Interfaces {
			if i.TTL == ttl && i.Addr != dst {
				succ := 0
				for _, l := range res.Links {
					if l.TTL == ttl && l.From == i.Addr {
						succ++
					}
				}
				bound += mda.StoppingPoint(succ+1, 0.05)
			}
		}
	}
	t.Logf("%d probes for a bound of %d (%.2fx)", res.Probes, bound, float64(res.Probes)/float64(bound))
	if res.Probes < bound || res.Probes > 2*bound {
		t.Errorf("%d probes, want within [%d, %d]", res.Probes, bound, 2*bound)
	}

	icmp, err := n.Multipath(context.Background(), meas.MultipathRequest{Src: src, Dst: dst, Proto: meas.ICMP})
	if err != nil {
		t.Fatal(err)
	}
	if len(icmp.Interfaces) != 7 || len(icmp.Links) != 6 {
		t.Errorf("ICMP carries no ports and should see one path: %v", icmp.Interfaces)
	}
	if _, err := n.Multipath(context.Background(), meas.MultipathRequest{Src: dst.Next(), Dst: dst, Proto: meas.UDP}); !errors.Is(err, sim.ErrNotHost) {
		t.Errorf("unknown source: err %v", err)
	}
	if _, err := n.Multipath(context.Background(), meas.MultipathRequest{Src: src, Dst: dst}); !errors.Is(err, mda.ErrBadRequest) {
		t.Errorf("no protocol: err %v", err)
	}
}

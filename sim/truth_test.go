package sim_test

import (
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

// TestTruthEqualsTrace walks every ordered pair of hosts of a generated
// Internet (seed 1, the default parameters, as 'revtr sim' generates it,
// without rate limits), both families and all three protocols, each with
// its default flow and another, and holds the ground truth of the flow
// (topo.Topology.TraceTruth, what 'revtr sim truth' prints) equal to the
// simulated traceroute hop for hop: the same address at every TTL, silent
// only where the truth allows it. Over IPv6, ICMP probes are protocol 58,
// which the ECMP hash reads: the truth must hash them as the probes.
func TestTruthEqualsTrace(t *testing.T) {
	p := topo.DefaultParams()
	p.RateLimitShare = 0
	tp := build(t)(topo.Generate(1, p))
	n := network(t, tp, sim.Config{})
	hosts := tp.Hosts()
	traces, hops, silent := 0, 0, 0
	for i, a := range hosts {
		for j, b := range hosts {
			if a == b {
				continue
			}
			for _, v6 := range []bool{false, true} {
				for _, proto := range []meas.Proto{meas.ICMP, meas.UDP, meas.TCP} {
					for _, id := range []uint16{0, uint16(40000 + i*len(hosts) + j)} {
						f := meas.Flow{Proto: proto, ID: id}
						tr := trace(t, n, meas.TraceRequest{Src: tp.HostAddr(a, v6), Dst: tp.HostAddr(b, v6), Flow: f})
						if err := tp.CheckTrace(tr); err != nil {
							t.Errorf("%s -> %s %v v6=%v: %v\n%v", tp.Nodes[a].Name, tp.Nodes[b].Name, f, v6, err, tr.Hops)
							continue
						}
						traces++
						for _, h := range tr.Hops {
							hops++
							if !h.Addr.IsValid() {
								silent++
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d hosts: %d traces equal to the truth, %d hops (%d silent, as the truth allows)", len(hosts), traces, hops, silent)
	if traces != len(hosts)*(len(hosts)-1)*2*3*2 || silent*10 > hops {
		t.Errorf("%d traces agreed, %d of %d hops silent", traces, silent, hops)
	}
}

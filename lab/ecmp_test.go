package lab

import (
	"fmt"
	"strings"
	"testing"

	"github.com/revtr/revtr/topo"
)

// TestECMPFollowsTruth traces many UDP flows (differing in source port)
// across topo.Diamond with iputils-free traceroute: every hop of every flow
// is where topo.Path predicts it, and every branch of both diamonds is used.
func TestECMPFollowsTruth(t *testing.T) {
	needTool(t, "traceroute")
	tp, err := topo.Diamond()
	if err != nil {
		t.Fatal(err)
	}
	l := upLab(t, tp)
	h0 := node(t, tp, "h0")
	for _, v6 := range []bool{false, true} {
		src, dst := mustAddr(t, l, "h0"), mustAddr(t, l, "h1")
		if v6 {
			src, _ = l.Addr6("h0")
			dst, _ = l.Addr6("h1")
		}
		used := map[topo.NodeID]bool{}
		const dport = 33434
		for sport := 40000; sport < 40032; sport++ {
			k := topo.FlowKey{Src: src, Dst: dst, Proto: 17, SrcPort: uint16(sport), DstPort: dport}
			p, err := tp.Path(h0.ID, k)
			if err != nil {
				t.Fatal(err)
			}
			args := []string{"traceroute", "-n", "-q1", "-w1", "-U", "-p", fmt.Sprint(dport), fmt.Sprintf("--sport=%d", sport)}
			if v6 {
				args = append(args, "-6")
			}
			out, err := exe(t, l, "h0", append(args, dst.String())...)
			if err != nil {
				t.Fatalf("traceroute: %v\n%s", err, out)
			}
			hops := traceHops(out)
			if len(hops) != len(p)-1 {
				t.Errorf("v6=%v sport %d: %d hops, truth has %d: %v", v6, sport, len(hops), len(p)-1, hops)
				continue
			}
			for i, h := range p[1:] {
				used[h.Node] = true
				// IPv4 errors come from the incoming interface
				// (icmp_errors_use_inbound_ifaddr); IPv6 picks a
				// source by route, so compare owners there.
				ok := ownedBy(l, hops[i], h.Node)
				if !v6 && i < len(p)-2 {
					ok = hops[i] == ifaceAddr(tp, h.Node, h.In).String()
				}
				if !ok {
					t.Errorf("v6=%v sport %d hop %d: got %s, truth %s (in %s)\n%s", v6, sport, i+1, hops[i],
						tp.Nodes[h.Node].Name, ifaceAddr(tp, h.Node, h.In), out)
				}
			}
		}
		for _, name := range []string{"r2", "r3", "r5", "r6", "r7"} {
			if !used[node(t, tp, name).ID] {
				t.Errorf("v6=%v: no flow crossed branch %s", v6, name)
			}
		}
		var names []string
		for id := range used {
			names = append(names, tp.Nodes[id].Name)
		}
		t.Logf("v6=%v: nodes crossed: %s", v6, strings.Join(names, " "))
	}
}

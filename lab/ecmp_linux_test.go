package lab

import (
	"fmt"
	"strings"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

// TestECMPFollowsTruth traces many UDP (IPv4 and IPv6) and TCP flows,
// differing in source port, across topotest.Diamond with traceroute: every hop
// of every flow is where topo.Path predicts it, and every branch of both
// diamonds is used.
func TestECMPFollowsTruth(t *testing.T) {
	needTool(t, "traceroute")
	tp, err := topotest.Diamond()
	if err != nil {
		t.Fatal(err)
	}
	l := upLab(t, tp)
	h0 := node(t, tp, "h0")
	for _, tc := range []ecmpCase{{false, meas.UDP}, {true, meas.UDP}, {false, meas.TCP}} {
		v6 := tc.v6
		src, dst := mustAddr(t, l, "h0"), mustAddr(t, l, "h1")
		if v6 {
			src, _ = l.Addr6("h0")
			dst, _ = l.Addr6("h1")
		}
		used := map[topo.NodeID]bool{}
		const dport = 33434
		for sport := 40000; sport < 40032; sport++ {
			k := topo.FlowKey{Src: src, Dst: dst, Flow: meas.Flow{Proto: tc.proto, SrcPort: uint16(sport), ID: dport}}
			p, err := tp.Path(h0.ID, k)
			if err != nil {
				t.Fatal(err)
			}
			method := "-U"
			if tc.proto == meas.TCP {
				method = "-T"
			}
			args := []string{"traceroute", "-n", "-q1", "-w1", method, "-p", fmt.Sprint(dport), fmt.Sprintf("--sport=%d", sport)}
			if v6 {
				args = append(args, "-6")
			}
			out, err := exe(t, l, "h0", append(args, dst.String())...)
			if err != nil {
				t.Fatalf("traceroute: %v\n%s", err, out)
			}
			hops := traceHops(out)
			if len(hops) != len(p)-1 {
				t.Errorf("%s sport %d: %d hops, truth has %d: %v", tc.name(), sport, len(hops), len(p)-1, hops)
				continue
			}
			for i, h := range p[1:] {
				used[h.Node] = true
				// Errors come from the incoming interface: IPv4 by
				// icmp_errors_use_inbound_ifaddr, IPv6 (this kernel)
				// by source address selection.
				ok := hops[i] == tp.IfaceAddr(topo.Endpoint{Node: h.Node, Iface: h.In}, v6).String()
				if !ok {
					t.Errorf("%s sport %d hop %d: got %s, truth %s (in %s)\n%s", tc.name(), sport, i+1, hops[i],
						tp.Nodes[h.Node].Name, ifaceAddr(tp, h.Node, h.In), out)
				}
			}
		}
		for _, name := range []string{"r2", "r3", "r5", "r6", "r7"} {
			if !used[node(t, tp, name).ID] {
				t.Errorf("%s: no flow crossed branch %s", tc.name(), name)
			}
		}
		var names []string
		for id := range used {
			names = append(names, tp.Nodes[id].Name)
		}
		t.Logf("%s: nodes crossed: %s", tc.name(), strings.Join(names, " "))
	}
}

type ecmpCase struct {
	v6    bool
	proto meas.Proto
}

func (c ecmpCase) name() string {
	return fmt.Sprintf("v6=%v proto=%v", c.v6, c.proto)
}

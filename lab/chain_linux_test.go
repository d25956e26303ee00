package lab

import (
	"strings"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

func TestChainPing(t *testing.T) {
	needTool(t, "ping")
	tp := chain(t, 3)
	l := upLab(t, tp)
	// Every host pings every address of every node, both families.
	for _, src := range []string{"h0", "h1"} {
		for _, n := range tp.Nodes {
			for _, ifc := range n.Ifaces {
				for _, dst := range []string{ifc.Addr.Addr().String(), ifc.Addr6.Addr().String()} {
					out, err := run(t, l, src, "ping", "-c1", "-W2", dst)
					if err != nil {
						t.Errorf("%s ping %s (%s): %v\n%s", src, dst, n.Name, err, out)
					}
				}
			}
		}
	}
}

func TestChainTraceroute(t *testing.T) {
	needTool(t, "traceroute")
	tp := chain(t, 3)
	l := upLab(t, tp)
	for _, pair := range [][2]string{{"h0", "h1"}, {"h1", "h0"}} {
		src, _ := tp.Node(pair[0])
		dst := mustAddr(t, l, pair[1])
		p, err := tp.Path(src.ID, topo.FlowKey{Src: mustAddr(t, l, pair[0]), Dst: dst, Flow: meas.Flow{Proto: meas.UDP}})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, h := range p[1 : len(p)-1] {
			want = append(want, ifaceAddr(tp, h.Node, h.In).String())
		}
		want = append(want, dst.String())
		out, err := exe(t, l, pair[0], "traceroute", "-n", "-q1", "-w1", dst.String())
		if err != nil {
			t.Fatalf("traceroute: %v\n%s", err, out)
		}
		if got := traceHops(out); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("traceroute %s -> %s: got %v, want incoming interfaces %v\n%s", pair[0], pair[1], got, want, out)
		}
	}
}

package lab

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/revtr/revtr/topo"
)

// wantRR is what iputils `ping -R` records for an echo from src to dst in
// tp: the sender itself, the outgoing interface of every stamping router on
// the way, the destination twice (on receipt and as it sends the reply), the
// stamping routers on the way back, truncated to the option's 9 slots.
func wantRR(t *testing.T, tp *topo.Topology, src, dst string) []string {
	t.Helper()
	s, _ := tp.Node(src)
	d, _ := tp.Node(dst)
	sa, da := s.Ifaces[0].Addr.Addr(), d.Ifaces[0].Addr.Addr()
	rec := []string{sa.String()}
	rec = append(rec, stamps(t, tp, s.ID, topo.FlowKey{Src: sa, Dst: da})...)
	rec = append(rec, da.String(), da.String())
	rec = append(rec, stamps(t, tp, d.ID, topo.FlowKey{Src: da, Dst: sa})...)
	rec = append(rec, sa.String()) // the source stamps on receipt
	if len(rec) > 9 {
		rec = rec[:9]
	}
	return rec
}

// stamps are the outgoing interfaces of the stamping routers on a path.
func stamps(t *testing.T, tp *topo.Topology, from topo.NodeID, k topo.FlowKey) []string {
	p, err := tp.Path(from, k)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range p[1 : len(p)-1] {
		if !tp.Nodes[h.Node].Behaviour.NoRRStamp {
			out = append(out, ifaceAddr(tp, h.Node, h.Out).String())
		}
	}
	return out
}

func pingRR(t *testing.T, l *Lab, src, dst string) ([]string, string, error) {
	out, err := run(t, l, src, "ping", "-R", "-c1", "-W2", mustAddr(t, l, dst).String())
	return rrHops(out), out, err
}

func TestRecordRoute(t *testing.T) {
	needTool(t, "ping")
	tp := chain(t, 3)
	l := upLab(t, tp)
	for _, pair := range [][2]string{{"h0", "h1"}, {"h1", "h0"}} {
		got, out, err := pingRR(t, l, pair[0], pair[1])
		if err != nil {
			t.Fatalf("ping -R: %v\n%s", err, out)
		}
		if want := wantRR(t, tp, pair[0], pair[1]); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("ping -R %s -> %s: got %v, want %v\n%s", pair[0], pair[1], got, want, out)
		}
	}
}

func TestNoRRStamp(t *testing.T) {
	needTool(t, "ping")
	needTool(t, "traceroute")
	tp := chain(t, 3)
	r1 := node(t, tp, "r1")
	r1.Behaviour.NoRRStamp = true
	l := upLab(t, tp)
	for _, pair := range [][2]string{{"h0", "h1"}, {"h1", "h0"}} {
		got, out, err := pingRR(t, l, pair[0], pair[1])
		if err != nil {
			t.Fatalf("ping -R: %v\n%s", err, out)
		}
		want := wantRR(t, tp, pair[0], pair[1])
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("ping -R %s -> %s: got %v, want %v (r1 absent)\n%s", pair[0], pair[1], got, want, out)
		}
		for _, a := range got {
			if n, err := l.NodeOf(netip.MustParseAddr(a)); err == nil && n.ID == r1.ID {
				t.Errorf("non-stamping r1 appears in ping -R as %s", a)
			}
		}
		// r1 still answers traceroute.
		out, err = exe(t, l, pair[0], "traceroute", "-n", "-q1", "-w1", mustAddr(t, l, pair[1]).String())
		if err != nil {
			t.Fatalf("traceroute: %v\n%s", err, out)
		}
		if hops := traceHops(out); len(hops) != 4 || !ownedBy(l, hops[1], r1.ID) {
			t.Errorf("traceroute %s -> %s: want r1 at hop 2, got %v", pair[0], pair[1], hops)
		}
	}
}

func ownedBy(l *Lab, addr string, id topo.NodeID) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	n, err := l.NodeOf(a)
	return err == nil && n.ID == id
}

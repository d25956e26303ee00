package lab

import (
	"strings"
	"testing"

	"github.com/revtr/revtr/topo"
)

// TestGeneratedTruth checks a generated Internet (valley-free routing,
// hot-potato exits, ECMP, non-stamping, option-dropping, silent and
// rate-limited routers) against its ground truth with the reference tools:
// ping -R records exactly the stamps topo predicts in both directions (or
// gets no answer where options are dropped), and ICMP traceroute, IPv4 and
// IPv6, shows the predicted incoming interfaces.
func TestGeneratedTruth(t *testing.T) {
	needTool(t, "ping")
	needTool(t, "traceroute")
	tp, err := topo.Generate(1, topo.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	l := upLab(t, tp)
	var srcs, dsts []*topo.Node
	for i := range tp.Nodes {
		n := &tp.Nodes[i]
		switch {
		case n.Kind != topo.Host:
		case n.Role.Source:
			srcs = append(srcs, n)
		case n.Role.Destination && !n.Role.NoEcho:
			dsts = append(dsts, n)
		}
	}
	if len(srcs) == 0 || len(dsts) == 0 {
		t.Fatalf("generated topology has %d sources and %d answering destinations", len(srcs), len(dsts))
	}
	var pairs, noStamp, dropped int
	for _, s := range srcs {
		for _, d := range dsts {
			k := topo.FlowKey{Src: tp.HostAddr(s.ID, false), Dst: tp.HostAddr(d.ID, false)}
			fwd, err := tp.Path(s.ID, k)
			if err != nil {
				t.Fatal(err)
			}
			rev, err := tp.Path(d.ID, k.Reverse())
			if err != nil {
				t.Fatal(err)
			}
			checkRR(t, l, s, d, fwd, rev)
			checkTrace(t, l, s, d, fwd, false)
			k6 := topo.FlowKey{Src: tp.HostAddr(s.ID, true), Dst: tp.HostAddr(d.ID, true)}
			fwd6, err := tp.Path(s.ID, k6)
			if err != nil {
				t.Fatal(err)
			}
			checkTrace(t, l, s, d, fwd6, true)
			pairs++
			if len(tp.RRAddrs(fwd)) < len(fwd)-2 || len(tp.RRAddrs(rev)) < len(rev)-2 {
				noStamp++
			}
			if d.Role.DropOptions || dropsOptions(tp, fwd) || dropsOptions(tp, rev) {
				dropped++
			}
		}
	}
	// The topology must exercise the behaviours, or the test proves little.
	t.Logf("%d pairs: %d cross a non-stamping router, %d drop options", pairs, noStamp, dropped)
	if noStamp == 0 {
		t.Errorf("no pair crosses a non-stamping router: pick another seed")
	}
}

func checkRR(t *testing.T, l *Lab, s, d *topo.Node, fwd, rev topo.Path) {
	tp := l.Topology()
	sa, da := tp.HostAddr(s.ID, false).String(), tp.HostAddr(d.ID, false).String()
	answered := !d.Role.DropOptions && !dropsOptions(tp, fwd) && !dropsOptions(tp, rev)
	got, out, err := pingRR(t, l, s.Name, d.Name)
	if !answered {
		if err == nil {
			t.Errorf("ping -R %s -> %s crosses an option-dropping node but was answered:\n%s", s.Name, d.Name, out)
		}
		return
	}
	if err != nil {
		t.Errorf("ping -R %s -> %s: %v\n%s", s.Name, d.Name, err, out)
		return
	}
	want := []string{sa}
	for _, a := range tp.RRAddrs(fwd) {
		want = append(want, a.String())
	}
	want = append(want, da, da)
	for _, a := range tp.RRAddrs(rev) {
		want = append(want, a.String())
	}
	want = append(want, sa)
	want = want[:min(len(want), 9)]
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ping -R %s -> %s: got %v, truth %v\n%s", s.Name, d.Name, got, want, out)
	}
}

func dropsOptions(tp *topo.Topology, p topo.Path) bool {
	for _, h := range p[1 : len(p)-1] {
		if tp.Nodes[h.Node].Behaviour.DropOptions {
			return true
		}
	}
	return false
}

// checkTrace compares an ICMP traceroute (one flow: ICMP has no ports)
// with the truth: silent routers show "*", rate-limited ones may.
func checkTrace(t *testing.T, l *Lab, s, d *topo.Node, fwd topo.Path, v6 bool) {
	tp := l.Topology()
	fam := "-4"
	if v6 {
		fam = "-6"
	}
	out, err := exe(t, l, s.Name, "traceroute", fam, "-I", "-n", "-q1", "-w1", tp.HostAddr(d.ID, v6).String())
	if err != nil {
		t.Errorf("traceroute: %v\n%s", err, out)
		return
	}
	got := traceHops(out)
	want := tp.TraceAddrs(fwd, v6)
	if len(got) != len(want) {
		t.Errorf("traceroute %s -> %s: %d hops, truth %d: got %v, truth %v", s.Name, d.Name, len(got), len(want), got, want)
		return
	}
	for i, h := range fwd[1:] {
		b := tp.Nodes[h.Node].Behaviour
		switch {
		case b.NoTimeExceeded && i < len(want)-1:
			if got[i] != "*" {
				t.Errorf("traceroute %s -> %s hop %d: silent %s answered as %s", s.Name, d.Name, i+1, tp.Nodes[h.Node].Name, got[i])
			}
		case got[i] == "*" && b.ICMPRateLimitMS > 0:
		case got[i] != want[i].String():
			t.Errorf("traceroute %s -> %s hop %d: got %s, truth %s (%s)\n%s", s.Name, d.Name, i+1, got[i], want[i], tp.Nodes[h.Node].Name, out)
		}
	}
}

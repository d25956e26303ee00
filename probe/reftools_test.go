package probe_test

import (
	"context"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/topo/topotest"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/meas"
)

func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("reference tool %s missing: apt-get install -y iputils-ping traceroute (%v)", name, err)
	}
}

// netnsExec runs a reference tool in node's namespace with ip netns exec.
func netnsExec(t testing.TB, l *lab.Lab, node string, argv ...string) string {
	t.Helper()
	ns, err := l.Namespace(node)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns}, argv...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%v on %s: %v\n%s", argv, node, err, out)
	}
	return string(out)
}

// pingRR parses the addresses iputils ping -R prints after "RR:".
func pingRR(out string) []netip.Addr {
	var hops []netip.Addr
	in := false
	for _, line := range strings.Split(out, "\n") {
		f := strings.TrimSpace(strings.TrimPrefix(line, "RR:"))
		switch {
		case strings.HasPrefix(line, "RR:"):
			in = true
		case in && strings.HasPrefix(line, "\t") && f != "":
		case in:
			return hops
		default:
			continue
		}
		if a, err := netip.ParseAddr(f); err == nil {
			hops = append(hops, a)
		}
	}
	return hops
}

// traceHops parses traceroute -n -q 1 output: one address per TTL, zero
// for a star.
func traceHops(out string) []netip.Addr {
	var hops []netip.Addr
	for _, line := range strings.Split(out, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		a, _ := netip.ParseAddr(f[1])
		hops = append(hops, a)
	}
	return hops
}

// TestAgreesWithIputils compares our Record Route ping and traceroutes
// with iputils ping -R and traceroute on the same pairs and flows. ping -R
// records the sender itself in the first slot, which our prober (like
// scamper) does not: one slot of difference.
func TestAgreesWithIputils(t *testing.T) {
	needTool(t, "ping")
	needTool(t, "traceroute")
	tp := build(t)(topotest.MultiAS())
	node(t, tp, "r3").Behaviour.NoRRStamp = true // p1
	l := labtest.Up(t, tp)
	g := hostGroup(t, l, nil)
	ctx := context.Background()
	pairs := [][2]string{{"h0", "h1"}, {"h1", "h0"}, {"h2", "h3"}, {"h3", "h2"}, {"h0", "h2"}}
	for _, pair := range pairs {
		src, dst := hostAddr(t, tp, pair[0], false), hostAddr(t, tp, pair[1], false)
		ref := pingRR(netnsExec(t, l, pair[0], "ping", "-R", "-c1", "-W2", dst.String()))
		rr, err := g.RecordRoute(ctx, meas.RRRequest{Src: src, Dst: dst})
		if err != nil || !rr.Replied {
			t.Fatalf("RR %v: %+v %v", pair, rr, err)
		}
		if len(ref) == 0 || ref[0] != src || !slices.Equal(ref[1:], rr.Recorded[:len(ref)-1]) {
			t.Errorf("RR %s -> %s: ping -R %v, ours %v (want ours = ping's without the sender's slot)", pair[0], pair[1], ref, rr.Recorded)
		}
		t.Logf("%s -> %s RR: ping -R %v, ours %v", pair[0], pair[1], ref, rr.Recorded)
		for _, c := range []struct {
			flow meas.Flow
			args []string
		}{
			{meas.Flow{Proto: meas.ICMP}, []string{"-I"}},
			{meas.Flow{Proto: meas.UDP, ID: 33434, SrcPort: 40001}, []string{"-U", "-p", "33434", "--sport=40001"}},
			{meas.Flow{Proto: meas.TCP, ID: 443, SrcPort: 40002}, []string{"-T", "-p", "443", "--sport=40002"}},
		} {
			argv := append([]string{"traceroute", "-n", "-q", "1", "-w", "1"}, c.args...)
			ref := traceHops(netnsExec(t, l, pair[0], append(argv, dst.String())...))
			tr, err := g.Traceroute(ctx, meas.TraceRequest{Src: src, Dst: dst, Flow: c.flow})
			if err != nil {
				t.Fatal(err)
			}
			var ours []netip.Addr
			for _, h := range tr.Hops {
				ours = append(ours, h.Addr)
			}
			t.Logf("%s -> %s %v: %v", pair[0], pair[1], c.flow, ours)
			if !slices.Equal(ours, ref) {
				t.Errorf("traceroute %s -> %s %v: traceroute(8) %v, ours %v", pair[0], pair[1], c.flow, ref, ours)
			}
		}
	}
	for _, pair := range pairs[:2] {
		src, dst := hostAddr(t, tp, pair[0], true), hostAddr(t, tp, pair[1], true)
		for _, c := range []struct {
			flow meas.Flow
			args []string
		}{
			{meas.Flow{Proto: meas.ICMP}, []string{"-I"}},
			{meas.Flow{Proto: meas.UDP, ID: 33434, SrcPort: 40003}, []string{"-U", "-p", "33434", "--sport=40003"}},
		} {
			argv := append([]string{"traceroute", "-6", "-n", "-q", "1", "-w", "1"}, c.args...)
			ref := traceHops(netnsExec(t, l, pair[0], append(argv, dst.String())...))
			tr, err := g.Traceroute(ctx, meas.TraceRequest{Src: src, Dst: dst, Flow: c.flow})
			if err != nil {
				t.Fatal(err)
			}
			var ours []netip.Addr
			for _, h := range tr.Hops {
				ours = append(ours, h.Addr)
			}
			if !slices.Equal(ours, ref) || len(ours) == 0 {
				t.Errorf("IPv6 traceroute %s -> %s %v: traceroute(8) %v, ours %v", pair[0], pair[1], c.flow, ref, ours)
			}
		}
	}
}

package lab

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/topo"
	"golang.org/x/sys/unix"
)

// generated returns a generated topology of about n routers.
func generated(t testing.TB, n int) *topo.Topology {
	t.Helper()
	tp, err := topo.Generate(int64(n), topo.SizedParams(n))
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func countRoutes(tp *topo.Topology) (routers, hosts, routes, kernelRoutes int) {
	for i := range tp.Nodes {
		n := &tp.Nodes[i]
		if n.Kind == topo.Host {
			hosts++
		} else {
			routers++
		}
		routes += len(n.Routes)
		rs, _, _ := routePlan(n)
		kernelRoutes += len(rs)
	}
	return
}

// TestScale builds and tears down generated labs of about 20, 100 and 300
// routers, and a 300-router chain (routes to every link: the case batched
// `ip` builds in ~6 s): 300 routers build in under 30 s, and nothing is left
// afterwards.
func TestScale(t *testing.T) {
	needRoot(t)
	for _, tc := range []struct {
		kind string
		size int
	}{{"generated", 20}, {"generated", 100}, {"generated", 300}, {"chain", 300}} {
		t.Run(fmt.Sprint(tc.kind, tc.size), func(t *testing.T) {
			size := tc.size
			tp := generated(t, size)
			if tc.kind == "chain" {
				tp = longChain(size).route()
			}
			routers, hosts, routes, kroutes := countRoutes(tp)
			name := uniqueName()
			start, cpu0 := time.Now(), cpuTime(t)
			l, err := Up(context.Background(), tp, name)
			if err != nil {
				t.Fatal(err)
			}
			up, cpu := time.Since(start), cpuTime(t)-cpu0
			start = time.Now()
			if err := l.Down(); err != nil {
				t.Fatal(err)
			}
			down := time.Since(start)
			t.Logf("%d routers, %d hosts, %d links, %d routes (%d kernel routes): up %v (CPU %v), down %v",
				routers, hosts, len(tp.Links), routes, kroutes, up.Round(time.Millisecond), cpu.Round(time.Millisecond), down.Round(time.Millisecond))
			if routers >= 250 && up > 30*time.Second {
				t.Errorf("300 routers took %v to build, want < 30s", up)
			}
			assertGone(t, name)
		})
	}
}

// cpuTime is the user and system CPU time this process has used: unlike
// wall time it does not depend on what else the machine runs.
func cpuTime(t testing.TB) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// assertGone checks that no namespace of lab name remains, and that the
// root namespace holds none of the lab's veths or nftables tables (they
// live and die with the node namespaces).
func assertGone(t *testing.T, name string) {
	t.Helper()
	if left, _ := listNS(labPrefix(name)); len(left) > 0 {
		t.Errorf("namespaces left: %v", left)
	}
	out, err := exec.Command("ip", "-o", "link", "show", "type", "veth").CombinedOutput()
	if err != nil {
		t.Fatalf("ip link: %v\n%s", err, out)
	}
	if m := regexp.MustCompile(`(?m)^\d+: e\d+[@:]`).FindString(string(out)); m != "" {
		t.Errorf("a lab veth is in the root namespace: %s", m)
	}
	out, err = exec.Command("nft", "list", "tables").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list tables: %v\n%s", err, out)
	}
	if strings.Contains(string(out), nftTable) {
		t.Errorf("root namespace has an nftables table %q:\n%s", nftTable, out)
	}
}

// BenchmarkUp measures build time against size: wall time per build
// (ns/op), this process's CPU time (cpu-ms/op, includes teardown; less
// sensitive to the machine's load) and teardown wall time (down-ms/op).
// Builds follow each other's teardown, whose kernel clean-up runs
// asynchronously and competes with the next build.
func BenchmarkUp(b *testing.B) {
	needRoot(b)
	for _, size := range []int{20, 100, 300} {
		tp := generated(b, size)
		routers, _, _, _ := countRoutes(tp)
		b.Run(fmt.Sprintf("generated=%d/routers=%d", size, routers), func(b *testing.B) {
			var down time.Duration
			cpu0 := cpuTime(b)
			for b.Loop() {
				name := uniqueName()
				l, err := Up(context.Background(), tp, name)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				start := time.Now()
				if err := l.Down(); err != nil {
					b.Fatal(err)
				}
				down += time.Since(start)
				b.StartTimer()
			}
			b.ReportMetric(float64((cpuTime(b)-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(down.Milliseconds())/float64(b.N), "down-ms/op")
		})
	}
}

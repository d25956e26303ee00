package lab

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces")
	}
}

func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("reference tool %s missing: apt-get install -y iputils-ping traceroute nftables (%v)", name, err)
	}
}

var labSeq atomic.Int64

// uniqueName is a lab name no other test (or test process) uses, and no
// prefix of one: the trailing "_" keeps DownAll(name) from reaching the labs
// of tests running in parallel ("t1_1" would match "t1_10").
func uniqueName() string {
	return fmt.Sprintf("t%d_%d_", os.Getpid(), labSeq.Add(1))
}

// upLab builds tp as a fresh lab and removes it when the test ends,
// checking that nothing is left.
func upLab(t testing.TB, tp *topo.Topology) *Lab {
	t.Helper()
	needRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	l, err := Up(ctx, tp, uniqueName())
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	assertLinksUp(t, l)
	t.Cleanup(func() {
		if err := l.Down(); err != nil {
			t.Errorf("Down: %v", err)
		}
		if left, _ := listNS(labPrefix(l.Name())); len(left) > 0 {
			t.Errorf("after Down, %d namespaces remain: %v", len(left), left)
		}
	})
	return l
}

// assertLinksUp checks that Up returned only once every interface of
// every node was operationally up (ready to transmit).
func assertLinksUp(t testing.TB, l *Lab) {
	t.Helper()
	for i := range l.Topology().Nodes {
		n := &l.Topology().Nodes[i]
		ns, err := netns.GetFromName(nsName(l.Name(), n.Name))
		if err != nil {
			t.Fatal(err)
		}
		h, err := netlink.NewHandleAt(ns)
		ns.Close()
		if err != nil {
			t.Fatal(err)
		}
		down, err := downIfaces(h, n)
		h.Close()
		if err != nil || down != "" {
			t.Fatalf("after Up, node %s: interface %q not up (%v)", n.Name, down, err)
		}
	}
}

// run runs argv in node's namespace through `ip netns exec`, the reference
// way, and returns its output; failure is returned, not fatal.
func run(t testing.TB, l *Lab, node string, argv ...string) (string, error) {
	t.Helper()
	ns, err := l.Namespace(node)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns}, argv...)...).CombinedOutput()
	return string(out), err
}

// exe runs argv in node's namespace through Lab.Exec.
func exe(t testing.TB, l *Lab, node string, argv ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := l.Exec(ctx, node, argv, Stdio{Stdout: &out, Stderr: &out})
	return out.String(), err
}

func mustAddr(t testing.TB, l *Lab, node string) netip.Addr {
	t.Helper()
	a, err := l.Addr(node)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// chain is topotest.Chain(n): h0 - r0 - ... - r(n-1) - h1.
func chain(t testing.TB, n int) *topo.Topology {
	t.Helper()
	tp, err := topotest.Chain(n)
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

// node returns a node of tp by name, for the test to adjust behaviours
// (they do not change routing).
func node(t testing.TB, tp *topo.Topology, name string) *topo.Node {
	t.Helper()
	n, ok := tp.Node(name)
	if !ok {
		t.Fatalf("no node %s", name)
	}
	return n
}

// ifaceAddr is the IPv4 address of interface i of node id.
func ifaceAddr(tp *topo.Topology, id topo.NodeID, i int) netip.Addr {
	return tp.Nodes[id].Ifaces[i].Addr.Addr()
}

// traceHops parses `traceroute -n` output into one address (or "*") per
// hop, in order.
func traceHops(out string) []string {
	var hops []string
	for _, line := range strings.Split(out, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		hops = append(hops, f[1])
	}
	return hops
}

// rrHops parses the RR: block of `ping -R` output (first reply only).
func rrHops(out string) []string {
	var hops []string
	in := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "RR:"):
			in = true
			hops = append(hops, strings.TrimSpace(strings.TrimPrefix(line, "RR:")))
		case in && strings.HasPrefix(line, "\t") && strings.TrimSpace(line) != "":
			hops = append(hops, strings.TrimSpace(line))
		case in:
			return hops
		}
	}
	return hops
}

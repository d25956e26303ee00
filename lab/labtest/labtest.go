// Package labtest builds labs for tests of other packages: each test gets a
// lab of its own, with a name no other test or test process uses, removed
// when the test ends. Tests that need one skip with a clear message when not
// run as root on Linux.
package labtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/topo"
)

// upTimeout bounds a test lab's build; a loaded 2-core machine builds 300
// routers in seconds.
const upTimeout = 2 * time.Minute

var seq atomic.Int64

// NeedRoot skips the test unless it runs as root on Linux.
func NeedRoot(t testing.TB) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("needs Linux: network namespaces")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces and raw sockets")
	}
}

// Name returns a lab name unique to this test process and no prefix of
// another's (the trailing "_" keeps "x1_1" from matching "x1_10").
func Name() string {
	return fmt.Sprintf("x%d_%d_", os.Getpid(), seq.Add(1))
}

// Up builds tp as a fresh lab and removes it when the test ends. It skips
// the test when not root.
func Up(t testing.TB, tp *topo.Topology) *lab.Lab {
	t.Helper()
	NeedRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), upTimeout)
	defer cancel()
	l, err := lab.Up(ctx, tp, Name())
	if err != nil {
		t.Fatalf("lab up: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Down(); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	return l
}

// Open runs open inside node's namespace (lab.OpenIn) and closes what it
// opened when the test ends; it fails the test if open fails.
func Open[T io.Closer](t testing.TB, l *lab.Lab, node string, open func() (T, error)) T {
	t.Helper()
	v, err := lab.OpenIn(l, node, open)
	if err != nil {
		t.Fatalf("open in %s: %v", node, err)
	}
	t.Cleanup(func() {
		if err := v.Close(); err != nil {
			t.Errorf("close in %s: %v", node, err)
		}
	})
	return v
}

// Run runs argv inside node's network namespace (lab.Exec) and returns its
// output; it fails the test if the command fails.
func Run(t testing.TB, l *lab.Lab, node string, argv ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := l.Exec(ctx, node, argv, lab.Stdio{Stdout: &out, Stderr: &out}); err != nil {
		t.Fatalf("%v on %s: %v\n%s", argv, node, err, out.String())
	}
	return out.String()
}

// Unresolved makes router, a neighbour of host, fail to resolve host's
// link-layer address: its permanent neighbour entries for host go and host
// ignores ARP and IPv6 neighbour solicitations. Like a Linux router whose
// neighbour went away, router then answers a packet for host with host
// unreachable (ICMPv6 address unreachable), but only when resolution gives
// up, about 3 s (3 solicitations 1 s apart) after the packet came.
func Unresolved(t testing.TB, l *lab.Lab, router, host string) {
	t.Helper()
	tp := l.Topology()
	r, err := l.Node(router)
	if err != nil {
		t.Fatal(err)
	}
	for _, ifc := range r.Ifaces {
		if tp.Nodes[ifc.Peer.Node].Name != host {
			continue
		}
		peer := tp.Nodes[ifc.Peer.Node].Ifaces[ifc.Peer.Iface]
		for _, a := range []netip.Prefix{peer.Addr, peer.Addr6} {
			if a.IsValid() {
				Run(t, l, router, "ip", "neigh", "del", a.Addr().String(), "dev", ifc.Name)
			}
		}
		Nft(t, l, host, `table arp labtest_unresolved {
	chain in { type filter hook input priority 0; policy drop; }
}
table ip6 labtest_unresolved {
	chain in { type filter hook input priority 0; icmpv6 type nd-neighbor-solicit drop; }
}
`)
		return
	}
	t.Fatalf("%s is no neighbour of %s", host, router)
}

// Nft loads an nftables script in node's namespace; its tables go with
// the lab.
func Nft(t testing.TB, l *lab.Lab, node, script string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := l.Exec(ctx, node, []string{"nft", "-f", "-"}, lab.Stdio{Stdin: strings.NewReader(script), Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatalf("nft on %s: %v\n%s\n%s", node, err, out.String(), script)
	}
}

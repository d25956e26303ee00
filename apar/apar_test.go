package apar_test

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/revtr/revtr/apar"
)

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		if s != "*" {
			out[i] = netip.MustParseAddr(s)
		}
	}
	return out
}

// TestChain resolves a two-way trace over a chain S - P - R - D whose
// links are /31s: S-P 10.0.0.0/31, P-R 10.0.0.2/31, R-D 10.0.0.4/31. The
// forward path shows P's and R's inbound interfaces 10.0.0.1 and
// 10.0.0.3, the reverse path R's and P's from the other side, 10.0.0.4
// and 10.0.0.2.
func TestChain(t *testing.T) {
	fwd := addrs("10.0.0.0", "10.0.0.1", "10.0.0.3", "10.0.0.5")
	rev := addrs("10.0.0.5", "10.0.0.4", "10.0.0.2", "10.0.0.0")
	got := apar.Resolve([][]netip.Addr{fwd, rev})
	want := [][]netip.Addr{addrs("10.0.0.1", "10.0.0.2"), addrs("10.0.0.3", "10.0.0.4")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("aliases %v, want %v", got, want)
	}
	// P silent on the forward path: only R's pair remains.
	fwd[1] = netip.Addr{}
	if got := apar.Resolve([][]netip.Addr{fwd, rev}); !reflect.DeepEqual(got, [][]netip.Addr{addrs("10.0.0.3", "10.0.0.4")}) {
		t.Errorf("with silent hops: %v", got)
	}
}

// TestSlash30 resolves the same chain numbered with /30s (host addresses
// .1/.2, .5/.6, .9/.10), where the /30 partner is the link's other end.
func TestSlash30(t *testing.T) {
	fwd := addrs("10.0.0.1", "10.0.0.2", "10.0.0.6", "10.0.0.10")
	rev := addrs("10.0.0.10", "10.0.0.9", "10.0.0.5", "10.0.0.1")
	want := [][]netip.Addr{addrs("10.0.0.2", "10.0.0.5"), addrs("10.0.0.6", "10.0.0.9")}
	if got := apar.Resolve([][]netip.Addr{fwd, rev}); !reflect.DeepEqual(got, want) {
		t.Errorf("aliases %v, want %v", got, want)
	}
	if p := apar.Pairs(want); len(p) != 2 || p[0] != [2]netip.Addr(addrs("10.0.0.2", "10.0.0.5")) {
		t.Errorf("pairs %v", p)
	}
}

// TestNoLoop refuses a pair whose addresses are both on one path: a
// router is on a loop-free path once.
func TestNoLoop(t *testing.T) {
	// 10.0.0.1 -> 10.0.0.3 implies 10.0.0.1 ~ 10.0.0.2 (10.0.0.3's
	// partner), but one path holds both.
	p := addrs("10.0.0.0", "10.0.0.1", "10.0.0.3", "10.0.0.2")
	if got := apar.Resolve([][]netip.Addr{p}); len(got) != 0 {
		t.Errorf("aliases %v from one path holding both", got)
	}
}

// TestIPv6Ignored: IPv6 paths give no pairs.
func TestIPv6Ignored(t *testing.T) {
	fwd := addrs("2001:db8::", "2001:db8::1", "2001:db8::3")
	rev := addrs("2001:db8::3", "2001:db8::2", "2001:db8::")
	if got := apar.Resolve([][]netip.Addr{fwd, rev}); len(got) != 0 {
		t.Errorf("IPv6 aliases %v", got)
	}
}

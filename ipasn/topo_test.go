package ipasn_test

import (
	"bytes"
	"compress/gzip"
	"net/netip"
	"testing"

	"github.com/revtr/revtr/ipasn"
	"github.com/revtr/revtr/topo"
)

// loadTopo writes tp's IPv4 file plain and its IPv6 file gzipped, as CAIDA
// ships them, and loads both into one Map.
func loadTopo(t testing.TB, tp *topo.Topology) *ipasn.Map {
	t.Helper()
	var v4, v6 bytes.Buffer
	if err := tp.WritePfx2AS(&v4, false); err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(&v6)
	if err := tp.WritePfx2AS(zw, true); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	m, err := ipasn.Load(&v4, &v6)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// linkAS is the AS whose prefix numbers link l, as WritePfx2AS documents
// it: the AS itself inside an AS, the provider between customer and
// provider, the lower number between peers.
func linkAS(tp *topo.Topology, l topo.Link) uint32 {
	a, b := tp.Nodes[l.A.Node].AS, tp.Nodes[l.B.Node].AS
	if a == b {
		return a
	}
	for _, as := range tp.ASes {
		if as.Number != a {
			continue
		}
		switch as.Neighbors[b] {
		case topo.Customer:
			return a
		case topo.Provider:
			return b
		}
	}
	return min(a, b)
}

func TestTopologyRoundTrip(t *testing.T) {
	for _, seed := range []int64{1, 7} {
		tp, err := topo.Generate(seed, topo.DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		m := loadTopo(t, tp)
		if m.Len() != 2*len(tp.ASes) {
			t.Fatalf("seed %d: %d prefixes for %d ASes, want one per AS and family", seed, m.Len(), len(tp.ASes))
		}
		prefixOf := map[uint32][2]netip.Prefix{}
		for _, as := range tp.ASes {
			prefixOf[as.Number] = [2]netip.Prefix{as.Prefix, as.Prefix6}
		}
		var checked, foreign int
		for _, n := range tp.Nodes {
			for _, ifc := range n.Ifaces {
				want := linkAS(tp, tp.Links[ifc.Link])
				if n.Kind == topo.Host && want != n.AS {
					t.Errorf("seed %d: host %s on a link numbered by AS %d, not its own %d", seed, n.Name, want, n.AS)
				}
				if want != n.AS {
					foreign++
				}
				for fam, a := range []netip.Addr{ifc.Addr.Addr(), ifc.Addr6.Addr()} {
					p, o, ok := m.Lookup(a)
					if !ok || o.Len() != 1 || o.First() != want || p != prefixOf[want][fam] {
						t.Errorf("seed %d: %s %s %v -> %v %v %v, want AS %d %v",
							seed, n.Name, ifc.Name, a, p, o, ok, want, prefixOf[want][fam])
					}
					ann := m.Annotate(a)
					if uint32(ann.ASN) != want || ann.CIDR.Prefix != p {
						t.Errorf("seed %d: Annotate(%v) = %+v", seed, a, ann)
					}
					checked++
				}
			}
		}
		// The border ambiguity must actually occur, or the test proves
		// nothing about inter-AS links.
		if foreign == 0 {
			t.Errorf("seed %d: no interface numbered from a neighbour's prefix", seed)
		}
		t.Logf("seed %d: %d addresses checked, %d interfaces numbered by a neighbour AS", seed, checked, foreign)
	}
}

// TestTopologyBogons checks that the lab allow-list lets every lab address
// through, while the strict list refuses them all.
func TestTopologyBogons(t *testing.T) {
	tp, err := topo.Generate(3, topo.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	lab, err := ipasn.NewBogons(topo.ReservedPrefixes()...)
	if err != nil {
		t.Fatal(err)
	}
	strict, err := ipasn.NewBogons()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range tp.Nodes {
		for _, ifc := range n.Ifaces {
			for _, a := range []netip.Addr{ifc.Addr.Addr(), ifc.Addr6.Addr()} {
				if err := lab.Check(a); err != nil {
					t.Errorf("%s: %v", n.Name, err)
				}
				if !strict.IsBogon(a) {
					t.Errorf("%s: lab address %v is not a bogon without the allow-list", n.Name, a)
				}
			}
		}
	}
}

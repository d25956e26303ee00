package topo_test

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// slowLookup is the obvious longest-prefix match: a connected subnet
// first, else the longest matching entry of Routes (the first of equals).
func slowLookup(tp *topo.Topology, n topo.NodeID, dst netip.Addr) (netip.Prefix, int, bool) {
	for i, ifc := range tp.Nodes[n].Ifaces {
		if ifc.Addr.Contains(dst) || ifc.Addr6.Contains(dst) {
			return netip.Prefix{}, i, true
		}
	}
	best, ok := topo.Route{}, false
	for _, r := range tp.Nodes[n].Routes {
		if r.Dst.Contains(dst) && (!ok || r.Dst.Bits() > best.Dst.Bits()) {
			best, ok = r, true
		}
	}
	if !ok {
		return netip.Prefix{}, 0, false
	}
	return best.Dst, best.NextHops[0].Iface, true
}

func TestLookupMatchesSlow(t *testing.T) {
	tp := generate(t, 9, topo.DefaultParams())
	rng := rand.New(rand.NewPCG(9, 9))
	var addrs []netip.Addr
	for _, n := range tp.Nodes {
		for _, ifc := range n.Ifaces {
			addrs = append(addrs, ifc.Addr.Addr(), ifc.Addr6.Addr())
		}
	}
	for range 2000 { // and addresses no interface has, inside and outside the plan
		var b [4]byte
		b[0], b[1], b[2], b[3] = 10, byte(rng.IntN(4)), byte(rng.IntN(256)), byte(rng.IntN(256))
		addrs = append(addrs, netip.AddrFrom4(b), netip.AddrFrom4([4]byte{192, 0, 2, b[3]}))
	}
	for _, n := range tp.Nodes {
		for _, a := range addrs {
			wp, wi, wok := slowLookup(tp, n.ID, a)
			r, ok := tp.Lookup(n.ID, a)
			if ok != wok || ok && (r.NextHops[0].Iface != wi || wp.IsValid() && r.Dst != wp) {
				t.Fatalf("%s %v: Lookup %v %v, slow %v e%d %v", n.Name, a, r, ok, wp, wi, wok)
			}
		}
	}
}

func BenchmarkPath(b *testing.B) {
	tp := generate(b, 1, topo.DefaultParams())
	hs := tp.Hosts()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := topo.FlowKey{Src: tp.HostAddr(hs[i%len(hs)], false), Dst: tp.HostAddr(hs[(i/len(hs))%len(hs)], false), Flow: meas.Flow{Proto: meas.UDP, SrcPort: uint16(i)}}
		if _, err := tp.FlowPath(k); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConcurrentReaders builds the lazy indices of a fresh Topology value
// from many goroutines at once (run with -race).
func TestConcurrentReaders(t *testing.T) {
	orig := generate(t, 2, topo.DefaultParams())
	tp := &topo.Topology{Seed: orig.Seed, HashSeed: orig.HashSeed, ASes: orig.ASes, Nodes: orig.Nodes, Links: orig.Links}
	hs := tp.Hosts()
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			var err error
			for i := range 50 {
				k := topo.FlowKey{Src: tp.HostAddr(hs[(g+i)%len(hs)], false), Dst: tp.HostAddr(hs[(g+2*i+1)%len(hs)], false)}
				if k.Src == k.Dst {
					continue
				}
				if _, err = tp.FlowPath(k); err != nil {
					break
				}
				if _, err = tp.BGPPath(tp.ASes[0].Number, tp.ASes[len(tp.ASes)-1].Number); err != nil {
					break
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

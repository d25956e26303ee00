package sim

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// TestNextHopMatchesTopo holds the memoised next hop to topo's own, the
// reference, on a generated Internet: every node, addresses of every kind,
// random flows, originated and forwarded, each asked twice (miss and hit).
func TestNextHopMatchesTopo(t *testing.T) {
	tp, err := topo.Generate(3, topo.SizedParams(120))
	if err != nil {
		t.Fatal(err)
	}
	c := newRoutes(tp)
	var addrs []netip.Addr
	for _, nd := range tp.Nodes {
		for _, ifc := range nd.Ifaces {
			addrs = append(addrs, ifc.Addr.Addr(), ifc.Addr6.Addr())
		}
	}
	addrs = append(addrs, netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8:ffff::1"))
	r := rand.New(rand.NewPCG(1, 2))
	checked, ecmp := 0, 0
	for range 2 {
		for _, nd := range tp.Nodes {
			for range 40 {
				dst := addrs[r.IntN(len(addrs))]
				src := addrs[r.IntN(len(addrs))]
				if src.Is4() != dst.Is4() {
					continue
				}
				k := topo.FlowKey{Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.Proto(r.IntN(3)),
					SrcPort: uint16(r.Uint32()), ID: uint16(r.Uint32())}}
				for _, fwd := range []bool{false, true} {
					o1, n1, ok1 := c.nextHop(nd.ID, k, fwd)
					o2, n2, ok2 := tp.NextHop(nd.ID, k, fwd)
					if o1 != o2 || n1 != n2 || ok1 != ok2 {
						t.Fatalf("%s %v forwarded %v: got %d %v %v, topo %d %v %v", nd.Name, k, fwd, o1, n1, ok1, o2, n2, ok2)
					}
					checked++
				}
				if rt, ok := tp.Lookup(nd.ID, dst); ok && len(rt.NextHops) > 1 {
					ecmp++
				}
			}
		}
	}
	if ecmp == 0 {
		t.Error("no ECMP route exercised")
	}
	t.Logf("%d next hops checked, %d lookups on ECMP routes", checked, ecmp)
}

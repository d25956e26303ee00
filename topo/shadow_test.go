package topo_test

import (
	"net/netip"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// kernelNextHop models how lab/ programs a router's kernel: a packet marked
// with bucket k+1 is looked up in table 100+k+1 (ECMP routes with next hop
// k mod n, plus a throw route per ECMPShadowed prefix); a throw or a miss
// falls through to the main table (connected subnets, and NextHops[0] of
// every route).
func kernelNextHop(tp *topo.Topology, n topo.NodeID, dst netip.Addr, bucket int) (int, bool) {
	node := &tp.Nodes[n]
	type entry struct {
		p     netip.Prefix
		iface int // -1: throw
	}
	lpm := func(es []entry) (entry, bool) {
		best, ok := entry{}, false
		for _, e := range es {
			if e.p.Contains(dst) && (!ok || e.p.Bits() > best.p.Bits()) {
				best, ok = e, true
			}
		}
		return best, ok
	}
	var bucketTable, main []entry
	for _, p := range tp.ECMPShadowed(n) {
		bucketTable = append(bucketTable, entry{p, -1})
	}
	for i, ifc := range node.Ifaces {
		main = append(main, entry{ifc.Addr.Masked(), i}, entry{ifc.Addr6.Masked(), i})
	}
	for _, r := range node.Routes {
		main = append(main, entry{r.Dst, r.NextHops[0].Iface})
		if len(r.NextHops) > 1 {
			bucketTable = append(bucketTable, entry{r.Dst, r.NextHops[bucket%len(r.NextHops)].Iface})
		}
	}
	if e, ok := lpm(bucketTable); ok && e.iface >= 0 {
		return e.iface, true
	}
	e, ok := lpm(main)
	return e.iface, ok
}

// TestKernelTablesMatchTruth checks that bucket tables with throw routes
// for ECMPShadowed prefixes forward every forwarded flow as NextHop says,
// toward every interface address of a generated topology.
func TestKernelTablesMatchTruth(t *testing.T) {
	tp := generate(t, 1, topo.DefaultParams())
	shadowed := 0
	for _, r := range tp.Routers() {
		shadowed += len(tp.ECMPShadowed(r))
	}
	if shadowed == 0 {
		t.Fatal("no shadowed prefixes: the test exercises nothing")
	}
	src := tp.HostAddr(tp.Hosts()[0], false)
	for _, r := range tp.Routers() {
		if len(tp.ECMPShadowed(r)) == 0 {
			continue
		}
		for _, n := range tp.Nodes {
			for _, ifc := range n.Ifaces {
				for port := range uint16(8) {
					k := topo.FlowKey{Src: src, Dst: ifc.Addr.Addr(), Flow: meas.Flow{Proto: meas.UDP, SrcPort: 1000 + port, ID: 33434}}
					if tp.Local(r, k.Dst) {
						continue
					}
					want, _, ok := tp.NextHop(r, k, true)
					got, kok := kernelNextHop(tp, r, k.Dst, tp.ECMPBucket(k))
					if ok != kok || want != got {
						t.Fatalf("%s to %v: kernel model e%d (%v), truth e%d (%v)", tp.Nodes[r].Name, k.Dst, got, kok, want, ok)
					}
				}
			}
		}
	}
}

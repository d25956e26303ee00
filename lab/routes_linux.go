package lab

import (
	"net/netip"

	"github.com/revtr/revtr/topo"
	"golang.org/x/sys/unix"
)

// Policy routing for ECMP (see the package doc): a router's prerouting hook
// writes a flow's bucket k in 1..ECMPSlots into the mark's low byte, and rule
// "fwmark k/markMask lookup ecmpTableBase+k" selects the table holding next
// hop (k-1) mod n of every ECMP route.
const (
	ecmpTableBase = 100
	ecmpRulePrio  = 1000 // + k; after "local" (0), before "main" (32766)
	markMask      = 0xff
	mainTable     = unix.RT_TABLE_MAIN
)

// routeSpec is one kernel route: a single next hop in one table.
type routeSpec struct {
	dst   netip.Prefix
	gw    netip.Addr // invalid for a directly connected route
	iface int        // index into the node's Ifaces
	table int
}

// routePlan turns node n's forwarding table into kernel routes: NextHops[0]
// in the main table (what the node's own packets use), and for ECMP routes
// one entry per bucket table. It also says which families need the ECMP
// policy rules. Routes to the node's own link prefixes are left to the
// kernel, which adds them with the addresses.
//
// A bucket table answers every lookup that one of its ECMP prefixes
// covers, so it must also hold whatever is more specific inside those
// prefixes — other routes and connected link subnets (an inter-AS link is
// numbered from the neighbour's aggregate) — or a packet for them would
// follow the covering ECMP route instead of the longest match.
func routePlan(n *topo.Node) (rs []routeSpec, ecmp4, ecmp6 bool) {
	connected := map[netip.Prefix]bool{}
	for _, ifc := range n.Ifaces {
		connected[ifc.Addr.Masked()] = true
		connected[ifc.Addr6.Masked()] = true
	}
	ecmp := map[netip.Prefix]bool{}
	for _, r := range n.Routes {
		dst := r.Dst.Masked()
		if connected[dst] {
			continue
		}
		nh := r.NextHops
		rs = append(rs, routeSpec{dst: dst, gw: nh[0].Gateway, iface: nh[0].Iface, table: mainTable})
		if len(nh) < 2 {
			continue
		}
		ecmp[dst] = true
		ecmp4, ecmp6 = ecmp4 || dst.Addr().Is4(), ecmp6 || dst.Addr().Is6()
		for k := 1; k <= topo.ECMPSlots; k++ {
			rs = appendBucket(rs, dst, nh[(k-1)%len(nh)], k)
		}
	}
	if len(ecmp) == 0 {
		return rs, false, false
	}
	covered := coveredBy(ecmp)
	for _, r := range n.Routes {
		if dst := r.Dst.Masked(); len(r.NextHops) == 1 && covered(dst) {
			for k := 1; k <= topo.ECMPSlots; k++ {
				rs = appendBucket(rs, dst, r.NextHops[0], k)
			}
		}
	}
	for i, ifc := range n.Ifaces {
		for _, p := range []netip.Prefix{ifc.Addr.Masked(), ifc.Addr6.Masked()} {
			if p.IsValid() && covered(p) {
				for k := 1; k <= topo.ECMPSlots; k++ {
					rs = appendBucket(rs, p, topo.NextHop{Iface: i}, k)
				}
			}
		}
	}
	return rs, ecmp4, ecmp6
}

func appendBucket(rs []routeSpec, dst netip.Prefix, h topo.NextHop, k int) []routeSpec {
	return append(rs, routeSpec{dst: dst, gw: h.Gateway, iface: h.Iface, table: ecmpTableBase + k})
}

// coveredBy returns a test for whether a prefix lies strictly inside one
// of set's prefixes.
func coveredBy(set map[netip.Prefix]bool) func(netip.Prefix) bool {
	lens := map[int]bool{}
	for p := range set {
		lens[p.Bits()] = true
	}
	return func(p netip.Prefix) bool {
		for l := range lens {
			if l >= p.Bits() {
				continue
			}
			if q, err := p.Addr().Prefix(l); err == nil && set[q] {
				return true
			}
		}
		return false
	}
}

// addRoutes queues node n's routes and ECMP policy rules; ifindex maps
// n's interfaces to kernel interface indexes.
func addRoutes(b *rtnlBatch, n *topo.Node, ifindex []int) error {
	rs, ecmp4, ecmp6 := routePlan(n)
	for _, r := range rs {
		if err := b.route(r, ifindex[r.iface]); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		fam uint8
		on  bool
	}{{unix.AF_INET, ecmp4}, {unix.AF_INET6, ecmp6}} {
		for k := 1; f.on && k <= topo.ECMPSlots; k++ {
			if err := b.markRule(f.fam, uint32(k), markMask, ecmpTableBase+k, ecmpRulePrio+k); err != nil {
				return err
			}
		}
	}
	return nil
}

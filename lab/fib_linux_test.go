package lab

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/revtr/revtr/topo"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sync/errgroup"
)

// TestKernelFIBMatchesTruth asks every router's kernel (RTM_GETROUTE, as
// `ip route get ADDR [iif DEV from SRC mark K]` does) where it sends every
// address of a generated topology, and compares with topo.Lookup: packets
// the router originates take NextHops[0]; forwarded packets with ECMP
// bucket mark k take NextHops[(k-1) mod n]. This checks the policy routing
// tables for all destinations, router interfaces included, where traceroute
// tests only see a few flows.
func TestKernelFIBMatchesTruth(t *testing.T) {
	tp, err := topo.Generate(3, topo.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	l := upLab(t, tp)
	var addrs []netip.Addr
	for _, n := range tp.Nodes {
		for _, ifc := range n.Ifaces {
			addrs = append(addrs, ifc.Addr.Addr(), ifc.Addr6.Addr())
		}
	}
	var g errgroup.Group
	g.SetLimit(8)
	var checked [2]int // unmarked, marked lookups, per router
	counts := make([][2]int, len(tp.Nodes))
	for i := range tp.Nodes {
		n := &tp.Nodes[i]
		if n.Kind != topo.Router {
			continue
		}
		g.Go(func() error {
			c, err := checkFIB(l, n, addrs)
			counts[n.ID] = c
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	for _, c := range counts {
		checked[0] += c[0]
		checked[1] += c[1]
	}
	t.Logf("%d unmarked and %d marked route lookups match the truth", checked[0], checked[1])
	if checked[1] == 0 {
		t.Errorf("no ECMP router: the test proves nothing about bucket tables")
	}
}

// checkFIB compares n's kernel routing with topo for every address; it
// returns how many unmarked and marked lookups it compared.
func checkFIB(l *Lab, n *topo.Node, addrs []netip.Addr) (count [2]int, err error) {
	tp := l.Topology()
	ns, err := netns.GetFromName(nsName(l.Name(), n.Name))
	if err != nil {
		return count, err
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return count, err
	}
	defer h.Close()
	idx, _, err := ifIndexes(h, n)
	if err != nil {
		return count, err
	}
	// Forwarded packets come in through an interface without strict
	// reverse-path filtering, from a host address.
	iif := -1
	for i, ifc := range n.Ifaces {
		if p := &tp.Nodes[ifc.Peer.Node]; !(p.Kind == topo.Host && p.Role.VantagePoint && !p.Role.CanSpoof) {
			iif = i
			break
		}
	}
	ecmp := false
	for _, r := range n.Routes {
		ecmp = ecmp || len(r.NextHops) > 1
	}
	for _, a := range addrs {
		if !a.IsValid() || tp.Local(n.ID, a) {
			continue
		}
		want, ok := tp.Lookup(n.ID, a)
		if !ok {
			continue
		}
		if err := expectRoute(h, n, idx, a, nil, want.NextHops[0]); err != nil {
			return count, err
		}
		count[0]++
		if !ecmp || iif < 0 {
			continue
		}
		src := hostOfFamily(tp, a.Is6())
		for k := 1; k <= topo.MaxECMP; k++ {
			opt := &netlink.RouteGetOptions{IifIndex: idx[iif], SrcAddr: src.AsSlice(), Mark: uint32(k)}
			if err := expectRoute(h, n, idx, a, opt, want.NextHops[(k-1)%len(want.NextHops)]); err != nil {
				return count, fmt.Errorf("mark %d: %w", k, err)
			}
			count[1]++
		}
	}
	return count, nil
}

func expectRoute(h *netlink.Handle, n *topo.Node, idx []int, a netip.Addr, opt *netlink.RouteGetOptions, want topo.NextHop) error {
	if opt == nil {
		opt = &netlink.RouteGetOptions{}
	}
	rs, err := h.RouteGetWithOptions(a.AsSlice(), opt)
	if err != nil || len(rs) == 0 {
		return fmt.Errorf("node %s: route get %s: %v", n.Name, a, err)
	}
	gw, _ := netip.AddrFromSlice(rs[0].Gw)
	wantGw := want.Gateway
	if wantGw == a { // connected: the kernel delivers directly
		wantGw = netip.Addr{}
	}
	if rs[0].LinkIndex != idx[want.Iface] || gw.Unmap() != wantGw {
		return fmt.Errorf("node %s: %s goes out ifindex %d via %s, truth %s (ifindex %d) via %s",
			n.Name, a, rs[0].LinkIndex, gw, n.Ifaces[want.Iface].Name, idx[want.Iface], wantGw)
	}
	return nil
}

// hostOfFamily returns some host's address of the family.
func hostOfFamily(tp *topo.Topology, v6 bool) netip.Addr {
	for i := range tp.Nodes {
		if tp.Nodes[i].Kind == topo.Host {
			return tp.HostAddr(topo.NodeID(i), v6)
		}
	}
	return netip.Addr{}
}

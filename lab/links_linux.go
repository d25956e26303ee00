package lab

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/revtr/revtr/topo"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// createVeths creates, from node id's namespace, a veth pair for every link
// whose A end is on node id; the kernel puts the B end straight into the
// peer's namespace, so names never collide.
func createVeths(h *netlink.Handle, t *topo.Topology, id topo.NodeID, nsOf func(topo.NodeID) netns.NsHandle) error {
	n := &t.Nodes[id]
	for i, ifc := range n.Ifaces {
		lk := t.Links[ifc.Link]
		if lk.A != (topo.Endpoint{Node: id, Iface: i}) {
			continue
		}
		peer := &t.Nodes[lk.B.Node]
		attrs := netlink.NewLinkAttrs()
		attrs.Name = ifc.Name
		attrs.HardwareAddr = macOf(ifc.Link, 0)
		attrs.Index = ifindexBase + int(ifc.Link)
		v := netlink.NewVeth(attrs)
		v.PeerName = peer.Ifaces[lk.B.Iface].Name
		v.PeerHardwareAddr = macOf(ifc.Link, 1)
		v.PeerNamespace = netlink.NsFd(int(nsOf(lk.B.Node)))
		if err := h.LinkAdd(v); err != nil {
			return fmt.Errorf("veth %s:%s - %s:%s: %w", n.Name, ifc.Name, peer.Name, v.PeerName, err)
		}
	}
	return nil
}

// ifindexBase + link ID is the interface index of a link's A end; its B
// end gets a small index from the kernel. The two ends then never share
// an index, which makes the kernel treat their carrier events as urgent
// (linkwatch_urgent_event): without it, a veth whose peer has the same
// index in its own namespace transmits nothing for up to a second.
const ifindexBase = 1 << 16

// macOf is the MAC address of one end (0 for A, 1 for B) of a link:
// locally administered, unique per link.
func macOf(l topo.LinkID, end byte) net.HardwareAddr {
	return net.HardwareAddr{0x02, byte(l >> 24), byte(l >> 16), byte(l >> 8), byte(l), end}
}

// ifIndexes returns the kernel index of each of node n's interfaces, in
// n.Ifaces order, and that of loopback.
func ifIndexes(h *netlink.Handle, n *topo.Node) (idx []int, lo int, err error) {
	links, err := h.LinkList()
	if err != nil {
		return nil, 0, fmt.Errorf("node %s: list links: %w", n.Name, err)
	}
	byName := make(map[string]int, len(links))
	for _, l := range links {
		byName[l.Attrs().Name] = l.Attrs().Index
	}
	idx = make([]int, len(n.Ifaces))
	for i, ifc := range n.Ifaces {
		if idx[i] = byName[ifc.Name]; idx[i] == 0 {
			return nil, 0, fmt.Errorf("node %s: interface %s missing", n.Name, ifc.Name)
		}
	}
	if lo = byName["lo"]; lo == 0 {
		return nil, 0, fmt.Errorf("node %s: no loopback", n.Name)
	}
	return idx, lo, nil
}

// upIfaces queues bringing up loopback and node n's interfaces with their
// addresses, and entering each link peer's addresses as permanent
// neighbours, with per-link MACs: no ARP or neighbour discovery ever delays
// or loses the first packets (IPv6 traceroutes right after a build lost
// their first replies to neighbour discovery).
func upIfaces(b *rtnlBatch, t *topo.Topology, n *topo.Node, idx []int, lo int) error {
	if err := b.linkUp("lo", lo); err != nil {
		return err
	}
	for i, ifc := range n.Ifaces {
		if err := b.linkUp(ifc.Name, idx[i]); err != nil {
			return err
		}
		peer := t.Nodes[ifc.Peer.Node].Ifaces[ifc.Peer.Iface]
		end := byte(0)
		if t.Links[ifc.Link].B == ifc.Peer {
			end = 1
		}
		for _, p := range []struct{ own, peer netip.Prefix }{{ifc.Addr, peer.Addr}, {ifc.Addr6, peer.Addr6}} {
			if p.own.IsValid() {
				if err := b.addr(ifc.Name, idx[i], p.own); err != nil {
					return err
				}
			}
			if p.peer.IsValid() {
				if err := b.neigh(ifc.Name, idx[i], p.peer.Addr(), macOf(ifc.Link, end)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// downIfaces returns the name of one of node n's interfaces that is not
// operationally up yet, or "".
func downIfaces(h *netlink.Handle, n *topo.Node) (string, error) {
	links, err := h.LinkList()
	if err != nil {
		return "", fmt.Errorf("node %s: list links: %w", n.Name, err)
	}
	up := make(map[string]bool, len(links))
	for _, l := range links {
		up[l.Attrs().Name] = l.Attrs().OperState == netlink.OperUp
	}
	for _, ifc := range n.Ifaces {
		if !up[ifc.Name] {
			return ifc.Name, nil
		}
	}
	return "", nil
}

// unroutedLocal6 returns one of node n's IPv6 addresses that has no local
// route yet (the kernel cannot receive on it), or the zero Addr.
func unroutedLocal6(h *netlink.Handle, n *topo.Node) (netip.Addr, error) {
	filter := &netlink.Route{Table: unix.RT_TABLE_LOCAL, Type: unix.RTN_LOCAL}
	routes, err := h.RouteListFiltered(netlink.FAMILY_V6, filter, netlink.RT_FILTER_TABLE|netlink.RT_FILTER_TYPE)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("node %s: list local routes: %w", n.Name, err)
	}
	local := make(map[netip.Addr]bool, len(routes))
	for _, r := range routes {
		if r.Dst == nil {
			continue
		}
		if a, ok := netip.AddrFromSlice(r.Dst.IP); ok {
			local[a] = true
		}
	}
	for _, ifc := range n.Ifaces {
		if a := ifc.Addr6.Addr(); ifc.Addr6.IsValid() && !local[a] {
			return a, nil
		}
	}
	return netip.Addr{}, nil
}

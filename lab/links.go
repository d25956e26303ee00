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

// macOf is the MAC address of one end (0 for A, 1 for B) of a link:
// locally administered, unique per link.
func macOf(l topo.LinkID, end byte) net.HardwareAddr {
	return net.HardwareAddr{0x02, byte(l >> 24), byte(l >> 16), byte(l >> 8), byte(l), end}
}

// upIfaces brings up loopback and node n's interfaces and gives them their
// addresses (IPv6 without duplicate address detection). It returns the
// interface index of each of n's interfaces, in n.Ifaces order.
func upIfaces(h *netlink.Handle, t *topo.Topology, n *topo.Node) ([]int, error) {
	links, err := h.LinkList()
	if err != nil {
		return nil, fmt.Errorf("node %s: list links: %w", n.Name, err)
	}
	byName := make(map[string]netlink.Link, len(links))
	for _, l := range links {
		byName[l.Attrs().Name] = l
	}
	lo, ok := byName["lo"]
	if !ok {
		return nil, fmt.Errorf("node %s: no loopback", n.Name)
	}
	if err := h.LinkSetUp(lo); err != nil {
		return nil, fmt.Errorf("node %s: lo up: %w", n.Name, err)
	}
	idx := make([]int, len(n.Ifaces))
	for i, ifc := range n.Ifaces {
		l, ok := byName[ifc.Name]
		if !ok {
			return nil, fmt.Errorf("node %s: interface %s missing", n.Name, ifc.Name)
		}
		idx[i] = l.Attrs().Index
		if err := upIface(h, l, ifc, t); err != nil {
			return nil, fmt.Errorf("node %s: %w", n.Name, err)
		}
	}
	return idx, nil
}

func upIface(h *netlink.Handle, l netlink.Link, ifc topo.Iface, t *topo.Topology) error {
	if err := h.LinkSetUp(l); err != nil {
		return fmt.Errorf("%s up: %w", ifc.Name, err)
	}
	if ifc.Addr.IsValid() {
		if err := h.AddrAdd(l, &netlink.Addr{IPNet: ipNet(ifc.Addr)}); err != nil {
			return fmt.Errorf("address %s on %s: %w", ifc.Addr, ifc.Name, err)
		}
	}
	if ifc.Addr6.IsValid() {
		a := &netlink.Addr{IPNet: ipNet(ifc.Addr6), Flags: unix.IFA_F_NODAD}
		if err := h.AddrAdd(l, a); err != nil {
			return fmt.Errorf("address %s on %s: %w", ifc.Addr6, ifc.Name, err)
		}
	}
	return addPeerNeighs(h, l, ifc, t)
}

// addPeerNeighs enters the link peer's addresses as permanent neighbours:
// no ARP or neighbour discovery ever delays or loses the first packets
// (IPv6 neighbour discovery right after the links come up otherwise costs
// the first probes).
func addPeerNeighs(h *netlink.Handle, l netlink.Link, ifc topo.Iface, t *topo.Topology) error {
	peer := t.Nodes[ifc.Peer.Node].Ifaces[ifc.Peer.Iface]
	end := byte(0)
	if t.Links[ifc.Link].B == ifc.Peer {
		end = 1
	}
	for _, p := range []netip.Prefix{peer.Addr, peer.Addr6} {
		if !p.IsValid() {
			continue
		}
		fam := unix.AF_INET
		if p.Addr().Is6() {
			fam = unix.AF_INET6
		}
		nb := &netlink.Neigh{LinkIndex: l.Attrs().Index, Family: fam, State: netlink.NUD_PERMANENT,
			IP: p.Addr().AsSlice(), HardwareAddr: macOf(ifc.Link, end)}
		if err := h.NeighAdd(nb); err != nil {
			return fmt.Errorf("neighbour %s on %s: %w", p.Addr(), ifc.Name, err)
		}
	}
	return nil
}

// ipNet converts an interface prefix (address and length) to net.IPNet,
// keeping the host bits.
func ipNet(p netip.Prefix) *net.IPNet {
	bits := p.Addr().BitLen()
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), bits)}
}

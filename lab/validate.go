package lab

import (
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/topo"
)

// inLabSpace reports whether a is an address a lab may use: only reserved
// space (topo.ReservedPrefixes), so that nothing in a lab can ever be
// confused with a real network.
func inLabSpace(a netip.Addr) bool { return topo.Reserved(a) }

// maxIfName is the kernel's interface name limit (IFNAMSIZ - 1).
const maxIfName = 15

// validate checks everything Up relies on, so that bad input fails before
// anything is built, with an error naming the culprit.
func validate(t *topo.Topology) error {
	if t == nil || len(t.Nodes) == 0 {
		return fmt.Errorf("empty topology: %w", ErrBadTopology)
	}
	names := make(map[string]bool, len(t.Nodes))
	ecmp := false
	for i := range t.Nodes {
		n := &t.Nodes[i]
		if n.ID != topo.NodeID(i) {
			return fmt.Errorf("node %d has ID %d: %w", i, n.ID, ErrBadTopology)
		}
		if err := checkNodeName(n.Name); err != nil {
			return err
		}
		if names[n.Name] {
			return fmt.Errorf("node name %q used twice: %w", n.Name, ErrBadTopology)
		}
		names[n.Name] = true
		if err := validateIfaces(t, n); err != nil {
			return err
		}
		for _, r := range n.Routes {
			if err := validateRoute(n, r); err != nil {
				return err
			}
			ecmp = ecmp || len(r.NextHops) > 1
		}
		if n.Behaviour.ICMPRateLimitMS < 0 {
			return fmt.Errorf("node %s: negative ICMP rate limit: %w", n.Name, ErrBadTopology)
		}
	}
	if ecmp && t.HashSeed == 0 {
		// nftables draws a random seed when none is given, which would
		// make ECMP unpredictable.
		return fmt.Errorf("ECMP routes need a nonzero HashSeed: %w", ErrBadTopology)
	}
	return validateLinks(t)
}

func validateIfaces(t *topo.Topology, n *topo.Node) error {
	seen := map[string]bool{}
	for i, ifc := range n.Ifaces {
		if ifc.Name == "" || len(ifc.Name) > maxIfName || ifc.Name == "lo" || seen[ifc.Name] {
			return fmt.Errorf("node %s: interface %d: bad or duplicate name %q: %w", n.Name, i, ifc.Name, ErrBadTopology)
		}
		seen[ifc.Name] = true
		if !ifc.Addr.IsValid() && !ifc.Addr6.IsValid() {
			return fmt.Errorf("node %s: interface %s has no address: %w", n.Name, ifc.Name, ErrBadTopology)
		}
		if ifc.Addr.IsValid() && (!ifc.Addr.Addr().Is4() || !inLabSpace(ifc.Addr.Addr())) {
			return fmt.Errorf("node %s: interface %s: %s is not an IPv4 lab address: %w", n.Name, ifc.Name, ifc.Addr, ErrBadTopology)
		}
		if ifc.Addr6.IsValid() && (!ifc.Addr6.Addr().Is6() || !inLabSpace(ifc.Addr6.Addr())) {
			return fmt.Errorf("node %s: interface %s: %s is not an IPv6 lab address: %w", n.Name, ifc.Name, ifc.Addr6, ErrBadTopology)
		}
		if n.Behaviour.NoRRStamp && ifc.Addr.IsValid() && ifc.Addr.Addr().As4()[3] > 251 {
			return fmt.Errorf("node %s: interface %s: a non-stamping router's address must end in a byte <= 251, not %s: %w",
				n.Name, ifc.Name, ifc.Addr.Addr(), ErrBadTopology)
		}
		if int(ifc.Link) < 0 || int(ifc.Link) >= len(t.Links) {
			return fmt.Errorf("node %s: interface %s: no link %d: %w", n.Name, ifc.Name, ifc.Link, ErrBadTopology)
		}
	}
	return nil
}

func validateRoute(n *topo.Node, r topo.Route) error {
	if !r.Dst.IsValid() || len(r.NextHops) == 0 || len(r.NextHops) > topo.MaxECMP {
		return fmt.Errorf("node %s: route %s: bad prefix or %d next hops: %w", n.Name, r.Dst, len(r.NextHops), ErrBadTopology)
	}
	for _, nh := range r.NextHops {
		if nh.Iface < 0 || nh.Iface >= len(n.Ifaces) {
			return fmt.Errorf("node %s: route %s: no interface %d: %w", n.Name, r.Dst, nh.Iface, ErrBadTopology)
		}
		if nh.Gateway.IsValid() && (nh.Gateway.Is4() != r.Dst.Addr().Is4() || !inLabSpace(nh.Gateway)) {
			return fmt.Errorf("node %s: route %s: gateway %s is not a lab address of the same family: %w", n.Name, r.Dst, nh.Gateway, ErrBadTopology)
		}
	}
	return nil
}

// validateLinks checks that both ends of every link point at each other.
func validateLinks(t *topo.Topology) error {
	for id, lk := range t.Links {
		for _, ep := range []topo.Endpoint{lk.A, lk.B} {
			if int(ep.Node) < 0 || int(ep.Node) >= len(t.Nodes) || ep.Iface < 0 || ep.Iface >= len(t.Nodes[ep.Node].Ifaces) {
				return fmt.Errorf("link %d: bad endpoint %+v: %w", id, ep, ErrBadTopology)
			}
			if t.Nodes[ep.Node].Ifaces[ep.Iface].Link != topo.LinkID(id) {
				return fmt.Errorf("link %d: interface %s of %s belongs to link %d: %w",
					id, t.Nodes[ep.Node].Ifaces[ep.Iface].Name, t.Nodes[ep.Node].Name, t.Nodes[ep.Node].Ifaces[ep.Iface].Link, ErrBadTopology)
			}
		}
		if lk.A == lk.B {
			return fmt.Errorf("link %d joins an interface to itself: %w", id, ErrBadTopology)
		}
	}
	return nil
}

package topo

import (
	"errors"
	"fmt"
	"net/netip"
)

// ErrInvalid is wrapped by every error Validate returns.
var ErrInvalid = errors.New("invalid topology")

// asInvalid makes err wrap ErrInvalid.
func asInvalid(err error) error {
	if errors.Is(err, ErrInvalid) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrInvalid, err)
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Validate checks the invariants lab/ and sim/ rely on: consistent node,
// interface and link references; unique addresses in reserved space, IPv4
// ones ending in a byte ≤ MaxLastByte, both ends of a link in one subnet;
// sane forwarding entries; a loop-free path, IPv4 and IPv6, between every
// ordered pair of hosts. It never panics on a malformed topology (such as
// one read from a file); the error wraps ErrInvalid.
func (t *Topology) Validate() error {
	for _, check := range []func() error{
		t.validateASes, t.validateNodes, t.validateLinks, t.validateAddrs,
		t.validateRoutes, t.checkHierarchy, t.validatePaths,
	} {
		if err := check(); err != nil {
			return asInvalid(err)
		}
	}
	return nil
}

func (t *Topology) validateASes() error {
	if len(t.ASes) == 0 {
		return invalid("no AS")
	}
	seen := make(map[uint32]bool)
	listed := make(map[NodeID]bool)
	for _, as := range t.ASes {
		if as.Number == 0 || seen[as.Number] {
			return invalid("AS number %d zero or repeated", as.Number)
		}
		seen[as.Number] = true
		if !as.Prefix.IsValid() || !as.Prefix.Addr().Is4() || !Reserved(as.Prefix.Addr()) ||
			!as.Prefix6.IsValid() || !as.Prefix6.Addr().Is6() || !Reserved(as.Prefix6.Addr()) {
			return invalid("AS %d: prefixes %v, %v not in reserved space", as.Number, as.Prefix, as.Prefix6)
		}
		for _, r := range as.Routers {
			if r < 0 || int(r) >= len(t.Nodes) || t.Nodes[r].Kind != Router || t.Nodes[r].AS != as.Number {
				return invalid("AS %d lists node %d, which is not one of its routers", as.Number, r)
			}
			if listed[r] {
				return invalid("AS %d lists router %d twice", as.Number, r)
			}
			listed[r] = true
		}
	}
	for _, as := range t.ASes {
		for n, r := range as.Neighbors {
			if !seen[n] || r > Provider {
				return invalid("AS %d: neighbour AS %d as %v", as.Number, n, r)
			}
		}
	}
	return nil
}

func (t *Topology) validateNodes() error {
	names := make(map[string]bool)
	routers := 0
	for i, n := range t.Nodes {
		if n.ID != NodeID(i) || n.Name == "" || names[n.Name] {
			return invalid("node %d: id %d, name %q empty or repeated", i, n.ID, n.Name)
		}
		names[n.Name] = true
		if _, ok := t.as(n.AS); !ok || n.Kind > Host {
			return invalid("node %s: kind %d, unknown AS %d", n.Name, n.Kind, n.AS)
		}
		if n.Kind == Host && len(n.Ifaces) != 1 {
			return invalid("host %s has %d interfaces, want 1", n.Name, len(n.Ifaces))
		}
		if n.Kind == Router {
			routers++
		}
		for j, ifc := range n.Ifaces {
			if ifc.Name != fmt.Sprintf("e%d", j) || ifc.Link < 0 || int(ifc.Link) >= len(t.Links) {
				return invalid("node %s interface %d: name %q, link %d", n.Name, j, ifc.Name, ifc.Link)
			}
		}
	}
	listed := 0
	for _, as := range t.ASes {
		listed += len(as.Routers)
	}
	if listed != routers {
		return invalid("%d routers, but ASes list %d", routers, listed)
	}
	return nil
}

func (t *Topology) validEndpoint(ep Endpoint) bool {
	return ep.Node >= 0 && int(ep.Node) < len(t.Nodes) && ep.Iface >= 0 && ep.Iface < len(t.Nodes[ep.Node].Ifaces)
}

func (t *Topology) validateLinks() error {
	for i, l := range t.Links {
		if !t.validEndpoint(l.A) || !t.validEndpoint(l.B) || l.A.Node == l.B.Node {
			return invalid("link %d: endpoints %v, %v", i, l.A, l.B)
		}
		a, b := t.Nodes[l.A.Node], t.Nodes[l.B.Node]
		ia, ib := a.Ifaces[l.A.Iface], b.Ifaces[l.B.Iface]
		if ia.Link != LinkID(i) || ib.Link != LinkID(i) || ia.Peer != l.B || ib.Peer != l.A {
			return invalid("link %d: interfaces %s/%s and %s/%s do not point at it and each other", i, a.Name, ia.Name, b.Name, ib.Name)
		}
		if l.InterAS != (a.AS != b.AS) || l.Delay < 0 || !l.InterAS && (l.Cost < 1 || l.Cost > maxCost) {
			return invalid("link %d (%s–%s): inter-AS %v, delay %v, cost %d", i, a.Name, b.Name, l.InterAS, l.Delay, l.Cost)
		}
		if l.InterAS && (a.Kind == Host || b.Kind == Host) {
			return invalid("link %d: host %s–%s across ASes", i, a.Name, b.Name)
		}
		if l.InterAS {
			if _, ok := t.Relation(a.AS, b.AS); !ok {
				return invalid("link %d joins unrelated AS %d and AS %d", i, a.AS, b.AS)
			}
		}
		if ia.Addr.Masked() != ib.Addr.Masked() || ia.Addr6.Masked() != ib.Addr6.Masked() {
			return invalid("link %d: ends in different subnets (%v, %v)", i, ia.Addr, ib.Addr)
		}
	}
	for _, n := range t.Nodes {
		for j, ifc := range n.Ifaces {
			l, ep := t.Links[ifc.Link], Endpoint{Node: n.ID, Iface: j}
			if l.A != ep && l.B != ep {
				return invalid("%s/%s claims link %d, which joins other interfaces", n.Name, ifc.Name, ifc.Link)
			}
		}
	}
	return nil
}

// maxCost bounds IGP link costs so that path costs cannot overflow.
const maxCost = 1 << 20

func (t *Topology) validateAddrs() error {
	seen := make(map[netip.Addr]string)
	for _, n := range t.Nodes {
		for _, ifc := range n.Ifaces {
			a4, a6 := ifc.Addr.Addr(), ifc.Addr6.Addr()
			if !ifc.Addr.IsValid() || !a4.Is4() || !Reserved(a4) || a4.As4()[3] > MaxLastByte {
				return invalid("%s/%s: IPv4 address %v missing, outside reserved space or ending above %d", n.Name, ifc.Name, ifc.Addr, MaxLastByte)
			}
			if !ifc.Addr6.IsValid() || !a6.Is6() || a6.Is4In6() || !Reserved(a6) {
				return invalid("%s/%s: IPv6 address %v missing or outside reserved space", n.Name, ifc.Name, ifc.Addr6)
			}
			for _, a := range []netip.Addr{a4, a6} {
				if other, dup := seen[a]; dup {
					return invalid("address %v on %s/%s and %s", a, n.Name, ifc.Name, other)
				}
				seen[a] = n.Name + "/" + ifc.Name
			}
		}
	}
	return nil
}

func (t *Topology) validateRoutes() error {
	for _, n := range t.Nodes {
		for _, r := range n.Routes {
			if !r.Dst.IsValid() || len(r.NextHops) == 0 || len(r.NextHops) > MaxECMP {
				return invalid("%s: route %v with %d next hops", n.Name, r.Dst, len(r.NextHops))
			}
			for k, nh := range r.NextHops {
				if nh.Iface < 0 || nh.Iface >= len(n.Ifaces) || k > 0 && nh.Iface <= r.NextHops[k-1].Iface {
					return invalid("%s: route %v: next hop interfaces out of range or unsorted", n.Name, r.Dst)
				}
				peer := n.Ifaces[nh.Iface].Peer
				pi := t.Nodes[peer.Node].Ifaces[peer.Iface]
				want := pi.Addr.Addr()
				if r.Dst.Addr().Is6() {
					want = pi.Addr6.Addr()
				}
				if nh.Gateway != want {
					return invalid("%s: route %v: gateway %v is not the neighbour's address %v", n.Name, r.Dst, nh.Gateway, want)
				}
			}
		}
	}
	return nil
}

// validatePaths walks, for every ordered host pair and both families, the
// path of one ICMP flow.
func (t *Topology) validatePaths() error {
	hosts := t.Hosts()
	for _, s := range hosts {
		for _, d := range hosts {
			if s == d {
				continue
			}
			src, dst := t.Nodes[s].Ifaces[0], t.Nodes[d].Ifaces[0]
			for _, k := range []FlowKey{
				{Src: src.Addr.Addr(), Dst: dst.Addr.Addr()},
				{Src: src.Addr6.Addr(), Dst: dst.Addr6.Addr()},
			} {
				if _, err := t.Path(s, k); err != nil {
					return fmt.Errorf("%w: %w", ErrInvalid, err)
				}
			}
		}
	}
	return nil
}

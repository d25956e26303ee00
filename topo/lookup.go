package topo

import (
	"net/netip"
	"slices"
	"sync"
)

// index holds lookup structures derived from a finished topology, each
// built once on first use. A Topology is read-only once built, so the
// derived data never goes stale.
type index struct {
	asOnce sync.Once
	asIdx  map[uint32]int

	ownOnce sync.Once
	owner   map[netip.Addr]Endpoint

	fibOnce sync.Once
	fib     []nodeFIB

	bgpOnce sync.Once
	bgp     *bgpTable

	nameOnce sync.Once
	name     map[string]int
}

func (t *Topology) names() map[string]int {
	t.idx.nameOnce.Do(func() {
		t.idx.name = make(map[string]int, len(t.Nodes))
		for i, n := range t.Nodes {
			if _, dup := t.idx.name[n.Name]; !dup {
				t.idx.name[n.Name] = i
			}
		}
	})
	return t.idx.name
}

// nodeFIB finds a node's longest-prefix-match route by probing one map per
// prefix length present, longest first (a table holds few distinct lengths).
type nodeFIB struct {
	lens4, lens6 []int
	routes       map[netip.Prefix]int
}

func (t *Topology) asIndex() map[uint32]int {
	t.idx.asOnce.Do(func() {
		t.idx.asIdx = make(map[uint32]int, len(t.ASes))
		for i, as := range t.ASes {
			t.idx.asIdx[as.Number] = i
		}
	})
	return t.idx.asIdx
}

func (t *Topology) owners() map[netip.Addr]Endpoint {
	t.idx.ownOnce.Do(func() {
		t.idx.owner = make(map[netip.Addr]Endpoint)
		for _, n := range t.Nodes {
			for i, ifc := range n.Ifaces {
				ep := Endpoint{Node: n.ID, Iface: i}
				if ifc.Addr.IsValid() {
					t.idx.owner[ifc.Addr.Addr()] = ep
				}
				if ifc.Addr6.IsValid() {
					t.idx.owner[ifc.Addr6.Addr()] = ep
				}
			}
		}
	})
	return t.idx.owner
}

func (t *Topology) fibs() []nodeFIB {
	t.idx.fibOnce.Do(func() {
		t.idx.fib = make([]nodeFIB, len(t.Nodes))
		for i := range t.Nodes {
			t.idx.fib[i] = buildFIB(t.Nodes[i].Routes)
		}
	})
	return t.idx.fib
}

func buildFIB(routes []Route) nodeFIB {
	f := nodeFIB{routes: make(map[netip.Prefix]int, len(routes))}
	for i, r := range routes {
		p := r.Dst.Masked()
		if _, dup := f.routes[p]; dup {
			continue // the first entry wins, as the kernel refuses the second
		}
		f.routes[p] = i
		if p.Addr().Is4() {
			f.lens4 = appendLen(f.lens4, p.Bits())
		} else {
			f.lens6 = appendLen(f.lens6, p.Bits())
		}
	}
	return f
}

// appendLen adds a prefix length to a list kept sorted longest first.
func appendLen(lens []int, l int) []int {
	if slices.Contains(lens, l) {
		return lens
	}
	lens = append(lens, l)
	slices.SortFunc(lens, func(a, b int) int { return b - a })
	return lens
}

// connected returns the route for dst over one of node n's own link
// subnets, the way the kernel's connected routes deliver it.
func (t *Topology) connected(n NodeID, dst netip.Addr) (Route, bool) {
	for i, ifc := range t.Nodes[n].Ifaces {
		p := ifc.Addr
		if dst.Is6() {
			p = ifc.Addr6
		}
		if !p.IsValid() || !p.Contains(dst) {
			continue
		}
		return Route{Dst: p.Masked(), NextHops: []NextHop{{Iface: i, Gateway: dst}}}, true
	}
	return Route{}, false
}

// Lookup returns the route node n uses for dst: a connected link subnet
// first (Gateway is then dst itself), else the longest-prefix match in
// Node.Routes.
func (t *Topology) Lookup(n NodeID, dst netip.Addr) (Route, bool) {
	if n < 0 || int(n) >= len(t.Nodes) || !dst.IsValid() {
		return Route{}, false
	}
	if r, ok := t.connected(n, dst); ok {
		return r, true
	}
	f := &t.fibs()[n]
	lens := f.lens4
	if dst.Is6() {
		lens = f.lens6
	}
	for _, l := range lens {
		p, err := dst.Prefix(l)
		if err != nil {
			continue
		}
		if i, ok := f.routes[p]; ok {
			return t.Nodes[n].Routes[i], true
		}
	}
	return Route{}, false
}

package topo

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
)

// Address plan. Every address comes from reserved space only: IPv4 from
// 10.0.0.0/8, then 100.64.0.0/10 (RFC 6598), then 198.18.0.0/15 (RFC 2544);
// IPv6 from the documentation prefix 2001:db8::/32 (RFC 3849).
//
// Each AS gets one IPv4 aggregate (at least a /24, a power-of-two number of
// /24s) and the IPv6 /48 2001:db8:N::/48 where N is the AS's index + 1.
// Links are point-to-point /31s (RFC 3021) and /127s (RFC 6164); a link's
// IPv6 subnet carries the IPv4 subnet in its low 32 bits, so 10.1.2.4/31
// pairs with 2001:db8:N::a01:204/127. Inside each /24 only the last bytes
// 0–251 are used: lab/'s non-stamping routers add 4 to the last byte of a
// stamped address, which must not overflow.
var (
	v4Pools = []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("100.64.0.0/10"),
		netip.MustParsePrefix("198.18.0.0/15"),
	}
	v6Space = netip.MustParsePrefix("2001:db8::/32")
)

// MaxLastByte is the largest last byte of any interface's IPv4 address.
const MaxLastByte = 251

// linksPer24 is how many /31 subnets fit in a /24 below MaxLastByte.
const linksPer24 = (MaxLastByte + 1) / 2

// ErrAddressSpace is returned when the reserved space cannot number a
// topology.
var ErrAddressSpace = errors.New("reserved address space exhausted")

// Reserved reports whether addr lies in the reserved space topologies are
// numbered from.
func Reserved(addr netip.Addr) bool {
	if addr.Is4() {
		for _, p := range v4Pools {
			if p.Contains(addr) {
				return true
			}
		}
		return false
	}
	return v6Space.Contains(addr)
}

// ReservedPrefixes returns the reserved prefixes topologies are numbered
// from: the allow-list a prober needs to send into the lab.
func ReservedPrefixes() []netip.Prefix {
	return append(append([]netip.Prefix(nil), v4Pools...), v6Space)
}

// linkOwner returns the AS whose prefix numbers link l: the AS itself inside
// an AS, the provider between customer and provider, the lower number
// between peers.
func (t *Topology) linkOwner(l Link) uint32 {
	a, c := t.Nodes[l.A.Node].AS, t.Nodes[l.B.Node].AS
	if a == c {
		return a
	}
	as, _ := t.as(a)
	switch as.Neighbors[c] {
	case Customer:
		return a
	case Provider:
		return c
	}
	return min(a, c)
}

// assignAddresses gives every AS its aggregates and every interface its
// addresses.
func (t *Topology) assignAddresses() error {
	asIdx := t.asIndex()
	count := make([]int, len(t.ASes))
	owner := make([]int, len(t.Links))
	for i, l := range t.Links {
		owner[i] = asIdx[t.linkOwner(l)]
		count[owner[i]]++
	}
	if err := t.allocatePrefixes(count); err != nil {
		return err
	}
	used := make([]int, len(t.ASes))
	for i, l := range t.Links {
		as := &t.ASes[owner[i]]
		k := used[owner[i]]
		used[owner[i]]++
		a4, a6 := linkAddr(as.Prefix, as.Prefix6, k)
		t.setAddr(l.A, a4, a6)
		t.setAddr(l.B, a4.Next(), nextAddr6(a6))
	}
	return nil
}

func (t *Topology) setAddr(ep Endpoint, a4, a6 netip.Addr) {
	ifc := &t.Nodes[ep.Node].Ifaces[ep.Iface]
	ifc.Addr = netip.PrefixFrom(a4, 31)
	ifc.Addr6 = netip.PrefixFrom(a6, 127)
}

// linkAddr returns the lower address of the k-th link subnet of an AS.
func linkAddr(p4, p6 netip.Prefix, k int) (netip.Addr, netip.Addr) {
	base := v4Uint(p4.Addr()) + uint32(k/linksPer24)*256 + uint32(k%linksPer24)*2
	a4 := v4From(base)
	b6 := p6.Addr().As16()
	b4 := a4.As4()
	copy(b6[12:], b4[:])
	return a4, netip.AddrFrom16(b6)
}

func nextAddr6(a netip.Addr) netip.Addr { return a.Next() }

func v4Uint(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func v4From(u uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}

// allocatePrefixes gives each AS an IPv4 aggregate large enough for its
// count[i] link subnets, largest first so that every aggregate stays
// aligned, and its IPv6 /48.
func (t *Topology) allocatePrefixes(count []int) error {
	if len(t.ASes) > 0xffff {
		return fmt.Errorf("allocate prefixes for %d ASes: %w", len(t.ASes), ErrAddressSpace)
	}
	bits := make([]int, len(t.ASes))
	order := make([]int, len(t.ASes))
	for i := range t.ASes {
		bits[i] = prefixBits(count[i])
		order[i] = i
	}
	sort.SliceStable(order, func(x, y int) bool { return bits[order[x]] < bits[order[y]] })
	pool, cur := 0, v4Uint(v4Pools[0].Addr())
	for _, i := range order {
		size := uint64(1) << (32 - bits[i])
		for pool < len(v4Pools) && uint64(cur)+size > poolEnd(pool) {
			if pool++; pool < len(v4Pools) {
				cur = v4Uint(v4Pools[pool].Addr())
			}
		}
		if pool == len(v4Pools) {
			return fmt.Errorf("allocate a /%d for AS %d: %w", bits[i], t.ASes[i].Number, ErrAddressSpace)
		}
		t.ASes[i].Prefix = netip.PrefixFrom(v4From(cur), bits[i])
		cur += uint32(size)
		p6 := v6Space.Addr().As16()
		p6[4], p6[5] = byte((i+1)>>8), byte(i+1)
		t.ASes[i].Prefix6 = netip.PrefixFrom(netip.AddrFrom16(p6), 48)
	}
	return nil
}

// poolEnd is one past the last address of pool i, as a number.
func poolEnd(i int) uint64 {
	p := v4Pools[i]
	return uint64(v4Uint(p.Addr())) + uint64(1)<<(32-p.Bits())
}

// prefixBits is the length of the smallest aggregate of /24s holding n
// link subnets.
func prefixBits(n int) int {
	blocks := max(1, (n+linksPer24-1)/linksPer24)
	bits := 24
	for 1<<(24-bits) < blocks {
		bits--
	}
	return bits
}

// as returns the AS with the given number.
func (t *Topology) as(n uint32) (*AS, bool) {
	i, ok := t.asIndex()[n]
	if !ok {
		return nil, false
	}
	return &t.ASes[i], true
}

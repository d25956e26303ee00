package ipasn_test

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/revtr/revtr/ipasn"
)

// refEntry is one row of the reference model: a plain list scanned
// linearly, the obviously correct longest-prefix match.
type refEntry struct {
	p       netip.Prefix
	origins []uint32
}

func refLookup(ref []refEntry, a netip.Addr) (refEntry, bool) {
	a = a.Unmap()
	best, found := refEntry{}, false
	for _, e := range ref {
		if e.p.Contains(a) && (!found || e.p.Bits() > best.p.Bits()) {
			best, found = e, true
		}
	}
	return best, found
}

// randAddr returns a random address of the family; IPv4 and IPv6 draw
// their leading bits from a few values so that random prefixes nest.
func randAddr(r *rand.Rand, v6 bool) netip.Addr {
	if !v6 {
		var b [4]byte
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		b[0] = byte(10 + r.IntN(3))
		return netip.AddrFrom4(b)
	}
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[0], b[1], b[2] = 0x20, 0x01, byte(r.IntN(3))
	return netip.AddrFrom16(b)
}

// randPrefixes builds a seeded random prefix set, lengths biased to the
// range real tables use, and inserts it into a Map and a reference list.
func randPrefixes(t *testing.T, r *rand.Rand, n int) (*ipasn.Map, []refEntry) {
	t.Helper()
	m := new(ipasn.Map)
	var ref []refEntry
	seen := map[netip.Prefix]bool{}
	for len(ref) < n {
		v6 := r.IntN(3) == 0
		bits := 8 + r.IntN(12) + r.IntN(13) // 8-32
		if v6 {
			bits = 16 + r.IntN(56) + r.IntN(57) // 16-128
		}
		p := netip.PrefixFrom(randAddr(r, v6), bits).Masked()
		if seen[p] {
			continue
		}
		seen[p] = true
		origins := make([]uint32, 1+r.IntN(3))
		for i := range origins {
			origins[i] = 1 + uint32(r.IntN(1000))*1000 + uint32(i) // distinct
		}
		if err := m.Insert(p, origins...); err != nil {
			t.Fatal(err)
		}
		ref = append(ref, refEntry{p, origins})
	}
	return m, ref
}

func TestLookupMatchesReference(t *testing.T) {
	var total [3]int // probes, matched, matched inside a shorter prefix too
	for seed := range uint64(8) {
		r := rand.New(rand.NewPCG(seed, 42))
		m, ref := randPrefixes(t, r, 50+int(seed)*60)
		probes := make([]netip.Addr, 0, 3000)
		for range 1000 {
			probes = append(probes, randAddr(r, r.IntN(2) == 0))
		}
		for _, e := range ref { // edges of each prefix, and just outside
			probes = append(probes, e.p.Addr(), e.p.Addr().Prev(), lastAddr(e.p), lastAddr(e.p).Next())
			if e.p.Addr().Is4() {
				probes = append(probes, netip.AddrFrom16(e.p.Addr().As16()))
			}
		}
		hits, nested := 0, 0
		for _, a := range probes {
			want, wantOK := refLookup(ref, a)
			if wantOK {
				hits++
				if shadows(ref, a, want.p.Bits()) {
					nested++
				}
			}
			p, o, ok := m.Lookup(a)
			if ok != wantOK || ok && (p != want.p || !o.Equal(originsOf(t, want.origins))) {
				t.Fatalf("seed %d: Lookup(%v) = %v %v %v, reference %v %v %v",
					seed, a, p, o, ok, want.p, want.origins, wantOK)
			}
		}
		total[0] += len(probes)
		total[1] += hits
		total[2] += nested
	}
	// The comparison means little unless probes both match and miss, and
	// many matches shadow a shorter prefix.
	t.Logf("%d probes, %d matched, %d of them inside a shorter prefix too", total[0], total[1], total[2])
	if total[1] < total[0]/4 || total[1] > total[0]*9/10 || total[2] < total[1]/4 {
		t.Errorf("random prefix sets do not exercise matches, misses and nesting")
	}
}

// shadows reports whether a prefix shorter than bits contains a.
func shadows(ref []refEntry, a netip.Addr, bits int) bool {
	for _, e := range ref {
		if e.p.Contains(a.Unmap()) && e.p.Bits() < bits {
			return true
		}
	}
	return false
}

// lastAddr returns the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// originsOf returns the Origins value of a one-prefix map holding origins.
func originsOf(t *testing.T, origins []uint32) ipasn.Origins {
	t.Helper()
	var m ipasn.Map
	if err := m.Insert(netip.MustParsePrefix("0.0.0.0/0"), origins...); err != nil {
		t.Fatal(err)
	}
	_, o, _ := m.Lookup(netip.IPv4Unspecified())
	return o
}

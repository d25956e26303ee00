package ipasn_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/revtr/revtr/ipasn"
)

// synthFile returns a pfx2as file shaped like CAIDA's: n IPv4 prefixes,
// mostly /24s, n/5 IPv6 prefixes, mostly /32-/48, one in 20 multi-origin.
func synthFile(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[netip.Prefix]bool{}
	var b bytes.Buffer
	add := func(p netip.Prefix) {
		p = p.Masked()
		if seen[p] {
			return
		}
		seen[p] = true
		as := 1 + r.IntN(400000)
		if r.IntN(20) == 0 {
			fmt.Fprintf(&b, "%s\t%d\t%d_%d\n", p.Addr(), p.Bits(), as, as+1)
		} else {
			fmt.Fprintf(&b, "%s\t%d\t%d\n", p.Addr(), p.Bits(), as)
		}
	}
	for len(seen) < n {
		bits := []int{24, 24, 24, 24, 23, 22, 20, 16, 19, 21}[r.IntN(10)]
		add(netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(1 + r.IntN(222)), byte(r.Uint32()), byte(r.Uint32())}), bits))
	}
	for len(seen) < n+n/5 {
		var a [16]byte
		a[0], a[1] = 0x20, byte(r.Uint32())
		for i := 2; i < 8; i++ {
			a[i] = byte(r.Uint32())
		}
		add(netip.PrefixFrom(netip.AddrFrom16(a), []int{32, 48, 48, 44, 40, 36, 29}[r.IntN(7)]))
	}
	return b.Bytes()
}

func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		data := synthFile(n)
		zdata := gz(b, string(data))
		for _, in := range []struct {
			name string
			data []byte
		}{{"plain", data}, {"gzip", zdata}} {
			b.Run(fmt.Sprintf("%s/%d", in.name, n+n/5), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := ipasn.Load(bytes.NewReader(in.data)); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n+n/5), "ns/prefix")
			})
		}
	}
}

// lookupAddrs draws addresses for m's benchmark: IPv4 and IPv6, inside
// mapped prefixes (hits) or anywhere (mostly misses for IPv6).
func lookupAddrs(m *ipasn.Map, n int) (v4, v6 []netip.Addr) {
	r := rand.New(rand.NewPCG(3, 4))
	var ps []netip.Prefix
	for p := range m.All() {
		ps = append(ps, p)
	}
	for len(v4) < n || len(v6) < n {
		p := ps[r.IntN(len(ps))]
		a := p.Addr().AsSlice()
		for i := p.Bits(); i < len(a)*8; i++ {
			if r.IntN(2) == 0 {
				a[i/8] |= 0x80 >> (i % 8)
			}
		}
		addr, _ := netip.AddrFromSlice(a)
		if addr.Is4() && len(v4) < n {
			v4 = append(v4, addr)
		} else if addr.Is6() && len(v6) < n {
			v6 = append(v6, addr)
		}
	}
	return v4, v6
}

func BenchmarkLookup(b *testing.B) {
	m, err := ipasn.Load(bytes.NewReader(synthFile(100000)))
	if err != nil {
		b.Fatal(err)
	}
	v4, v6 := lookupAddrs(m, 4096)
	miss := make([]netip.Addr, 4096)
	for i := range miss {
		miss[i] = netip.AddrFrom4([4]byte{240, byte(i), byte(i >> 8), 1})
	}
	for _, tc := range []struct {
		name  string
		addrs []netip.Addr
	}{{"v4", v4}, {"v6", v6}, {"miss", miss}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, _, ok := m.Lookup(tc.addrs[i%len(tc.addrs)]); ok != (tc.name != "miss") {
					b.Fatal("unexpected match result")
				}
				i++
			}
		})
	}
	b.Run("annotate", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			m.Annotate(v4[i%len(v4)])
			i++
		}
	})
}

func BenchmarkIsBogon(b *testing.B) {
	bog, err := ipasn.NewBogons(labAllow...)
	if err != nil {
		b.Fatal(err)
	}
	addrs := []netip.Addr{
		netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("192.168.1.1"),
		netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("2001:db8::1"),
		netip.MustParseAddr("fe80::1"), netip.MustParseAddr("2606:4700::1"),
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		bog.IsBogon(addrs[i%len(addrs)])
		i++
	}
}

package ipasn_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/revtr/revtr/ipasn"
)

const sample = `# CAIDA-style sample
10.0.0.0	8	64500
10.1.0.0	16	64501_64502
10.1.2.0	24	64503,64504
10.1.2.128	25	64505_64506,64507
192.0.2.0	24	64496
0.0.0.0	0	64499

2001:db8::	32	64510
2001:db8:1::	48	64511_64512
2001:db8:1:2::	64	64513
`

func mustLoad(t testing.TB, s string) *ipasn.Map {
	t.Helper()
	m, err := ipasn.Load(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLookup(t *testing.T) {
	m := mustLoad(t, sample)
	if m.Len() != 9 {
		t.Fatalf("Len = %d, want 9", m.Len())
	}
	for _, tc := range []struct {
		addr    string
		prefix  string // "" means no match
		origins []uint32
	}{
		{"10.0.0.1", "10.0.0.0/8", []uint32{64500}},
		{"10.255.255.255", "10.0.0.0/8", []uint32{64500}},
		{"10.1.0.0", "10.1.0.0/16", []uint32{64501, 64502}},
		{"10.1.2.127", "10.1.2.0/24", []uint32{64503, 64504}},
		{"10.1.2.128", "10.1.2.128/25", []uint32{64505, 64506, 64507}},
		{"10.1.3.1", "10.1.0.0/16", []uint32{64501, 64502}},
		{"192.0.2.9", "192.0.2.0/24", []uint32{64496}},
		{"8.8.8.8", "0.0.0.0/0", []uint32{64499}},
		{"::ffff:10.1.2.200", "10.1.2.128/25", []uint32{64505, 64506, 64507}},
		{"2001:db8::1", "2001:db8::/32", []uint32{64510}},
		{"2001:db8:1::1", "2001:db8:1::/48", []uint32{64511, 64512}},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64", []uint32{64513}},
		{"fe80::1%eth0", "", nil},
		{"2001:db8:1:2::1%eth0", "2001:db8:1:2::/64", []uint32{64513}},
		{"2001:db9::1", "", nil},
	} {
		p, o, ok := m.Lookup(netip.MustParseAddr(tc.addr))
		if ok != (tc.prefix != "") {
			t.Errorf("Lookup(%s) ok = %v, want %v", tc.addr, ok, !ok)
			continue
		}
		if !ok {
			continue
		}
		if p != netip.MustParsePrefix(tc.prefix) || !slices.Equal(o.AppendTo(nil), tc.origins) {
			t.Errorf("Lookup(%s) = %v %v, want %s %v", tc.addr, p, o, tc.prefix, tc.origins)
		}
	}
	if _, _, ok := m.Lookup(netip.Addr{}); ok {
		t.Error("Lookup(invalid) matched")
	}
}

func TestOrigins(t *testing.T) {
	var m ipasn.Map
	p := netip.MustParsePrefix("10.0.0.0/8")
	if err := m.Insert(p, 3, 1, 3, 2, 1); err != nil {
		t.Fatal(err)
	}
	_, o, _ := m.Lookup(netip.MustParseAddr("10.9.9.9"))
	if got := o.String(); got != "3_1_2" {
		t.Errorf("String = %q, want 3_1_2 (order kept, repeats dropped)", got)
	}
	if o.Len() != 3 || o.At(1) != 1 || o.First() != 3 || !o.Contains(2) || o.Contains(4) {
		t.Errorf("accessors wrong on %v", o)
	}
	if got := slices.Collect(o.All()); !slices.Equal(got, []uint32{3, 1, 2}) {
		t.Errorf("All = %v", got)
	}
	// The view must not let an append clobber the next prefix's origins.
	if err := m.Insert(netip.MustParsePrefix("11.0.0.0/8"), 7); err != nil {
		t.Fatal(err)
	}
	_ = append(o.AppendTo(nil)[:3], 99)
	_, o2, _ := m.Lookup(netip.MustParseAddr("11.0.0.1"))
	if o2.String() != "7" {
		t.Errorf("second prefix origins = %v, want 7", o2)
	}
	var zero ipasn.Origins
	if zero.Len() != 0 || zero.First() != 0 || zero.String() != "" || !zero.Equal(ipasn.Origins{}) {
		t.Error("zero Origins is not the empty set")
	}
}

func TestInsertErrors(t *testing.T) {
	var m ipasn.Map
	if err := m.Insert(netip.MustParsePrefix("10.0.0.0/8"), 1); err != nil {
		t.Fatal(err)
	}
	many := make([]uint32, 1025)
	for i := range many {
		many[i] = uint32(i + 1)
	}
	for _, tc := range []struct {
		p       netip.Prefix
		origins []uint32
		want    string
	}{
		{netip.Prefix{}, []uint32{1}, "bad prefix"},
		{netip.MustParsePrefix("10.0.0.1/8"), []uint32{1}, "host bits set (want 10.0.0.0/8)"},
		{netip.MustParsePrefix("::ffff:10.0.0.0/104"), []uint32{1}, "IPv4-mapped"},
		{netip.MustParsePrefix("11.0.0.0/8"), nil, "no origin"},
		{netip.MustParsePrefix("11.0.0.0/8"), []uint32{5, 0}, "AS 0"},
		{netip.MustParsePrefix("11.0.0.0/8"), many, "more than 1024"},
		{netip.MustParsePrefix("10.0.0.0/8"), []uint32{2}, "listed twice"},
	} {
		err := m.Insert(tc.p, tc.origins...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Insert(%v, %d origins) = %v, want error containing %q", tc.p, len(tc.origins), err, tc.want)
		}
	}
	if m.Len() != 1 {
		t.Errorf("failed inserts changed the map: Len = %d", m.Len())
	}
	if _, o, _ := m.Lookup(netip.MustParseAddr("10.0.0.1")); o.String() != "1" {
		t.Errorf("failed duplicate insert changed origins to %v", o)
	}
}

func TestZeroMap(t *testing.T) {
	var m ipasn.Map
	if _, _, ok := m.Lookup(netip.MustParseAddr("10.0.0.1")); ok || m.Len() != 0 {
		t.Error("zero Map is not empty")
	}
	var sb strings.Builder
	if n, err := m.WriteTo(&sb); err != nil || n != 0 || sb.Len() != 0 {
		t.Errorf("WriteTo of empty map = %d, %v, %q", n, err, sb.String())
	}
}

func TestWriteTo(t *testing.T) {
	m := mustLoad(t, sample)
	var sb strings.Builder
	n, err := m.WriteTo(&sb)
	if err != nil || n != int64(sb.Len()) {
		t.Fatalf("WriteTo = %d, %v; wrote %d bytes", n, err, sb.Len())
	}
	want := `0.0.0.0	0	64499
10.0.0.0	8	64500
10.1.0.0	16	64501_64502
10.1.2.0	24	64503_64504
10.1.2.128	25	64505_64506_64507
192.0.2.0	24	64496
2001:db8::	32	64510
2001:db8:1::	48	64511_64512
2001:db8:1:2::	64	64513
`
	if sb.String() != want {
		t.Errorf("WriteTo wrote\n%s\nwant\n%s", sb.String(), want)
	}
	if !sameMapping(m, mustLoad(t, sb.String())) {
		t.Error("reloading WriteTo's output gives a different mapping")
	}
}

// sameMapping reports whether a and b map the same prefixes to the same
// origins.
func sameMapping(a, b *ipasn.Map) bool {
	if a.Len() != b.Len() {
		return false
	}
	for p, o := range a.All() {
		o2, ok := b.Get(p)
		if !ok || !o.Equal(o2) {
			return false
		}
	}
	return true
}

func TestLookupAllocs(t *testing.T) {
	m := mustLoad(t, sample)
	addrs := []netip.Addr{
		netip.MustParseAddr("10.1.2.200"),
		netip.MustParseAddr("2001:db8:1:2::1"),
		netip.MustParseAddr("::ffff:10.0.0.1"),
		netip.MustParseAddr("2001:db8:1:2::1%eth0"),
		netip.MustParseAddr("2001:db9::1"),
	}
	for _, a := range addrs {
		if n := testing.AllocsPerRun(100, func() { m.Lookup(a) }); n != 0 {
			t.Errorf("Lookup(%v): %v allocs/op, want 0", a, n)
		}
		if n := testing.AllocsPerRun(100, func() { m.Annotate(a) }); n != 0 {
			t.Errorf("Annotate(%v): %v allocs/op, want 0", a, n)
		}
	}
}

// TestConcurrentLookup runs lookups from several goroutines; with -race it
// checks that a loaded Map is safe for concurrent readers, as documented.
func TestConcurrentLookup(t *testing.T) {
	m := mustLoad(t, sample)
	a := netip.MustParseAddr("10.1.2.200")
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				if p, o, ok := m.Lookup(a); !ok || p.Bits() != 25 || o.First() != 64505 {
					errs <- fmt.Sprint(p, o, ok)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("concurrent Lookup = %s", e)
	}
}

package ipasn_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/revtr/revtr/ipasn"
)

func TestLoadTolerates(t *testing.T) {
	in := "# comment\r\n\r\n   \n\t# indented comment\n10.0.0.0\t8\t1\r\n" +
		"10.1.0.0 16 2\n  10.2.0.0\t\t16\t3  \n"
	m := mustLoad(t, in)
	if m.Len() != 3 {
		t.Fatalf("Len = %d, want 3", m.Len())
	}
	for addr, as := range map[string]uint32{"10.0.0.1": 1, "10.1.0.1": 2, "10.2.0.1": 3} {
		if _, o, _ := m.Lookup(netip.MustParseAddr(addr)); o.First() != as {
			t.Errorf("%s -> %v, want %d", addr, o, as)
		}
	}
	if m := mustLoad(t, ""); m.Len() != 0 {
		t.Errorf("empty input gives %d prefixes", m.Len())
	}
}

func TestLoadErrors(t *testing.T) {
	long := "10.0.0.0\t8\t" + strings.Repeat("1", 70000) + "\n"
	for _, tc := range []struct {
		name, in string
		line     int
		want     string
	}{
		{"two fields", "# ok\n10.0.0.0\t8\n", 2, "2 fields, want 3"},
		{"four fields", "10.0.0.0\t8\t1\t2\n", 1, "4 fields, want 3"},
		{"bad address", "10.0.0\t8\t1\n", 1, "bad prefix address"},
		{"hostname", "example.com\t8\t1\n", 1, "bad prefix address"},
		{"zone", "fe80::%eth0\t10\t1\n", 1, "has a zone"},
		{"mapped", "::ffff:10.0.0.0\t104\t1\n", 1, "IPv4-mapped"},
		{"v4 length", "\n10.0.0.0\t33\t1\n", 2, `length "33": want 0-32 for IPv4`},
		{"v6 length", "2001:db8::\t129\t1\n", 1, `length "129": want 0-128 for IPv6`},
		{"negative length", "10.0.0.0\t-1\t1\n", 1, "bad prefix length"},
		{"length with slash", "10.0.0.0\t/8\t1\n", 1, "bad prefix length"},
		{"host bits", "10.0.0.1\t8\t1\n", 1, "10.0.0.1/8: prefix has host bits set (want 10.0.0.0/8)"},
		{"v6 host bits", "2001:db8::1\t32\t1\n", 1, "host bits set (want 2001:db8::/32)"},
		{"asn text", "10.0.0.0\t8\tAS1\n", 1, `bad AS number "AS1"`},
		{"asn zero", "10.0.0.0\t8\t0\n", 1, "AS 0 cannot originate"},
		{"asn too big", "10.0.0.0\t8\t4294967296\n", 1, "want a decimal in 1-4294967295"},
		{"asn negative", "10.0.0.0\t8\t-5\n", 1, "bad AS number"},
		{"asdot", "10.0.0.0\t8\t1.10\n", 1, "asdot notation"},
		{"empty set member", "10.0.0.0\t8\t1__2\n", 1, "bad AS number: empty"},
		{"trailing separator", "10.0.0.0\t8\t1,\n", 1, "bad AS number: empty"},
		{"many origins", "10.0.0.0\t8\t" + strings.Repeat("7_", 1024) + "7\n", 1, "more than 1024"},
		{"duplicate", "10.0.0.0\t8\t1\n10.0.0.0\t8\t1_2\n", 2, "listed twice"},
		{"too long", "10.0.0.0\t8\t1\n" + long, 2, "longer than 65536 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ipasn.Load(strings.NewReader(tc.in))
			if m != nil {
				t.Error("Load returned a Map along with an error")
			}
			var pe *ipasn.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if pe.Line != tc.line || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v (line %d), want line %d and %q", err, pe.Line, tc.line, tc.want)
			}
		})
	}
}

func gz(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestLoadGzip(t *testing.T) {
	plain := mustLoad(t, sample)
	m, err := ipasn.Load(bytes.NewReader(gz(t, sample)))
	if err != nil {
		t.Fatal(err)
	}
	if !sameMapping(plain, m) {
		t.Error("gzip input loads differently from plain input")
	}
	// A one-byte reader must still let Load see both magic bytes.
	m, err = ipasn.Load(iotest.OneByteReader(bytes.NewReader(gz(t, sample))))
	if err != nil || !sameMapping(plain, m) {
		t.Errorf("one-byte gzip reader: %v", err)
	}
	// An error in the compressed data names the line it cut short.
	bad := gz(t, sample)
	bad[len(bad)-6] ^= 0xff // corrupt the trailer's length
	_, err = ipasn.Load(bytes.NewReader(bad))
	if !errors.Is(err, gzip.ErrChecksum) || !strings.Contains(err.Error(), "after line 11") {
		t.Errorf("corrupt gzip: err = %v, want gzip.ErrChecksum after line 11", err)
	}
	var pe *ipasn.ParseError
	// A bad line inside gzip input is reported like in plain input.
	_, err = ipasn.Load(bytes.NewReader(gz(t, "10.0.0.0\t8\t1\nbad\n")))
	if !errors.As(err, &pe) || pe.Line != 2 {
		t.Errorf("bad line in gzip: err = %v, want line 2", err)
	}
	// Only the magic bytes switch to gzip: a truncated header is an error.
	_, err = ipasn.Load(bytes.NewReader([]byte{0x1f, 0x8b, 8}))
	if err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Errorf("truncated gzip header: err = %v", err)
	}
}

func TestLoadFiles(t *testing.T) {
	v4 := "10.0.0.0\t8\t1\n"
	v6 := "2001:db8::\t32\t2\n"
	m, err := ipasn.Load(strings.NewReader(v4), bytes.NewReader(gz(t, v6)))
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 2 {
		t.Errorf("Len = %d, want 2", m.Len())
	}
	_, err = ipasn.Load(strings.NewReader(v4), strings.NewReader(v6), strings.NewReader(v4))
	var pe *ipasn.ParseError
	if !errors.As(err, &pe) || pe.File != 2 || pe.Line != 1 || !strings.Contains(err.Error(), "listed twice") {
		t.Errorf("duplicate across files: err = %v, want file 2 line 1 listed twice", err)
	}
	_, err = ipasn.Load(iotest.ErrReader(errors.New("disk on fire")))
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("reader error: err = %v", err)
	}
}

// TestLoadRealExcerpt loads lines taken verbatim from a CAIDA RouteViews
// IPv6 pfx2as file: MOAS, AS sets, a /128 and nested /32-/33 prefixes.
func TestLoadRealExcerpt(t *testing.T) {
	f, err := os.Open("testdata/routeviews-v6-excerpt.pfx2as")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := ipasn.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 15 {
		t.Errorf("Len = %d, want 15", m.Len())
	}
	for _, tc := range []struct{ addr, prefix, origins string }{
		{"2001::1", "2001::/32", "6939_1101_25192"},
		{"2001:254::1", "2001:254::/33", "24489"},
		{"2001:254:8000::1", "2001:254:8000::/33", "24490"},
		{"2001:410:ffff::1", "2001:410::/32", "271_7860_8111"},
		{"2001:418::13:253", "2001:418::13:253/128", "3940"},
		{"2001:418::13:254", "2001:418::/32", "2914"},
		{"2001:428:f000::1", "2001:428:f000::/36", "3908_209"},
		{"2001:500:120::1", "2001:500:120::/48", "396549_397197_396544_10515_20362_36630_397199_397202_397212_396542_396546_396555"},
	} {
		p, o, ok := m.Lookup(netip.MustParseAddr(tc.addr))
		if !ok || p.String() != tc.prefix || o.String() != tc.origins {
			t.Errorf("Lookup(%s) = %v %v %v, want %s %s", tc.addr, p, o, ok, tc.prefix, tc.origins)
		}
	}
}

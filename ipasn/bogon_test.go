package ipasn_test

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/revtr/revtr/ipasn"
)

// labAllow is the lab's own address space (topo.ReservedPrefixes).
var labAllow = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("2001:db8::/32"),
}

func TestBogons(t *testing.T) {
	strict, err := ipasn.NewBogons()
	if err != nil {
		t.Fatal(err)
	}
	lab, err := ipasn.NewBogons(labAllow...)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		addr       string
		strict     string // the range the strict list names; "" means not a bogon
		labIsBogon bool
	}{
		{"0.1.2.3", "0.0.0.0/8", true},
		{"10.1.2.3", "10.0.0.0/8", false},
		{"100.64.0.1", "100.64.0.0/10", false},
		{"100.127.255.255", "100.64.0.0/10", false},
		{"100.128.0.1", "", false},
		{"127.0.0.1", "127.0.0.0/8", true},
		{"169.254.1.1", "169.254.0.0/16", true},
		{"172.16.0.1", "172.16.0.0/12", true},
		{"172.32.0.1", "", false},
		{"192.0.0.9", "192.0.0.0/24", true},
		{"192.0.2.1", "192.0.2.0/24", true},
		{"192.168.1.1", "192.168.0.0/16", true},
		{"198.18.0.1", "198.18.0.0/15", false},
		{"198.19.255.255", "198.18.0.0/15", false},
		{"198.20.0.1", "", false},
		{"198.51.100.7", "198.51.100.0/24", true},
		{"203.0.113.7", "203.0.113.0/24", true},
		{"224.0.0.1", "224.0.0.0/4", true},
		{"239.255.255.255", "224.0.0.0/4", true},
		{"240.0.0.1", "240.0.0.0/4", true},
		{"255.255.255.255", "255.255.255.255/32", true},
		{"8.8.8.8", "", false},
		{"::", "::/128", true},
		{"::1", "::1/128", true},
		{"::2", "", false},
		{"::ffff:8.8.8.8", "::ffff:0:0/96", true},
		{"::ffff:10.0.0.1", "::ffff:0:0/96", true},
		{"64:ff9b::808:808", "64:ff9b::/96", true},
		{"100::1", "100::/64", true},
		{"2001:1::1", "2001::/23", true},
		{"2001:200::1", "", false},
		{"2001:db8::1", "2001:db8::/32", false},
		{"2001:db8:ffff::1", "2001:db8::/32", false},
		{"3fff::1", "3fff::/20", true},
		{"fc00::1", "fc00::/7", true},
		{"fd12:3456::1", "fc00::/7", true},
		{"fe80::1", "fe80::/10", true},
		{"fe80::1%eth0", "fe80::/10", true},
		{"ff02::1", "ff00::/8", true},
		{"2606:4700::1111", "", false},
		{"2001:db8::1%eth0", "2001:db8::/32", false},
	} {
		a := netip.MustParseAddr(tc.addr)
		if got := strict.IsBogon(a); got != (tc.strict != "") {
			t.Errorf("strict IsBogon(%s) = %v", tc.addr, got)
		}
		if got := lab.IsBogon(a); got != tc.labIsBogon {
			t.Errorf("lab IsBogon(%s) = %v, want %v", tc.addr, got, tc.labIsBogon)
		}
		err := strict.Check(a)
		var be *ipasn.BogonError
		if tc.strict == "" {
			if err != nil {
				t.Errorf("strict Check(%s) = %v, want nil", tc.addr, err)
			}
			continue
		}
		if !errors.As(err, &be) || !errors.Is(err, ipasn.ErrBogon) ||
			be.Range.Prefix != netip.MustParsePrefix(tc.strict) || be.Addr != a {
			t.Errorf("strict Check(%s) = %#v, want a BogonError naming %s", tc.addr, err, tc.strict)
		}
		if err := lab.Check(a); (err != nil) != tc.labIsBogon {
			t.Errorf("lab Check(%s) = %v, want bogon %v", tc.addr, err, tc.labIsBogon)
		}
	}
}

func TestBogonEdges(t *testing.T) {
	lab, err := ipasn.NewBogons(labAllow...)
	if err != nil {
		t.Fatal(err)
	}
	if got := lab.Allowed(); fmt.Sprint(got) != fmt.Sprint(labAllow) {
		t.Errorf("Allowed = %v, want %v", got, labAllow)
	}
	err = lab.Check(netip.Addr{})
	if !errors.Is(err, ipasn.ErrBogon) || !strings.Contains(err.Error(), "not a valid IP address") {
		t.Errorf("Check(invalid) = %v", err)
	}
	err = lab.Check(netip.MustParseAddr("192.168.1.1"))
	want := "bogon address 192.168.1.1: in 192.168.0.0/16 (Private-Use, RFC 1918), not in the allow-list"
	if err == nil || err.Error() != want {
		t.Errorf("Check(192.168.1.1) = %v, want %q", err, want)
	}
	var zero ipasn.Bogons // fails closed
	if !zero.IsBogon(netip.MustParseAddr("8.8.8.8")) {
		t.Error("zero Bogons lets 8.8.8.8 through")
	}
	if err := zero.Check(netip.MustParseAddr("8.8.8.8")); err == nil || !strings.Contains(err.Error(), "NewBogons") {
		t.Errorf("zero Bogons Check = %v", err)
	}
	for _, p := range []netip.Prefix{{}, netip.MustParsePrefix("10.0.0.1/8"), netip.MustParsePrefix("::ffff:10.0.0.0/104")} {
		if _, err := ipasn.NewBogons(p); err == nil || !strings.Contains(err.Error(), "allow-list") {
			t.Errorf("NewBogons(%v) = %v, want an allow-list error", p, err)
		}
	}
	a := netip.MustParseAddr("192.168.1.1")
	if n := testing.AllocsPerRun(100, func() { lab.IsBogon(a) }); n != 0 {
		t.Errorf("IsBogon: %v allocs/op", n)
	}
}

// TestSpecialPurpose checks the list itself: valid masked prefixes, named,
// no range listed twice, and a fresh slice per call.
func TestSpecialPurpose(t *testing.T) {
	list := ipasn.SpecialPurpose()
	seen := map[netip.Prefix]bool{}
	for _, s := range list {
		if !s.Prefix.IsValid() || s.Prefix.Masked() != s.Prefix || s.Name == "" || !strings.HasPrefix(s.RFC, "RFC ") {
			t.Errorf("bad entry %v", s)
		}
		if seen[s.Prefix] {
			t.Errorf("%v listed twice", s.Prefix)
		}
		seen[s.Prefix] = true
	}
	list[0].Name = "changed"
	if ipasn.SpecialPurpose()[0].Name == "changed" {
		t.Error("SpecialPurpose shares its slice between calls")
	}
	b, err := ipasn.NewBogons()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ipasn.SpecialPurpose() {
		if !b.IsBogon(s.Prefix.Addr()) || !b.IsBogon(lastAddr(s.Prefix)) {
			t.Errorf("ends of %v are not bogons", s)
		}
	}
}

package lab

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

// The plans are pure: these run without root.

func sysctlMap(ss []sysctl) map[string]string {
	m := map[string]string{}
	for _, s := range ss {
		m[s.path] = s.value
	}
	return m
}

func TestNamespaceSysctls(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    topo.Node
		want map[string]string
	}{
		{"router", topo.Node{Kind: topo.Router}, map[string]string{
			"ipv4/conf/all/forwarding": "1", "ipv6/conf/all/forwarding": "1",
			"ipv4/conf/all/rp_filter": "0", "ipv4/icmp_errors_use_inbound_ifaddr": "1",
			"ipv4/icmp_ratelimit": "0", "ipv4/icmp_ratemask": "0", "ipv6/icmp/ratelimit": "0", "ipv6/icmp/ratemask": "",
			"ipv4/icmp_echo_ignore_all": "0",
		}},
		{"rate-limited router", topo.Node{Kind: topo.Router, Behaviour: topo.Behaviour{ICMPRateLimitMS: 500}}, map[string]string{
			"ipv4/icmp_ratelimit": "500", "ipv4/icmp_ratemask": "6168", "ipv6/icmp/ratelimit": "500",
		}},
		{"silent host", topo.Node{Kind: topo.Host, Role: topo.HostRole{NoEcho: true}}, map[string]string{
			"ipv4/conf/all/forwarding": "0", "ipv6/conf/all/forwarding": "0",
			"ipv4/icmp_echo_ignore_all": "1", "ipv6/icmp/echo_ignore_all": "1", "ipv4/icmp_ratemask": "0",
		}},
	} {
		got := sysctlMap(nsSysctls(&tc.n))
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", tc.name, k, got[k], v)
			}
		}
	}
}

func TestStrictRPFilterFacesNonSpoofingVP(t *testing.T) {
	tp, err := topotest.MultiAS()
	if err != nil {
		t.Fatal(err)
	}
	var strict []string
	for i := range tp.Nodes {
		n := &tp.Nodes[i]
		for _, s := range ifaceSysctls(tp, n) {
			strict = append(strict, n.Name+":"+s.path+"="+s.value)
		}
	}
	// he (h3, may not spoof) hangs off u2 (r7); hw (h2) may spoof.
	u2 := node(t, tp, "r7")
	h3 := node(t, tp, "h3")
	want := "r7:ipv4/conf/" + u2.Ifaces[h3.Ifaces[0].Peer.Iface].Name + "/rp_filter=1"
	if len(strict) != 1 || strict[0] != want {
		t.Errorf("strict rp_filter on %v, want only %s", strict, want)
	}
}

// TestRoutePlanCoveredRoutes: bucket tables also hold the routes and
// connected subnets inside an ECMP prefix, or those would follow the ECMP
// route instead of the longest match.
func TestRoutePlanCoveredRoutes(t *testing.T) {
	n := &topo.Node{
		Name: "r",
		Ifaces: []topo.Iface{
			{Name: "e0", Addr: netip.MustParsePrefix("10.0.0.0/31")},
			{Name: "e1", Addr: netip.MustParsePrefix("10.0.0.2/31")},
			{Name: "e2", Addr: netip.MustParsePrefix("10.9.0.8/31")}, // inside the ECMP /24
		},
		Routes: []topo.Route{
			{Dst: netip.MustParsePrefix("10.9.0.0/24"), NextHops: []topo.NextHop{
				{Iface: 0, Gateway: netip.MustParseAddr("10.0.0.1")}, {Iface: 1, Gateway: netip.MustParseAddr("10.0.0.3")}}},
			{Dst: netip.MustParsePrefix("10.9.0.4/31"), NextHops: []topo.NextHop{{Iface: 1, Gateway: netip.MustParseAddr("10.0.0.3")}}},
			{Dst: netip.MustParsePrefix("10.8.0.0/24"), NextHops: []topo.NextHop{{Iface: 0, Gateway: netip.MustParseAddr("10.0.0.1")}}},
		},
	}
	rs, _, _ := routePlan(n)
	perTable := map[int][]string{}
	for _, r := range rs {
		perTable[r.table] = append(perTable[r.table], r.dst.String()+"@"+n.Ifaces[r.iface].Name)
	}
	for k := 1; k <= topo.ECMPSlots; k++ {
		want := []string{"10.9.0.0/24@" + []string{"e0", "e1"}[(k-1)%2], "10.9.0.4/31@e1", "10.9.0.8/31@e2"}
		if got := perTable[ecmpTableBase+k]; !slices.Equal(got, want) {
			t.Errorf("table %d: %v, want %v (10.8.0.0/24 is not covered)", ecmpTableBase+k, got, want)
		}
	}
}

func TestRoutePlanECMPTables(t *testing.T) {
	gw := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	n := &topo.Node{
		Name: "r",
		Ifaces: []topo.Iface{
			{Name: "e0", Addr: netip.MustParsePrefix("10.0.0.0/31")},
			{Name: "e1", Addr: netip.MustParsePrefix("10.0.0.2/31")},
		},
		Routes: []topo.Route{
			{Dst: netip.MustParsePrefix("10.0.0.0/31"), NextHops: []topo.NextHop{{Iface: 0}}}, // connected
			{Dst: netip.MustParsePrefix("10.9.0.0/24"), NextHops: []topo.NextHop{{Iface: 0, Gateway: gw("10.0.0.1")}, {Iface: 1, Gateway: gw("10.0.0.3")}}},
		},
	}
	rs, e4, e6 := routePlan(n)
	if !e4 || e6 {
		t.Errorf("ECMP families: v4 %v v6 %v, want v4 only", e4, e6)
	}
	if len(rs) != 1+topo.ECMPSlots {
		t.Fatalf("%d kernel routes, want %d (connected route left to the kernel)", len(rs), 1+topo.ECMPSlots)
	}
	if rs[0].table != mainTable || rs[0].iface != 0 {
		t.Errorf("main table route %+v, want next hop 0", rs[0])
	}
	for k := 1; k <= topo.ECMPSlots; k++ {
		r := rs[k]
		if r.table != ecmpTableBase+k || r.iface != (k-1)%2 {
			t.Errorf("bucket %d: table %d iface %d, want table %d iface %d", k, r.table, r.iface, ecmpTableBase+k, (k-1)%2)
		}
	}
}

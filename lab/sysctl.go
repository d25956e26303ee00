package lab

import (
	"fmt"
	"os"
	"strconv"

	"github.com/revtr/revtr/topo"
)

// sysctl is one kernel setting of a namespace, by its path under
// /proc/sys/net.
type sysctl struct {
	path, value string
}

// icmpRatemaskDefault is the kernel's default IPv4 icmp_ratemask:
// destination unreachable, source quench, time exceeded, parameter problem.
const icmpRatemaskDefault = "6168"

// icmp6RatemaskDefault is the kernel's default IPv6 icmp ratemask.
const icmp6RatemaskDefault = "0-1,3-127"

// nsSysctls returns the namespace-wide settings of node n. Every value is
// set explicitly: a new namespace's defaults (forwarding off, 1000 ms ICMP
// rate limit) are not what a lab router wants. They are written before the
// node's interfaces exist, so the "default" entries reach every interface.
func nsSysctls(n *topo.Node) []sysctl {
	fwd := b01(n.Kind == topo.Router)
	rl := n.Behaviour.ICMPRateLimitMS
	mask, mask6 := "0", "" // no global limiter either (see docs/lab.md)
	if rl > 0 {
		mask, mask6 = icmpRatemaskDefault, icmp6RatemaskDefault
	}
	echoOff := b01(n.Kind == topo.Host && n.Role.NoEcho)
	return []sysctl{
		{"ipv4/conf/all/forwarding", fwd},
		{"ipv4/conf/default/forwarding", fwd},
		{"ipv6/conf/all/forwarding", fwd},
		{"ipv6/conf/default/forwarding", fwd},
		{"ipv4/conf/all/rp_filter", "0"},
		{"ipv4/conf/default/rp_filter", "0"},
		{"ipv4/conf/all/send_redirects", "0"},
		{"ipv4/conf/default/send_redirects", "0"},
		// Link-local addresses must not be tentative: neighbour
		// discovery for forwarded packets needs one.
		{"ipv6/conf/all/accept_dad", "0"},
		{"ipv6/conf/default/accept_dad", "0"},
		// No router discovery traffic: routes come from the topology.
		{"ipv6/conf/all/accept_ra", "0"},
		{"ipv6/conf/default/accept_ra", "0"},
		{"ipv6/conf/all/router_solicitations", "0"},
		{"ipv6/conf/default/router_solicitations", "0"},
		{"ipv4/icmp_errors_use_inbound_ifaddr", "1"},
		{"ipv4/icmp_ratelimit", strconv.Itoa(rl)},
		{"ipv4/icmp_ratemask", mask},
		{"ipv6/icmp/ratelimit", strconv.Itoa(rl)},
		{"ipv6/icmp/ratemask", mask6},
		{"ipv4/icmp_echo_ignore_all", echoOff},
		{"ipv6/icmp/echo_ignore_all", echoOff},
	}
}

// ifaceSysctls returns the per-interface settings of node n that differ
// from the namespace defaults: strict reverse-path filtering on a router's
// interfaces that face a vantage point which may not spoof (only the first
// router after the vantage point decides whether a spoofed packet passes).
func ifaceSysctls(t *topo.Topology, n *topo.Node) []sysctl {
	if n.Kind != topo.Router {
		return nil
	}
	var out []sysctl
	for _, ifc := range n.Ifaces {
		peer := &t.Nodes[ifc.Peer.Node]
		if peer.Kind == topo.Host && peer.Role.VantagePoint && !peer.Role.CanSpoof {
			out = append(out, sysctl{"ipv4/conf/" + ifc.Name + "/rp_filter", "1"})
		}
	}
	return out
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// writeSysctls writes settings through /proc/sys, which shows the network
// namespace of the calling thread: call it on a locked thread inside the
// node's namespace.
func writeSysctls(ss []sysctl) error {
	for _, s := range ss {
		if err := os.WriteFile("/proc/sys/net/"+s.path, []byte(s.value+"\n"), 0); err != nil {
			return fmt.Errorf("sysctl net/%s=%q: %w", s.path, s.value, err)
		}
	}
	return nil
}

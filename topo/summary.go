package topo

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Summary counts what a topology holds and describes its host-to-host
// paths.
type Summary struct {
	ASes          int
	ASesByTier    map[int]int
	Routers       int
	Hosts         int
	Links         int
	InterASLinks  int
	Routes        int // forwarding entries over all nodes
	ECMPRoutes    int // entries with more than one next hop
	NoRRStamp     int // routers by behaviour
	DropOptions   int
	NoTimeExcd    int
	RateLimited   int
	Sources       int // hosts by role
	VantagePoints int
	Spoofers      int
	Destinations  int
	NoEcho        int
	DstDropOpts   int
	Responders    int
	Paths         PathStats
}

// PathStats describes the IPv4 ICMP paths between every ordered pair of
// hosts, in router hops.
type PathStats struct {
	Pairs        int
	Unroutable   int
	MinHops      int
	MaxHops      int
	MeanHops     float64
	Long         int // pairs with 10 or more router hops
	AsymRouter   int // pairs whose reverse path is not the forward one reversed
	AsymAS       int // pairs whose reverse AS path is not the forward one reversed
	ECMPBranched int // pairs whose forward path crosses an ECMP route
}

// LongPathHops is the router-hop count from which a path counts as long:
// with the end hosts' own stamps, a Record Route option has no slot left
// for the reverse path.
const LongPathHops = 10

// Summarize counts the topology's contents and walks every host pair.
func (t *Topology) Summarize() Summary {
	s := Summary{ASes: len(t.ASes), ASesByTier: make(map[int]int), Links: len(t.Links)}
	for _, as := range t.ASes {
		s.ASesByTier[as.Tier]++
	}
	for _, l := range t.Links {
		if l.InterAS {
			s.InterASLinks++
		}
	}
	for _, n := range t.Nodes {
		s.countNode(n)
	}
	s.Paths = t.pathStats()
	return s
}

func (s *Summary) countNode(n Node) {
	s.Routes += len(n.Routes)
	for _, r := range n.Routes {
		if len(r.NextHops) > 1 {
			s.ECMPRoutes++
		}
	}
	if n.Kind == Router {
		s.Routers++
		b := n.Behaviour
		s.NoRRStamp += b2i(b.NoRRStamp)
		s.DropOptions += b2i(b.DropOptions)
		s.NoTimeExcd += b2i(b.NoTimeExceeded)
		s.RateLimited += b2i(b.ICMPRateLimitMS > 0)
		return
	}
	s.Hosts++
	r := n.Role
	s.Sources += b2i(r.Source)
	s.VantagePoints += b2i(r.VantagePoint)
	s.Spoofers += b2i(r.VantagePoint && r.CanSpoof)
	s.Destinations += b2i(r.Destination)
	s.NoEcho += b2i(r.NoEcho)
	s.DstDropOpts += b2i(r.DropOptions)
	s.Responders += b2i(r.Responder)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Hosts returns the IDs of all hosts, in ID order.
func (t *Topology) Hosts() []NodeID { return t.ofKind(Host) }

// Routers returns the IDs of all routers, in ID order.
func (t *Topology) Routers() []NodeID { return t.ofKind(Router) }

func (t *Topology) ofKind(k Kind) []NodeID {
	var ns []NodeID
	for _, n := range t.Nodes {
		if n.Kind == k {
			ns = append(ns, n.ID)
		}
	}
	return ns
}

func (t *Topology) pathStats() PathStats {
	ps := PathStats{MinHops: -1}
	total := 0
	hs := t.Hosts()
	for _, a := range hs {
		for _, b := range hs {
			if a == b {
				continue
			}
			ps.Pairs++
			k := FlowKey{Src: t.HostAddr(a, false), Dst: t.HostAddr(b, false)} // ICMP
			fwd, err1 := t.Path(a, k)
			rev, err2 := t.Path(b, k.Reverse())
			if err1 != nil || err2 != nil {
				ps.Unroutable++
				continue
			}
			hops := len(fwd) - 2
			total += hops
			if ps.MinHops < 0 || hops < ps.MinHops {
				ps.MinHops = hops
			}
			ps.MaxHops = max(ps.MaxHops, hops)
			ps.Long += b2i(hops >= LongPathHops)
			ps.AsymRouter += b2i(!slices.Equal(fwd.Nodes(), reversed(rev.Nodes())))
			ps.AsymAS += b2i(!slices.Equal(t.ASPath(fwd), reversed(t.ASPath(rev))))
			ps.ECMPBranched += b2i(t.crossesECMP(fwd, k))
		}
	}
	if n := ps.Pairs - ps.Unroutable; n > 0 {
		ps.MeanHops = float64(total) / float64(n)
	}
	ps.MinHops = max(ps.MinHops, 0)
	return ps
}

// crossesECMP reports whether a forwarded packet of flow k meets an ECMP
// route on path p.
func (t *Topology) crossesECMP(p Path, k FlowKey) bool {
	for _, h := range p[1 : len(p)-1] {
		if r, ok := t.Lookup(h.Node, k.Dst); ok && len(r.NextHops) > 1 {
			return true
		}
	}
	return false
}

func reversed[T any](s []T) []T {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

// String renders the summary for people, one topic per line.
func (s Summary) String() string {
	var b strings.Builder
	tiers := make([]string, 0, len(s.ASesByTier))
	for _, tier := range slices.Sorted(maps.Keys(s.ASesByTier)) {
		tiers = append(tiers, fmt.Sprintf("tier %d: %d", tier, s.ASesByTier[tier]))
	}
	fmt.Fprintf(&b, "ASes        %d (%s)\n", s.ASes, strings.Join(tiers, ", "))
	fmt.Fprintf(&b, "routers     %d: %d no RR stamp, %d drop options, %d no time exceeded, %d ICMP rate-limited\n",
		s.Routers, s.NoRRStamp, s.DropOptions, s.NoTimeExcd, s.RateLimited)
	fmt.Fprintf(&b, "hosts       %d: %d sources, %d vantage points (%d may spoof), %d destinations (%d no echo, %d drop options, %d responders)\n",
		s.Hosts, s.Sources, s.VantagePoints, s.Spoofers, s.Destinations, s.NoEcho, s.DstDropOpts, s.Responders)
	fmt.Fprintf(&b, "links       %d (%d between ASes)\n", s.Links, s.InterASLinks)
	fmt.Fprintf(&b, "routes      %d (%d ECMP)\n", s.Routes, s.ECMPRoutes)
	p := s.Paths
	fmt.Fprintf(&b, "host pairs  %d: router hops %d–%d (mean %.1f), %d with ≥ %d hops, %d unroutable\n",
		p.Pairs, p.MinHops, p.MaxHops, p.MeanHops, p.Long, LongPathHops, p.Unroutable)
	fmt.Fprintf(&b, "asymmetry   %d pairs at router level, %d at AS level; %d pairs cross ECMP\n",
		p.AsymRouter, p.AsymAS, p.ECMPBranched)
	return b.String()
}

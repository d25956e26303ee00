package vpsel

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
)

// SurveyProbe is one vantage point's Record Route ping (sent with its own
// address) to one prefix's survey target: where it entered the prefix and
// how many stamps before that.
type SurveyProbe struct {
	VP, Target netip.Addr
	InRange    bool       // the target's stamp is in the reply
	Ingress    netip.Addr // first stamp inside the target's prefix (the target if none)
	Distance   int        // stamps before the ingress
	Stamps     int        // stamps before the target's own
}

// SurveyOne reads one survey ping.
func SurveyOne(rr meas.RRPing, prefix PrefixOf) SurveyProbe {
	pre := prefix(rr.Dst)
	sp := SurveyProbe{VP: rr.Src, Target: rr.Dst}
	fwd, _, ok := meas.SplitRecorded(rr.Recorded, rr.Dst)
	if !rr.Replied || !ok {
		return sp
	}
	sp.InRange, sp.Ingress, sp.Distance, sp.Stamps = true, rr.Dst, len(fwd), len(fwd)
	for i, a := range fwd {
		if pre.Contains(a) {
			sp.Ingress, sp.Distance = a, i
			break
		}
	}
	return sp
}

// IngressCover is the reference engine's ranking: per surveyed prefix, one
// vantage point per ingress (closest to it first), ingresses in greedy
// cover order (most vantage points first), then the other vantage points
// of each ingress, then a global ranking by how many prefixes a vantage
// point got within range of. It does not learn. Safe for concurrent use.
type IngressCover struct {
	prefix  PrefixOf
	ranks   map[netip.Prefix][]netip.Addr
	ingress map[netip.Prefix]map[netip.Addr]netip.Addr // per prefix: vantage point → ingress
	global  []netip.Addr
}

// NewIngressCover builds the ranking from a survey over vps.
func NewIngressCover(vps []netip.Addr, survey []SurveyProbe, prefix PrefixOf) *IngressCover {
	if prefix == nil {
		prefix = Slash24
	}
	ic := &IngressCover{prefix: prefix, ranks: make(map[netip.Prefix][]netip.Addr),
		ingress: make(map[netip.Prefix]map[netip.Addr]netip.Addr)}
	byPrefix := make(map[netip.Prefix][]SurveyProbe)
	hits := make(map[netip.Addr]int)
	for _, sp := range survey {
		if sp.InRange {
			byPrefix[prefix(sp.Target)] = append(byPrefix[prefix(sp.Target)], sp)
			hits[sp.VP]++
		}
	}
	ic.global = slices.Clone(vps)
	slices.SortStableFunc(ic.global, func(a, b netip.Addr) int { return cmp.Compare(hits[b], hits[a]) })
	for p, sps := range byPrefix {
		ic.ranks[p] = cover(sps)
		ic.ingress[p] = ingresses(sps)
	}
	return ic
}

// ingresses maps each vantage point to the ingress its first in-range
// survey probe into the prefix entered by.
func ingresses(sps []SurveyProbe) map[netip.Addr]netip.Addr {
	m := make(map[netip.Addr]netip.Addr, len(sps))
	for _, sp := range sps {
		if _, ok := m[sp.VP]; !ok {
			m[sp.VP] = sp.Ingress
		}
	}
	return m
}

// Ingress returns the ingress through which vp's survey probe entered
// target's prefix (revtr.Ingresser); ok is false for vantage points the
// survey did not see within range of it.
func (ic *IngressCover) Ingress(target, vp netip.Addr) (netip.Addr, bool) {
	in, ok := ic.ingress[ic.prefix(target)][vp]
	return in, ok
}

// cover orders a prefix's in-range vantage points: ingresses by how many
// vantage points enter through them, each ingress's vantage points by
// distance, then round by round one per ingress.
func cover(sps []SurveyProbe) []netip.Addr {
	groups := make(map[netip.Addr][]SurveyProbe)
	var ingresses []netip.Addr
	for _, sp := range sps {
		if _, ok := groups[sp.Ingress]; !ok {
			ingresses = append(ingresses, sp.Ingress)
		}
		groups[sp.Ingress] = append(groups[sp.Ingress], sp)
	}
	slices.SortStableFunc(ingresses, func(a, b netip.Addr) int { return cmp.Compare(len(groups[b]), len(groups[a])) })
	for _, g := range groups {
		slices.SortStableFunc(g, func(a, b SurveyProbe) int { return cmp.Compare(a.Distance, b.Distance) })
	}
	var out []netip.Addr
	for k := 0; ; k++ {
		added := false
		for _, in := range ingresses {
			if g := groups[in]; k < len(g) {
				out, added = append(out, g[k].VP), true
			}
		}
		if !added {
			return out
		}
	}
}

// Rank returns the prefix's cover order padded with the global ranking.
func (ic *IngressCover) Rank(src, target netip.Addr) []netip.Addr {
	r := ic.ranks[ic.prefix(target)]
	out := make([]netip.Addr, 0, len(ic.global))
	seen := make(map[netip.Addr]bool, len(ic.global))
	for _, l := range [][]netip.Addr{r, ic.global} {
		for _, vp := range l {
			if !seen[vp] && vp != src {
				seen[vp] = true
				out = append(out, vp)
			}
		}
	}
	return out
}

// SkipSource is always false: the reference always tries the source first.
func (ic *IngressCover) SkipSource(src, target netip.Addr) bool { return false }

// Observe does nothing: the reference ranking is static.
func (ic *IngressCover) Observe(revtr.Observation) {}

// Package mdatest holds ECMP diamonds of several shapes for multipath
// tests, as topologies the lab and the simulator both realise, and their
// ground truth: the interfaces and links a multipath traceroute should
// find, a check of a result against it, and what the stopping rule spends
// on them when every hop is counted as a whole.
package mdatest

import (
	"fmt"
	"math"
	"net/netip"
	"slices"

	"github.com/revtr/revtr/mda"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// Shape is a load-balanced network between two routers: sources attach to
// router 0, destinations to the last router. Every link costs the same, so
// the routers split flows over the equal-cost paths.
type Shape struct {
	Name    string
	Routers int
	Links   [][2]int // router indices
}

// Shapes are the diamonds multipath tests and benchmarks run on:
//
//	diamond2  r0 ={r1,r2}= r3                      two branches at the first hop
//	diamond4  r0 ={r1..r4}= r5                     four branches
//	series    r0 – r1 ={r2,r3}= r4 ={r5,r6,r7}= r8  a diamond after a diamond, the second meshed
//	nested    r0 – r1 ={r2 ={r4,r5,r6}= r8, r3 – r7 – r8}  one branch splits again
//	meshed    r0 ={r1,r2}= {r3,r4,r5} = r6         every second-layer router reaches every third
//
// Routers answer from the interface a probe came in on, so a router that
// branches merge at shows one address per branch.
var Shapes = []Shape{
	{"diamond2", 4, [][2]int{{0, 1}, {0, 2}, {1, 3}, {2, 3}}},
	{"diamond4", 6, [][2]int{{0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, 5}, {2, 5}, {3, 5}, {4, 5}}},
	{"series", 9, [][2]int{{0, 1}, {1, 2}, {1, 3}, {2, 4}, {3, 4}, {4, 5}, {4, 6}, {4, 7}, {5, 8}, {6, 8}, {7, 8}}},
	{"nested", 9, [][2]int{{0, 1}, {1, 2}, {1, 3}, {2, 4}, {2, 5}, {2, 6}, {4, 8}, {5, 8}, {6, 8}, {3, 7}, {7, 8}}},
	{"meshed", 7, [][2]int{{0, 1}, {0, 2}, {1, 3}, {1, 4}, {1, 5}, {2, 3}, {2, 4}, {2, 5}, {3, 6}, {4, 6}, {5, 6}}},
}

// Topology builds s with sources hosts on router 0 (h0, h1, ...) and
// destinations hosts on the last router (named after the sources). The
// seed sets the ECMP hash, and so which flows take which branch.
func (s Shape) Topology(seed int64, sources, destinations int) (*topo.Topology, error) {
	b := topo.NewBuilder(seed)
	b.AddAS(topo.FirstASN, 1)
	r := make([]topo.NodeID, s.Routers)
	for i := range r {
		r[i] = b.AddRouter(topo.FirstASN)
	}
	for _, l := range s.Links {
		b.Link(r[l[0]], r[l[1]])
	}
	for range sources {
		b.AddHost(r[0], topo.HostRole{Source: true})
	}
	for range destinations {
		b.AddHost(r[len(r)-1], topo.HostRole{Destination: true})
	}
	tp, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("shape %s: %w", s.Name, err)
	}
	return tp, nil
}

// maxTruthFlows bounds the flows the ground truth follows.
const maxTruthFlows = 1024

// Truth is what a multipath traceroute from one host to another should
// find: every interface at its TTL and every link, as the ground-truth
// paths of flows FlowBase, FlowBase+1, ... show them: flows until every
// ECMP hash bucket had one (a router's choice depends on the bucket only).
type Truth struct {
	Interfaces map[meas.Interface]bool
	Links      map[meas.MPLink]bool
	Dst        netip.Addr
}

// TruthOf returns the truth of a multipath traceroute of proto from src to
// dst on tp.
func TruthOf(tp *topo.Topology, src, dst netip.Addr, proto meas.Proto) (Truth, error) {
	tr := Truth{Interfaces: make(map[meas.Interface]bool), Links: make(map[meas.MPLink]bool), Dst: dst}
	buckets := make(map[int]bool)
	for i := 0; i < maxTruthFlows && len(buckets) < topo.ECMPSlots; i++ {
		k := topo.FlowKey{Src: src, Dst: dst, Flow: meas.Flow{Proto: proto, ID: uint16(meas.MultipathFlowBase + i)}}
		if b := tp.ECMPBucket(k); buckets[b] {
			continue
		} else {
			buckets[b] = true
		}
		p, err := tp.FlowPath(k)
		if err != nil {
			return Truth{}, fmt.Errorf("truth %s to %s: %w", src, dst, err)
		}
		hops := tp.TraceAddrs(p, dst.Is6())
		for j, a := range hops {
			tr.Interfaces[meas.Interface{TTL: j + 1, Addr: a}] = true
			if j+1 < len(hops) {
				tr.Links[meas.MPLink{TTL: j + 1, From: a, To: hops[j+1]}] = true
			}
		}
	}
	return tr, nil
}

// Report is how a result compares with the truth.
type Report struct {
	Missing []meas.Interface // in the truth, not found
	Extra   []meas.Interface // found, not in the truth
	// BadLinks are links not in the truth, other than those inferred
	// through a TTL where the result has one interface and the truth
	// more (a miss the stopping rule allows makes every flow seem to pass
	// the interface seen).
	BadLinks []meas.MPLink
	// LoadBalancers counts the interfaces found with several successors;
	// Missed those of them with a successor not found.
	LoadBalancers, Missed int
}

// Complete reports whether the result found every interface.
func (r Report) Complete() bool { return len(r.Missing) == 0 }

// Check compares res with the truth.
func (tr Truth) Check(res meas.Multipath) Report {
	var r Report
	got := make(map[meas.Interface]bool)
	width := make(map[int]int)
	for _, i := range res.Interfaces {
		got[i] = true
		width[i.TTL]++
		if !tr.Interfaces[i] {
			r.Extra = append(r.Extra, i)
		}
	}
	for i := range tr.Interfaces {
		if !got[i] {
			r.Missing = append(r.Missing, i)
		}
	}
	trueWidth := tr.widths()
	for _, l := range res.Links {
		if !tr.Links[l] && !(width[l.TTL] == 1 && trueWidth[l.TTL] > 1) {
			r.BadLinks = append(r.BadLinks, l)
		}
	}
	for v, ws := range tr.successors() {
		if len(ws) < 2 || !got[v] {
			continue
		}
		r.LoadBalancers++
		if slices.ContainsFunc(ws, func(w meas.Interface) bool { return !got[w] }) {
			r.Missed++
		}
	}
	sortIfs(r.Missing)
	sortIfs(r.Extra)
	return r
}

func (tr Truth) widths() map[int]int {
	w := make(map[int]int)
	for i := range tr.Interfaces {
		w[i.TTL]++
	}
	return w
}

func (tr Truth) successors() map[meas.Interface][]meas.Interface {
	succ := make(map[meas.Interface][]meas.Interface)
	for l := range tr.Links {
		from := meas.Interface{TTL: l.TTL, Addr: l.From}
		succ[from] = append(succ[from], meas.Interface{TTL: l.TTL + 1, Addr: l.To})
	}
	return succ
}

// WholeHopProbes is what the stopping rule spends when every hop is
// counted as a whole and the flows carried over suffice, as on a diamond
// whose first hop splits (and what scamper's tracelb spends there): one
// probe for the first hop, n_{V+1} for every later hop of V interfaces,
// one for the destination. No run that finds every interface spends less.
func (tr Truth) WholeHopProbes(eps float64) int {
	w := tr.widths()
	n := 0
	for ttl, v := range w {
		switch {
		case ttl == 1, tr.Interfaces[meas.Interface{TTL: ttl, Addr: tr.Dst}]:
			n++
		default:
			n += mda.StoppingPoint(v+1, eps)
		}
	}
	return n
}

// TooMany reports whether k misses in n trials are significantly more
// (one-sided binomial test at 1%) than a miss probability p allows.
func TooMany(k, n int, p float64) bool {
	below, term := 0.0, math.Pow(1-p, float64(n)) // P(X < k), P(X = i)
	for i := 0; i < k; i++ {
		below += term
		term *= float64(n-i) / float64(i+1) * p / (1 - p)
	}
	return 1-below < 0.01
}

func sortIfs(s []meas.Interface) {
	slices.SortFunc(s, func(a, b meas.Interface) int {
		if a.TTL != b.TTL {
			return a.TTL - b.TTL
		}
		return a.Addr.Compare(b.Addr)
	})
}

package demo

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/topo"
)

// showTypes are the techniques the shown reverse traceroutes are picked
// for, one each, in this order.
var showTypes = []revtr.HopType{revtr.HopTwoHost, revtr.HopSpoofedRR, revtr.HopRRAtlas, revtr.HopTrace,
	revtr.HopSymmetryInter, revtr.HopSymmetryIntra, revtr.HopRR}

// pick chooses n reverse traceroutes that reached the source, the first
// to show each technique first, then the others in order.
func pick(rs []result, n int) []result {
	var out []result
	taken := make(map[int]bool)
	take := func(ok func(result) bool) {
		for i, r := range rs {
			if len(out) < n && !taken[i] && r.res.Stop == revtr.Reaches && ok(r) {
				out, taken[i] = append(out, r), true
				return
			}
		}
	}
	for _, t := range showTypes {
		take(func(r result) bool {
			return slices.ContainsFunc(r.res.Hops, func(h revtr.Hop) bool { return h.Type == t })
		})
	}
	for len(out) < n && len(taken) < len(rs) {
		before := len(out)
		take(func(result) bool { return true })
		if len(out) == before {
			break
		}
	}
	slices.SortFunc(out, func(a, b result) int { return int(a.detail.ID) - int(b.detail.ID) })
	return out
}

// shower prints reverse traceroutes like traceroute, beside their
// forward traceroutes, with the names the topology gives the hops.
type shower struct {
	w  io.Writer
	tp *topo.Topology
	ui string // the web UI's address
}

func (s shower) name(a netip.Addr) string {
	if ep, ok := s.tp.Owner(a); ok {
		return s.tp.Nodes[ep.Node].Name
	}
	return "?"
}

// show prints one reverse traceroute.
func (s shower) show(r result) {
	res := r.res
	fmt.Fprintf(s.w, "\n== reverse traceroute %d: %s %s back to %s %s: %s in %d probes, %d rounds, %s\n",
		res.ID, s.name(res.Dst), res.Dst, s.name(res.Src), res.Src, res.Stop, r.cost.Probes(), r.cost.Rounds, res.Runtime.Round(time.Millisecond))
	fmt.Fprintf(s.w, "   ground truth: %s; AS level: %s\n", verdict(r), r.score.AS)
	left := s.forwardRows(r)
	right := s.reverseRows(r)
	for i := range max(len(left), len(right)) {
		l, rt := "", ""
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			rt = right[i]
		}
		fmt.Fprintln(s.w, strings.TrimRight(fmt.Sprintf("   %-*s │ %s", width(left), l, rt), " "))
	}
	fmt.Fprintf(s.w, "   in the web UI: %s#/revtr/%d\n", s.ui, res.ID)
}

func verdict(r result) string {
	sc := r.score
	switch {
	case sc.Exact:
		return "exactly the true path"
	case sc.Consistent:
		return fmt.Sprintf("every hop on the true path, in order (%d of its %d routers seen)", sc.FoundHops, sc.TruthHops)
	}
	return fmt.Sprintf("%d of %d hops not on the true path (✗)", sc.Wrong, sc.Hops)
}

func width(rows []string) int {
	w := 0
	for _, r := range rows {
		w = max(w, len([]rune(r)))
	}
	return w
}

// forwardRows is the forward traceroute as a table.
func (s shower) forwardRows(r result) []string {
	src, dst := r.res.Src, r.res.Dst
	rows := [][]string{{fmt.Sprintf("forward traceroute %s → %s", s.name(src), s.name(dst))}, {"ttl", "address", "node", "AS", "RTT"}}
	f := r.detail.ForwardTrace
	if f == nil {
		return table(append(rows, []string{"", "(not measured)"}))
	}
	for _, h := range f.Hops {
		if h.Addr == "" {
			rows = append(rows, []string{fmt.Sprint(h.TTL), "*"})
			continue
		}
		a, _ := netip.ParseAddr(h.Addr)
		rows = append(rows, []string{fmt.Sprint(h.TTL), h.Addr, s.name(a), asn(h.ASN), rtt(time.Duration(h.RTT) * time.Microsecond)})
	}
	return table(rows)
}

// reverseRows is the reverse path as a table, with each hop's technique
// and, for a hop not on the true path, a mark.
func (s shower) reverseRows(r result) []string {
	rows := [][]string{{fmt.Sprintf("reverse path %s → %s", s.name(r.res.Dst), s.name(r.res.Src))}, {"hop", "address", "node", "AS", "RTT", "technique"}}
	onPath := s.truePath(r.res)
	for i, h := range r.res.Hops {
		mark := ""
		if !onPath[s.name(h.Addr)] {
			mark = " ✗ not on the true path"
		}
		rows = append(rows, []string{fmt.Sprint(i), h.Addr.String(), s.name(h.Addr), asn(h.ASN), rtt(h.RTT), h.Type.String() + mark})
	}
	return table(rows)
}

// truePath names the routers of the true reverse path.
func (s shower) truePath(res revtr.Result) map[string]bool {
	p, err := s.tp.ReversePath(topo.FlowKey{Src: res.Src, Dst: res.Dst})
	if err != nil {
		return nil
	}
	out := make(map[string]bool, len(p))
	for _, h := range p {
		out[s.tp.Nodes[h.Node].Name] = true
	}
	return out
}

func asn(a uint32) string {
	if a == 0 {
		return "-"
	}
	return fmt.Sprintf("AS%d", a)
}

func rtt(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

// table aligns rows in columns, the first (numbers) to the right; the
// first row is a title over all.
func table(rows [][]string) []string {
	var widths []int
	for _, r := range rows[1:] {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	out := []string{rows[0][0]}
	for _, r := range rows[1:] {
		var b strings.Builder
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			switch {
			case i == 0: // a number
				fmt.Fprintf(&b, "%*s", widths[i], c)
			case i == len(r)-1:
				b.WriteString(c)
			default:
				fmt.Fprintf(&b, "%-*s", widths[i], c)
			}
		}
		out = append(out, b.String())
	}
	return out
}

package topo

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"slices"
)

// WritePfx2AS writes the topology's prefix-to-AS mapping in the CAIDA
// RouteViews pfx2as format: one line per announced prefix,
// "prefix<TAB>length<TAB>asn", sorted by prefix. v6 selects the IPv6
// aggregates (CAIDA publishes the two families in separate files).
//
// Only AS aggregates are listed, as BGP announces them; the addresses of an
// inter-AS link therefore map to the AS that numbers the link, even on the
// other AS's router — the border ambiguity IP-to-AS mapping has on the
// Internet too.
func (t *Topology) WritePfx2AS(w io.Writer, v6 bool) error {
	type entry struct {
		p  netip.Prefix
		as uint32
	}
	var es []entry
	for _, as := range t.ASes {
		p := as.Prefix
		if v6 {
			p = as.Prefix6
		}
		if p.IsValid() {
			es = append(es, entry{p, as.Number})
		}
	}
	slices.SortFunc(es, func(a, b entry) int { return comparePrefix(a.p, b.p) })
	bw := bufio.NewWriter(w)
	for _, e := range es {
		fmt.Fprintf(bw, "%s\t%d\t%d\n", e.p.Addr(), e.p.Bits(), e.as)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write pfx2as: %w", err)
	}
	return nil
}

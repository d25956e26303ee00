package main

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/revtr/revtr/apar"
	"github.com/revtr/revtr/meas"
)

// maxAliasPaths bounds the paths a multipath graph is unfolded into for
// alias resolution.
const maxAliasPaths = 1024

// checkAliases validates --resolve-aliases: two-way, IPv4, as the
// reference client's.
func (f *traceFlags) checkAliases() error {
	if f.graph.resolveAliases && (!f.twoWay || f.v6) {
		return errors.New("--resolve-aliases infers aliases from two-way IPv4 traces: add --two-way, drop -6")
	}
	return nil
}

// aliases resolves the aliases of paths when --resolve-aliases asks for
// it, writes them into BASENAME.aliases (one router per line, its
// addresses comma separated, as the reference client writes them) and
// returns them for merging unless --no-merge.
func (o *graphOutput) aliases(paths [][]netip.Addr) ([][]netip.Addr, error) {
	if !o.resolveAliases {
		return nil, nil
	}
	sets := apar.Resolve(paths)
	var b strings.Builder
	for _, s := range sets {
		strs := make([]string, len(s))
		for i, a := range s {
			strs[i] = a.String()
		}
		b.WriteString(strings.Join(strs, ",") + "\n")
	}
	if err := os.WriteFile(o.base+".aliases", []byte(b.String()), 0o644); err != nil {
		return nil, fmt.Errorf("--resolve-aliases: %w", err)
	}
	if o.noMerge {
		return nil, nil
	}
	return sets, nil
}

// graphOfPaths is the graph of single paths, aliases merged as the flags
// say.
func (o *graphOutput) graphOfPaths(paths []path) (*dotGraph, error) {
	var ps [][]netip.Addr
	for _, p := range paths {
		ps = append(ps, addrPath(p.Trace))
	}
	sets, err := o.aliases(ps)
	return pathsGraph(sets, paths...), err
}

// graphOfMultipath is the graph of multipath results, aliases merged as
// the flags say.
func (o *graphOutput) graphOfMultipath(dirs []direction, ms []meas.Multipath) (*dotGraph, error) {
	var ps [][]netip.Addr
	for _, m := range ms {
		ps = append(ps, unfold(m, maxAliasPaths)...)
	}
	sets, err := o.aliases(ps)
	return multipathGraph(sets, dirs, ms...), err
}

// addrPath lists a trace's source, then each TTL's address, zero when
// silent.
func addrPath(tr meas.Trace) []netip.Addr {
	p := []netip.Addr{tr.Src}
	for _, h := range tr.Hops {
		for len(p) < h.TTL {
			p = append(p, netip.Addr{})
		}
		if h.Reply == meas.NoReply {
			h.Addr = netip.Addr{}
		}
		p = append(p, h.Addr)
	}
	return p
}

// unfold lists up to limit paths through a multipath graph, each its
// source then one interface per TTL along links.
func unfold(m meas.Multipath, limit int) [][]netip.Addr {
	next := map[meas.Interface][]netip.Addr{}
	for _, l := range m.Links {
		k := meas.Interface{TTL: l.TTL, Addr: l.From}
		next[k] = append(next[k], l.To)
	}
	var out [][]netip.Addr
	var walk func(p []netip.Addr, at meas.Interface)
	walk = func(p []netip.Addr, at meas.Interface) {
		p = append(p, at.Addr)
		succ := next[at]
		if len(succ) == 0 || len(out) >= limit {
			if len(out) < limit {
				out = append(out, p)
			}
			return
		}
		for _, s := range succ {
			walk(p[:len(p):len(p)], meas.Interface{TTL: at.TTL + 1, Addr: s})
		}
	}
	for _, ifc := range m.Interfaces {
		if ifc.TTL == 1 {
			walk([]netip.Addr{m.Src}, ifc)
		}
	}
	return out
}

package main

import (
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/revtr/revtr/meas"
)

// Edge styles per direction: forward solid blue, reverse dashed red, so
// that a two-way drawing shows both paths over shared nodes.
var dotStyle = map[direction]string{
	forward: `color="#1f5fbf"`,
	reverse: `color="#c0392b", style=dashed`,
}

// dotGraph collects nodes and edges once each, as DOT lines and as the
// vertices and links the rendered drawings are laid out from.
type dotGraph struct {
	nodes []string
	seen  map[string]bool
	edges []string
	verts []vertexInfo
	links []linkInfo
	title string
	alias map[netip.Addr]netip.Addr // an alias to its set's first address
	names map[netip.Addr]string     // that address to the set's label
}

// vertexInfo is a vertex as first declared: its DOT id and label, the
// direction and TTL it was seen at (0: a path's source) and whether it is
// a path's end.
type vertexInfo struct {
	id, label string
	dir       direction
	ttl       int
	endpoint  bool
}

// linkInfo is an edge between two vertex ids, in one direction.
type linkInfo struct {
	from, to string
	dir      direction
}

// newDotGraph returns an empty graph that draws each alias set as one
// vertex.
func newDotGraph(aliases [][]netip.Addr) *dotGraph {
	g := &dotGraph{seen: map[string]bool{}, alias: map[netip.Addr]netip.Addr{}, names: map[netip.Addr]string{}}
	for _, s := range aliases {
		strs := make([]string, len(s))
		for i, a := range s {
			g.alias[a], strs[i] = s[0], a.String()
		}
		g.names[s[0]] = strings.Join(strs, " = ")
	}
	return g
}

// node declares a vertex for an address, or for a silent hop a "*" vertex
// unique to its direction and TTL; it returns the vertex id.
func (g *dotGraph) node(a netip.Addr, d direction, ttl int, endpoint bool) string {
	if rep, ok := g.alias[a]; ok {
		a = rep
	}
	id, label := fmt.Sprintf("%q", a.String()), a.String()
	if name, ok := g.names[a]; ok {
		label = name
	}
	if !a.IsValid() {
		id, label = fmt.Sprintf(`"%s*%d"`, d, ttl), "*"
	}
	if !g.seen[id] {
		g.seen[id] = true
		shape := "ellipse"
		if endpoint {
			shape = "box"
		}
		g.nodes = append(g.nodes, fmt.Sprintf("  %s [label=%q, shape=%s];", id, label, shape))
		g.verts = append(g.verts, vertexInfo{id: id, label: label, dir: d, ttl: ttl, endpoint: endpoint})
	}
	return id
}

func (g *dotGraph) edge(from, to string, d direction) {
	if from == to { // aliases merged
		return
	}
	e := fmt.Sprintf("  %s -> %s [%s];", from, to, dotStyle[d])
	if !g.seen[e] {
		g.seen[e] = true
		g.edges = append(g.edges, e)
		g.links = append(g.links, linkInfo{from, to, d})
	}
}

func (g *dotGraph) write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph revtr {\n  label=%q;\n  rankdir=LR;\n  node [fontname=monospace];\n", g.title)
	for _, n := range g.nodes {
		b.WriteString(n + "\n")
	}
	for _, e := range g.edges {
		b.WriteString(e + "\n")
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeDOT draws paths as a Graphviz digraph: a vertex per address, an
// edge per pair of consecutive TTLs of each direction, styled by
// direction, so a two-way measurement is one drawing.
func writeDOT(w io.Writer, paths ...path) error { return pathsGraph(nil, paths...).write(w) }

// pathsGraph is the graph of single paths writeDOT draws, each alias set
// one vertex.
func pathsGraph(aliases [][]netip.Addr, paths ...path) *dotGraph {
	g := newDotGraph(aliases)
	var title []string
	for _, p := range paths {
		title = append(title, fmt.Sprintf("%s %s -> %s", p.dir, p.Src, p.Dst))
		prev := g.node(p.Src, p.dir, 0, true)
		for _, h := range p.Hops {
			cur := g.node(h.Addr, p.dir, h.TTL, h.Addr == p.Dst)
			g.edge(prev, cur, p.dir)
			prev = cur
		}
	}
	g.title = strings.Join(title, "; ")
	return g
}

// writeMultipathDOT draws multipath results, one per direction given: the
// source, every link found, styled by direction.
func writeMultipathDOT(w io.Writer, dirs []direction, ms ...meas.Multipath) error {
	return multipathGraph(nil, dirs, ms...).write(w)
}

// multipathGraph is the graph of multipath results writeMultipathDOT
// draws, each alias set one vertex.
func multipathGraph(aliases [][]netip.Addr, dirs []direction, ms ...meas.Multipath) *dotGraph {
	g := newDotGraph(aliases)
	var title []string
	for i, m := range ms {
		d := forward
		if i < len(dirs) {
			d = dirs[i]
		}
		title = append(title, fmt.Sprintf("%s multipath %s -> %s", d, m.Src, m.Dst))
		src := g.node(m.Src, d, 0, true)
		for _, ifc := range m.Interfaces {
			if ifc.TTL == 1 {
				g.edge(src, g.node(ifc.Addr, d, 1, ifc.Addr == m.Dst), d)
			}
		}
		for _, l := range m.Links {
			g.edge(g.node(l.From, d, l.TTL, false), g.node(l.To, d, l.TTL+1, l.To == m.Dst), d)
		}
	}
	g.title = strings.Join(title, "; ")
	return g
}

package main

import (
	"fmt"
	"image/color"
	"math"
	"slices"
)

// A traceroute graph is layered by nature: every vertex sits at the TTL
// it answered at. The drawing puts each direction in its own band of rows,
// TTL by TTL in columns (the second direction of a two-way measurement
// mirrored, running back from the target to the source), and a TTL's
// vertices one below the other. Each address is drawn once, where it was
// first seen; links join vertex borders with an arrowhead, styled by
// direction as the DOT output is (forward solid blue, reverse dashed red).
// One layout feeds every drawing format (SVG, PNG, PDF).

// Drawing dimensions, in pixels (points for PDF).
const (
	drawCharW  = 7.2 // width of a character of the 12 px monospace font
	drawNodeH  = 24
	drawRowH   = 44
	drawGapW   = 40
	drawMargin = 20
	drawTitleH = 24
)

// drawColor is the colour of each direction's links.
var drawColor = map[direction]color.RGBA{
	forward: {0x1f, 0x5f, 0xbf, 0xff},
	reverse: {0xc0, 0x39, 0x2b, 0xff},
}

// placed is a vertex's position: its centre and half sizes.
type placed struct {
	vertexInfo
	x, y, hw, hh float64
}

// layout is a graph placed for drawing.
type layout struct {
	w, h  float64
	verts []placed
	byID  map[string]int
	links []linkInfo
	title string
}

// layOut places g's vertices: bands by direction (in order of first
// appearance), columns by TTL, rows in order of declaration.
func layOut(g *dotGraph) layout {
	var dirs []direction
	maxTTL, widest := 0, 1
	for _, v := range g.verts {
		if !slices.Contains(dirs, v.dir) {
			dirs = append(dirs, v.dir)
		}
		maxTTL, widest = max(maxTTL, v.ttl), max(widest, len(v.label))
	}
	colW := float64(widest)*drawCharW + 16 + drawGapW
	type cell struct{ band, col int }
	next := map[cell]int{}
	bandRows := make([]int, len(dirs)+1)
	l := layout{byID: map[string]int{}, links: g.links, title: g.title}
	bands := make([]int, len(g.verts))
	for i, v := range g.verts {
		band := slices.Index(dirs, v.dir)
		col := v.ttl
		if band == 1 {
			col = maxTTL - v.ttl
		}
		c := cell{band, col}
		row := next[c]
		next[c]++
		bands[i], bandRows[band] = band, max(bandRows[band], row+1)
		l.byID[v.id] = i
		l.verts = append(l.verts, placed{vertexInfo: v, x: drawMargin + float64(col)*colW + colW/2, y: float64(row),
			hw: (float64(len(v.label))*drawCharW + 16) / 2, hh: drawNodeH / 2})
	}
	offset := make([]int, len(dirs)+1) // first row of each band
	for b := range dirs {
		offset[b+1] = offset[b] + bandRows[b]
	}
	for i := range l.verts {
		l.verts[i].y = drawMargin + (l.verts[i].y+float64(offset[bands[i]]))*drawRowH + drawRowH/2
	}
	l.w = 2*drawMargin + float64(maxTTL+1)*colW
	l.h = 2*drawMargin + float64(offset[len(dirs)])*drawRowH + drawTitleH
	l.w = max(l.w, float64(len(l.title))*drawCharW+2*drawMargin)
	return l
}

// canvas is one drawing format.
type canvas interface {
	line(x1, y1, x2, y2 float64, c color.RGBA, dashed bool)
	arrowhead(x, y, ux, uy float64, c color.RGBA) // tip at (x, y), pointing along the unit vector
	node(x, y, hw, hh float64, box bool)
	text(x, y float64, s string) // centred on (x, y)
}

// draw draws l on c: links under vertices, the title at the bottom.
func (l layout) draw(c canvas) {
	for _, e := range l.links {
		a, b := l.verts[l.byID[e.from]], l.verts[l.byID[e.to]]
		dx, dy := b.x-a.x, b.y-a.y
		d := math.Hypot(dx, dy)
		if d == 0 {
			continue
		}
		ux, uy := dx/d, dy/d
		sa, sb := borderDist(a, ux, uy), borderDist(b, ux, uy)
		if sa+sb >= d {
			continue
		}
		col := drawColor[e.dir]
		ox, oy := 0.0, 0.0
		if e.dir == reverse { // beside a forward link between the same vertices
			ox, oy = -uy*3, ux*3
		}
		x2, y2 := b.x-ux*sb+ox, b.y-uy*sb+oy
		c.line(a.x+ux*sa+ox, a.y+uy*sa+oy, x2-ux*8, y2-uy*8, col, e.dir == reverse)
		c.arrowhead(x2, y2, ux, uy, col)
	}
	for _, v := range l.verts {
		c.node(v.x, v.y, v.hw, v.hh, v.endpoint)
		c.text(v.x, v.y, v.label)
	}
	c.text(l.w/2, l.h-drawMargin-drawTitleH/2, l.title)
}

// borderDist is how far from v's centre a ray along (ux, uy) leaves v's
// box.
func borderDist(v placed, ux, uy float64) float64 {
	t := math.Inf(1)
	if ux != 0 {
		t = v.hw / math.Abs(ux)
	}
	if uy != 0 {
		t = min(t, v.hh/math.Abs(uy))
	}
	return t
}

// hexColor writes c as #rrggbb.
func hexColor(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

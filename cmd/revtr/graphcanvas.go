package main

import (
	"fmt"
	"html"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// svgCanvas draws SVG elements into b.
type svgCanvas struct{ b *strings.Builder }

func newSVG(w, h float64) svgCanvas {
	b := &strings.Builder{}
	fmt.Fprintf(b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="monospace" font-size="12">`+"\n"+
		`<rect width="100%%" height="100%%" fill="white"/>`+"\n", w, h, w, h)
	return svgCanvas{b}
}

func (c svgCanvas) line(x1, y1, x2, y2 float64, col color.RGBA, dashed bool) {
	dash := ""
	if dashed {
		dash = ` stroke-dasharray="5,3"`
	}
	fmt.Fprintf(c.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5"%s/>`+"\n", x1, y1, x2, y2, hexColor(col), dash)
}

func (c svgCanvas) arrowhead(x, y, ux, uy float64, col color.RGBA) {
	p := arrowPoints(x, y, ux, uy)
	fmt.Fprintf(c.b, `<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="%s"/>`+"\n", p[0], p[1], p[2], p[3], p[4], p[5], hexColor(col))
}

func (c svgCanvas) node(x, y, hw, hh float64, box bool) {
	if box {
		fmt.Fprintf(c.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="white" stroke="black"/>`+"\n", x-hw, y-hh, 2*hw, 2*hh)
		return
	}
	fmt.Fprintf(c.b, `<ellipse cx="%.1f" cy="%.1f" rx="%.1f" ry="%.1f" fill="white" stroke="black"/>`+"\n", x, y, hw, hh)
}

func (c svgCanvas) text(x, y float64, s string) {
	fmt.Fprintf(c.b, `<text x="%.1f" y="%.1f" text-anchor="middle" dominant-baseline="central">%s</text>`+"\n", x, y, html.EscapeString(s))
}

func (c svgCanvas) bytes() []byte { return []byte(c.b.String() + "</svg>\n") }

// arrowPoints is the triangle of an arrowhead with its tip at (x, y).
func arrowPoints(x, y, ux, uy float64) [6]float64 {
	bx, by := x-ux*9, y-uy*9
	return [6]float64{x, y, bx - uy*4, by + ux*4, bx + uy*4, by - ux*4}
}

// pngCanvas rasterises onto an RGBA image.
type pngCanvas struct {
	img *image.RGBA
	z   *vector.Rasterizer
}

func newPNG(w, h float64) pngCanvas {
	img := image.NewRGBA(image.Rect(0, 0, int(math.Ceil(w)), int(math.Ceil(h))))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	return pngCanvas{img: img, z: vector.NewRasterizer(img.Bounds().Dx(), img.Bounds().Dy())}
}

// fill fills the polygon pts (x, y pairs) with col.
func (c pngCanvas) fill(col color.Color, pts ...float64) {
	b := c.img.Bounds()
	c.z.Reset(b.Dx(), b.Dy())
	c.z.MoveTo(float32(pts[0]), float32(pts[1]))
	for i := 2; i+1 < len(pts); i += 2 {
		c.z.LineTo(float32(pts[i]), float32(pts[i+1]))
	}
	c.z.ClosePath()
	c.z.Draw(c.img, b, image.NewUniform(col), image.Point{})
}

// stroke draws a segment width w wide.
func (c pngCanvas) stroke(x1, y1, x2, y2, w float64, col color.Color) {
	d := math.Hypot(x2-x1, y2-y1)
	if d == 0 {
		return
	}
	nx, ny := -(y2-y1)/d*w/2, (x2-x1)/d*w/2
	c.fill(col, x1+nx, y1+ny, x2+nx, y2+ny, x2-nx, y2-ny, x1-nx, y1-ny)
}

func (c pngCanvas) line(x1, y1, x2, y2 float64, col color.RGBA, dashed bool) {
	if !dashed {
		c.stroke(x1, y1, x2, y2, 1.5, col)
		return
	}
	d := math.Hypot(x2-x1, y2-y1)
	ux, uy := (x2-x1)/d, (y2-y1)/d
	for s := 0.0; s < d; s += 8 {
		e := min(s+5, d)
		c.stroke(x1+ux*s, y1+uy*s, x1+ux*e, y1+uy*e, 1.5, col)
	}
}

func (c pngCanvas) arrowhead(x, y, ux, uy float64, col color.RGBA) {
	p := arrowPoints(x, y, ux, uy)
	c.fill(col, p[:]...)
}

func (c pngCanvas) node(x, y, hw, hh float64, box bool) {
	var pts []float64
	if box {
		pts = []float64{x - hw, y - hh, x + hw, y - hh, x + hw, y + hh, x - hw, y + hh}
	} else {
		for i := range 48 {
			a := 2 * math.Pi * float64(i) / 48
			pts = append(pts, x+hw*math.Cos(a), y+hh*math.Sin(a))
		}
	}
	c.fill(color.White, pts...)
	for i := 0; i < len(pts); i += 2 {
		j := (i + 2) % len(pts)
		c.stroke(pts[i], pts[i+1], pts[j], pts[j+1], 1, color.Black)
	}
}

func (c pngCanvas) text(x, y float64, s string) {
	face := basicfont.Face7x13
	d := font.Drawer{Dst: c.img, Src: image.Black, Face: face}
	w := d.MeasureString(s)
	d.Dot = fixed.Point26_6{X: fixed.I(int(x)) - w/2, Y: fixed.I(int(y) + 4)}
	d.DrawString(s)
}

// pdfCanvas draws vector PDF with fpdf, one page the drawing's size.
type pdfCanvas struct{ pdf *fpdf.Fpdf }

func newPDF(w, h float64) pdfCanvas {
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: w, Ht: h}})
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	pdf.SetFont("Courier", "", 10)
	return pdfCanvas{pdf}
}

func (c pdfCanvas) line(x1, y1, x2, y2 float64, col color.RGBA, dashed bool) {
	c.pdf.SetDrawColor(int(col.R), int(col.G), int(col.B))
	c.pdf.SetLineWidth(1.5)
	if dashed {
		c.pdf.SetDashPattern([]float64{5, 3}, 0)
	}
	c.pdf.Line(x1, y1, x2, y2)
	c.pdf.SetDashPattern(nil, 0)
}

func (c pdfCanvas) arrowhead(x, y, ux, uy float64, col color.RGBA) {
	p := arrowPoints(x, y, ux, uy)
	c.pdf.SetFillColor(int(col.R), int(col.G), int(col.B))
	c.pdf.Polygon([]fpdf.PointType{{X: p[0], Y: p[1]}, {X: p[2], Y: p[3]}, {X: p[4], Y: p[5]}}, "F")
}

func (c pdfCanvas) node(x, y, hw, hh float64, box bool) {
	c.pdf.SetDrawColor(0, 0, 0)
	c.pdf.SetFillColor(255, 255, 255)
	c.pdf.SetLineWidth(1)
	if box {
		c.pdf.Rect(x-hw, y-hh, 2*hw, 2*hh, "FD")
		return
	}
	c.pdf.Ellipse(x, y, hw, hh, 0, "FD")
}

func (c pdfCanvas) text(x, y float64, s string) {
	c.pdf.Text(x-c.pdf.GetStringWidth(s)/2, y+3.5, s)
}

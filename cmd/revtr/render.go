package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/png" // fpdf reads the PNG rendering's size
	"io"
	"os"
	"slices"

	"github.com/go-pdf/fpdf"
	"github.com/goccy/go-graphviz"
	"github.com/spf13/pflag"
)

// graphFormats are the rendered graph formats --format accepts, as the
// reference client's -f: Graphviz DOT text, SVG, PNG and JPEG rendered
// in-process by go-graphviz (Graphviz compiled to WebAssembly, run by
// wazero: no cgo, no dot binary), and PDF holding the PNG rendering.
var graphFormats = []string{"dot", "svg", "png", "jpg", "pdf"}

// checkGraphFormat says whether --format names one of graphFormats.
func checkGraphFormat(f string) error {
	if !slices.Contains(graphFormats, f) {
		return fmt.Errorf("--format %q: want one of %v", f, graphFormats)
	}
	return nil
}

// renderGraph writes the DOT graph dot to w in format.
func renderGraph(ctx context.Context, w io.Writer, dot []byte, format string) error {
	if format == "dot" {
		_, err := w.Write(dot)
		return err
	}
	gv, err := graphviz.New(ctx)
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	defer gv.Close()
	g, err := graphviz.ParseBytes(dot)
	if err != nil {
		return fmt.Errorf("render: parse graph: %w", err)
	}
	defer g.Close()
	as := graphviz.Format(format)
	if format == "pdf" {
		as = graphviz.PNG
	}
	var buf bytes.Buffer
	if err := gv.Render(ctx, g, as, &buf); err != nil {
		return fmt.Errorf("render %s: %w", format, err)
	}
	if format == "pdf" {
		return pngToPDF(w, buf.Bytes())
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// pngToPDF writes a one-page PDF holding the PNG image b at 96 dpi.
func pngToPDF(w io.Writer, b []byte) error {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("render pdf: %w", err)
	}
	size := fpdf.SizeType{Wd: float64(cfg.Width) * 72 / 96, Ht: float64(cfg.Height) * 72 / 96}
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: size})
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	opt := fpdf.ImageOptions{ImageType: "PNG"}
	pdf.RegisterImageOptionsReader("graph", opt, bytes.NewReader(b))
	pdf.ImageOptions("graph", 0, 0, size.Wd, size.Ht, false, opt, 0, "")
	return pdf.Output(w)
}

// writeGraphFile renders dot into base.format, and, when js is not nil,
// writes it as JSON into base.json beside it, as the reference client's
// -o and -s do.
func writeGraphFile(ctx context.Context, base, format string, dot []byte, js any) error {
	var buf bytes.Buffer
	if err := renderGraph(ctx, &buf, dot, format); err != nil {
		return err
	}
	if err := os.WriteFile(base+"."+format, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("-o: %w", err)
	}
	if js == nil {
		return nil
	}
	buf.Reset()
	if err := writeJSON(&buf, js); err != nil {
		return err
	}
	if err := os.WriteFile(base+".json", buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("-s: %w", err)
	}
	return nil
}

// graphOutput is where a traceroute's graph is rendered, besides what it
// prints: --format, -o and -s.
type graphOutput struct {
	format    string // "" writes no file
	base      string
	storeJSON bool
}

func (o *graphOutput) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.format, "format", "", fmt.Sprintf("also render the path graph into BASENAME.FORMAT, one of %v (in-process, no Graphviz install needed)", graphFormats))
	fs.StringVarP(&o.base, "output", "o", "trace", "base name of the --format and -s files")
	fs.BoolVarP(&o.storeJSON, "store-json", "s", false, "also write the result as JSON into BASENAME.json")
}

// check validates the flags.
func (o *graphOutput) check() error {
	switch {
	case o.format != "":
		return checkGraphFormat(o.format)
	case o.storeJSON:
		return fmt.Errorf("-s writes BASENAME.json beside the --format file: give --format")
	}
	return nil
}

// write renders the graph dot writes into the file the flags name, and
// js beside it with -s; nothing without --format.
func (o *graphOutput) write(ctx context.Context, dot func(io.Writer) error, js any) error {
	if o.format == "" {
		return nil
	}
	var buf bytes.Buffer
	if err := dot(&buf); err != nil {
		return err
	}
	if !o.storeJSON {
		js = nil
	}
	return writeGraphFile(ctx, o.base, o.format, buf.Bytes(), js)
}

package main

import (
	"bytes"
	"fmt"
	"image/png"
	"io"
	"os"
	"slices"

	"github.com/spf13/pflag"
)

// graphFormats are the rendered graph formats --format accepts, as the
// reference client's -f: Graphviz DOT text, and SVG, PNG and vector PDF
// drawn in-process from one layered layout (graphdraw.go): no Graphviz
// install, no external program.
var graphFormats = []string{"dot", "svg", "png", "pdf"}

// checkGraphFormat says whether --format names one of graphFormats.
func checkGraphFormat(f string) error {
	if !slices.Contains(graphFormats, f) {
		return fmt.Errorf("--format %q: want one of %v", f, graphFormats)
	}
	return nil
}

// renderGraph writes g to w in format.
func renderGraph(w io.Writer, g *dotGraph, format string) error {
	if format == "dot" {
		return g.write(w)
	}
	l := layOut(g)
	switch format {
	case "svg":
		c := newSVG(l.w, l.h)
		l.draw(c)
		_, err := w.Write(c.bytes())
		return err
	case "png":
		c := newPNG(l.w, l.h)
		l.draw(c)
		return png.Encode(w, c.img)
	case "pdf":
		c := newPDF(l.w, l.h)
		l.draw(c)
		return c.pdf.Output(w)
	}
	return checkGraphFormat(format)
}

// writeGraphFile renders g into base.format, and, when js is not nil,
// writes it as JSON into base.json beside it, as the reference client's
// -o and -s do.
func writeGraphFile(base, format string, g *dotGraph, js any) error {
	var buf bytes.Buffer
	if err := renderGraph(&buf, g, format); err != nil {
		return fmt.Errorf("render %s: %w", format, err)
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
	format         string // "" writes no file
	base           string
	storeJSON      bool
	resolveAliases bool // --resolve-aliases: BASENAME.aliases, merged vertices
	noMerge        bool
}

func (o *graphOutput) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.format, "format", "", fmt.Sprintf("also render the path graph into BASENAME.FORMAT, one of %v (in-process, no Graphviz install needed)", graphFormats))
	fs.StringVarP(&o.base, "output", "o", "trace", "base name of the --format and -s files")
	fs.BoolVarP(&o.storeJSON, "store-json", "s", false, "also write the result as JSON into BASENAME.json")
	o.addAliasFlags(fs)
}

func (o *graphOutput) addAliasFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.resolveAliases, "resolve-aliases", false, "two-way IPv4: infer router aliases from the traces (APAR, no extra probes), write them into BASENAME.aliases and merge them in the graph")
	fs.BoolVar(&o.noMerge, "no-merge", false, "with --resolve-aliases: draw aliases as separate vertices")
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

// write renders g into the file the flags name, and js beside it with
// -s; nothing without --format.
func (o *graphOutput) write(g *dotGraph, js any) error {
	if o.format == "" {
		return nil
	}
	if !o.storeJSON {
		js = nil
	}
	return writeGraphFile(o.base, o.format, g, js)
}

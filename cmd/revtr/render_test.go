package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRenderSVG renders a two-way traceroute and a reverse multipath of
// the simulator into SVG files with PATH empty (so no dot binary could be
// run), parses each as XML and finds every hop of the JSON written
// beside it (-s) among the SVG's node titles; PNG and PDF files are
// rendered too and start as their formats do.
func TestRenderSVG(t *testing.T) {
	dir := t.TempDir()
	resp := firstHostWith(t, "responder")
	for _, c := range []struct {
		name  string
		flags []string
	}{
		{"two-way", []string{"--two-way"}},
		{"multipath", []string{"--reverse", "--multipath"}},
	} {
		base := filepath.Join(dir, c.name)
		args := append([]string{"sim", "traceroute", "--from", "h0", "--format", "svg", "-o", base, "-s"}, c.flags...)
		if out, err := runNoPath(append(args, resp)...); err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, out)
		}
		titles := svgTitles(t, base+".svg")
		for _, a := range jsonAddrs(t, base+".json") {
			if !titles[a] {
				t.Errorf("%s: hop %s not in the SVG (nodes %v)", c.name, a, titles)
			}
		}
	}
	for format, magic := range map[string]string{"png": "\x89PNG", "pdf": "%PDF-"} {
		base := filepath.Join(dir, "g")
		if out, err := runNoPath("sim", "traceroute", "--from", "h0", "--reverse", "--format", format, "-o", base, resp); err != nil {
			t.Fatalf("%s: %v\n%s", format, err, out)
		}
		b, err := os.ReadFile(base + "." + format)
		if err != nil || !bytes.HasPrefix(b, []byte(magic)) {
			t.Errorf("%s file: %.8q, %v", format, b, err)
		}
		if format == "png" {
			if _, err := png.Decode(bytes.NewReader(b)); err != nil {
				t.Errorf("png: %v", err)
			}
		}
	}
}

// runNoPath runs revtr with an empty PATH: it can start no other program.
func runNoPath(args ...string) ([]byte, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=/nonexistent"}
	return cmd.CombinedOutput()
}

// svgTitles returns the titles of an SVG file's node groups (Graphviz
// puts each node's name there), failing unless the file is well-formed XML.
func svgTitles(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict, d.Entity = true, xml.HTMLEntity
	titles := map[string]bool{}
	var inTitle bool
	for {
		tok, err := d.Token()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("%s is not XML: %v", path, err)
			}
			return titles
		}
		switch e := tok.(type) {
		case xml.StartElement:
			inTitle = e.Name.Local == "title"
		case xml.CharData:
			if inTitle {
				titles[strings.TrimSpace(string(e))] = true
			}
		case xml.EndElement:
			inTitle = false
		}
	}
}

// jsonAddrs returns every hop address of a traceroute's -s JSON: "addr"
// fields of single paths, interfaces of multipath graphs.
func jsonAddrs(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var dirs map[string]struct {
		Hops []struct {
			Addr string `json:"addr"`
		} `json:"hops"`
		Interfaces []struct {
			Addr string `json:"addr"`
		} `json:"interfaces"`
	}
	if err := json.Unmarshal(b, &dirs); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []string
	for _, d := range dirs {
		for _, h := range append(d.Hops, d.Interfaces...) {
			if h.Addr != "" {
				out = append(out, h.Addr)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no hops", path)
	}
	return out
}

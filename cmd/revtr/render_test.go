package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revtr/revtr/meas"
)

// TestRenderSVG renders a two-way traceroute and a reverse multipath of
// the simulator into SVG files with PATH empty (so no dot binary could be
// run), parses each as XML and finds every hop of the JSON written
// beside it (-s) among the SVG's node titles; PNG and PDF files are
// rendered too and start as their formats do (the PNG decodes).
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
		texts := svgTexts(t, base+".svg")
		for _, a := range jsonAddrs(t, base+".json") {
			if !texts[a] {
				t.Errorf("%s: hop %s not in the SVG (labels %v)", c.name, a, texts)
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

// TestResolveAliasesCLI runs a two-way trace with --resolve-aliases: the
// aliases file lists routers of two or more addresses, and the SVG draws
// each as one vertex labelled "a = b" — or, with --no-merge, each address
// apart.
func TestResolveAliasesCLI(t *testing.T) {
	base := filepath.Join(t.TempDir(), "al")
	resp := firstHostWith(t, "responder")
	for _, merge := range []bool{true, false} {
		args := []string{"sim", "traceroute", "--from", "h0", "--two-way", "--resolve-aliases", "--format", "svg", "-o", base, resp}
		if !merge {
			args = append(args, "--no-merge")
		}
		if out, err := runNoPath(args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		b, err := os.ReadFile(base + ".aliases")
		lines := strings.Fields(string(b))
		if err != nil || len(lines) == 0 {
			t.Fatalf("aliases file: %q, %v", b, err)
		}
		texts := svgTexts(t, base+".svg")
		for _, line := range lines {
			addrs := strings.Split(line, ",")
			merged := strings.Join(addrs, " = ")
			if len(addrs) < 2 || texts[merged] != merge || texts[addrs[0]] == merge {
				t.Errorf("merge=%v: alias set %s: vertex %q drawn %v, %s alone %v", merge, line, merged, texts[merged], addrs[0], texts[addrs[0]])
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

// svgTexts returns the text elements of an SVG file (each vertex's
// address is one), failing unless the file is well-formed XML.
func svgTexts(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict, d.Entity = true, xml.HTMLEntity
	texts := map[string]bool{}
	var inText bool
	for {
		tok, err := d.Token()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("%s is not XML: %v", path, err)
			}
			return texts
		}
		switch e := tok.(type) {
		case xml.StartElement:
			inText = e.Name.Local == "text"
		case xml.CharData:
			if inText {
				texts[strings.TrimSpace(string(e))] = true
			}
		case xml.EndElement:
			inText = false
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
	type addr struct {
		Addr string `json:"addr"`
	}
	var doc struct {
		Traces []struct {
			Hops  []addr `json:"hops"`  // trace
			Nodes []addr `json:"nodes"` // tracelb
		} `json:"traces"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []string
	for _, d := range doc.Traces {
		for _, h := range append(d.Hops, d.Nodes...) {
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

// TestLayoutDiamond lays out a two-way multipath graph with a diamond
// each way: every vertex gets its own place inside the drawing, the
// branches of a diamond one below the other at their TTL.
func TestLayoutDiamond(t *testing.T) {
	a := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	src, dst := a("10.0.0.1"), a("10.0.9.1")
	diamond := func(s, d netip.Addr, x, y, z string) meas.Multipath {
		return meas.Multipath{Src: s, Dst: d,
			Interfaces: []meas.Interface{{TTL: 1, Addr: a(x)}, {TTL: 2, Addr: a(y)}, {TTL: 2, Addr: a(z)}, {TTL: 3, Addr: d}},
			Links: []meas.MPLink{{TTL: 1, From: a(x), To: a(y)}, {TTL: 1, From: a(x), To: a(z)},
				{TTL: 2, From: a(y), To: d}, {TTL: 2, From: a(z), To: d}}}
	}
	g := multipathGraph(nil, []direction{forward, reverse}, diamond(src, dst, "10.0.1.1", "10.0.2.1", "10.0.2.2"),
		diamond(dst, src, "10.0.5.1", "10.0.6.1", "10.0.6.2"))
	l := layOut(g)
	seen := map[[2]float64]string{}
	for _, v := range l.verts {
		p := [2]float64{v.x, v.y}
		if other, dup := seen[p]; dup {
			t.Errorf("%s and %s drawn at the same place %v", v.label, other, p)
		}
		seen[p] = v.label
		if v.x-v.hw < 0 || v.x+v.hw > l.w || v.y-v.hh < 0 || v.y+v.hh > l.h {
			t.Errorf("%s at %v outside the %vx%v drawing", v.label, p, l.w, l.h)
		}
	}
	if len(l.verts) != 8 || len(l.links) != 10 {
		t.Errorf("%d vertices, %d links; want 8 and 10", len(l.verts), len(l.links))
	}
	y1, y2 := l.verts[l.byID[`"10.0.2.1"`]], l.verts[l.byID[`"10.0.2.2"`]]
	if y1.x != y2.x || y1.y == y2.y {
		t.Errorf("diamond branches at %v,%v and %v,%v; want one column, two rows", y1.x, y1.y, y2.x, y2.y)
	}
}

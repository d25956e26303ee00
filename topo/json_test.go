package topo_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

func TestJSONRoundTrip(t *testing.T) {
	orig := generate(t, 11, topo.DefaultParams())
	var buf bytes.Buffer
	if err := orig.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	first := buf.String()
	got, err := topo.ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got.Seed != orig.Seed || got.HashSeed != orig.HashSeed || !reflect.DeepEqual(got.Params, orig.Params) ||
		!reflect.DeepEqual(got.ASes, orig.ASes) || !reflect.DeepEqual(got.Links, orig.Links) ||
		!reflect.DeepEqual(got.Nodes, orig.Nodes) {
		t.Fatal("read topology differs from the written one")
	}
	var again bytes.Buffer
	if err := got.WriteJSON(&again); err != nil {
		t.Fatal(err)
	}
	if again.String() != first {
		t.Error("second write differs from the first")
	}
	if !strings.Contains(first, `"Kind": "router"`) || !strings.Contains(first, `"customer"`) {
		t.Error("kinds and relations are not written by name")
	}
}

// mutateJSON writes tp, lets f change the decoded document and returns the
// result of reading it back.
func mutateJSON(t *testing.T, tp *topo.Topology, f func(doc map[string]any)) error {
	t.Helper()
	var buf bytes.Buffer
	if err := tp.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	f(doc)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = topo.ReadJSON(bytes.NewReader(b))
	return err
}

func TestReadJSONRejects(t *testing.T) {
	tp, err := topotest.MultiAS()
	if err != nil {
		t.Fatal(err)
	}
	iface := func(doc map[string]any, node, i int) map[string]any {
		return doc["Nodes"].([]any)[node].(map[string]any)["Ifaces"].([]any)[i].(map[string]any)
	}
	cases := map[string]func(doc map[string]any){
		"version":        func(doc map[string]any) { doc["Version"] = 99 },
		"last byte 252":  func(doc map[string]any) { iface(doc, 0, 0)["Addr"] = "10.0.0.252/31" },
		"public address": func(doc map[string]any) { iface(doc, 0, 0)["Addr"] = "8.8.8.8/31" },
		"dup address": func(doc map[string]any) {
			iface(doc, 0, 1)["Addr"] = iface(doc, 0, 0)["Addr"]
		},
		"dangling link":  func(doc map[string]any) { iface(doc, 0, 0)["Link"] = 10000 },
		"negative link":  func(doc map[string]any) { iface(doc, 0, 0)["Link"] = -1 },
		"bad peer":       func(doc map[string]any) { iface(doc, 0, 0)["Peer"] = map[string]any{"Node": 999, "Iface": 0} },
		"unknown kind":   func(doc map[string]any) { doc["Nodes"].([]any)[0].(map[string]any)["Kind"] = "switch" },
		"unknown AS":     func(doc map[string]any) { doc["Nodes"].([]any)[0].(map[string]any)["AS"] = 7 },
		"no ASes":        func(doc map[string]any) { doc["ASes"] = []any{} },
		"bad router ref": func(doc map[string]any) { doc["ASes"].([]any)[0].(map[string]any)["Routers"] = []any{500} },
		"link endpoints": func(doc map[string]any) {
			doc["Links"].([]any)[0].(map[string]any)["A"] = map[string]any{"Node": 0, "Iface": 7}
		},
		"unknown field": func(doc map[string]any) { doc["Extra"] = 1 },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			if err := mutateJSON(t, tp, f); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if err := mutateJSON(t, tp, func(map[string]any) {}); err != nil {
		t.Fatalf("unchanged document rejected: %v", err)
	}
	if _, err := topo.ReadJSON(strings.NewReader(`{"Version":1,`)); err == nil {
		t.Error("truncated document accepted")
	}
	err = mutateJSON(t, tp, cases["last byte 252"])
	if !errors.Is(err, topo.ErrInvalid) {
		t.Errorf("last byte 252: %v, want ErrInvalid", err)
	}
}

func FuzzReadJSON(f *testing.F) {
	tp, err := topotest.Chain(2)
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tp.WriteJSON(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"Version":1,"ASes":[{"Number":1}],"Nodes":[{"ID":0,"Name":"r0","Kind":"router","AS":1}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := topo.ReadJSON(bytes.NewReader(b))
		if err != nil {
			return
		}
		// Whatever is accepted is valid and round-trips.
		if err := got.Validate(); err != nil {
			t.Fatalf("accepted an invalid topology: %v", err)
		}
		var out bytes.Buffer
		if err := got.WriteJSON(&out); err != nil {
			t.Fatal(err)
		}
		if _, err := topo.ReadJSON(&out); err != nil {
			t.Fatalf("re-read: %v", err)
		}
	})
}

func TestPfx2AS(t *testing.T) {
	tp := generate(t, 3, topo.DefaultParams())
	for _, v6 := range []bool{false, true} {
		var buf bytes.Buffer
		if err := tp.WritePfx2AS(&buf, v6); err != nil {
			t.Fatal(err)
		}
		table := parsePfx2AS(t, &buf)
		if len(table) != len(tp.ASes) {
			t.Fatalf("v6=%v: %d lines for %d ASes", v6, len(table), len(tp.ASes))
		}
		// Every host maps to its own AS, every address to some AS.
		for _, n := range tp.Nodes {
			for _, ifc := range n.Ifaces {
				a := ifc.Addr.Addr()
				if v6 {
					a = ifc.Addr6.Addr()
				}
				as, ok := lpm(table, a)
				if !ok || n.Kind == topo.Host && as != n.AS {
					t.Errorf("v6=%v: %s %v maps to AS %d (%v), node in AS %d", v6, n.Name, a, as, ok, n.AS)
				}
			}
		}
	}
}

func parsePfx2AS(t *testing.T, buf *bytes.Buffer) map[netip.Prefix]uint32 {
	t.Helper()
	table := map[netip.Prefix]uint32{}
	sc := bufio.NewScanner(buf)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 3 {
			t.Fatalf("line %q: want 3 tab-separated fields", sc.Text())
		}
		addr, err1 := netip.ParseAddr(f[0])
		bits, err2 := strconv.Atoi(f[1])
		as, err3 := strconv.ParseUint(f[2], 10, 32)
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		p := netip.PrefixFrom(addr, bits)
		if p.Masked() != p {
			t.Fatalf("line %q: prefix not aligned", sc.Text())
		}
		table[p] = uint32(as)
	}
	return table
}

func lpm(table map[netip.Prefix]uint32, a netip.Addr) (uint32, bool) {
	best, as := -1, uint32(0)
	for p, n := range table {
		if p.Contains(a) && p.Bits() > best {
			best, as = p.Bits(), n
		}
	}
	return as, best >= 0
}

package topo_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

func node(t *testing.T, tp *topo.Topology, name string) topo.NodeID {
	t.Helper()
	n, ok := tp.Node(name)
	if !ok {
		t.Fatalf("no node %s", name)
	}
	return n.ID
}

func names(tp *topo.Topology, p topo.Path) []string {
	var out []string
	for _, h := range p {
		out = append(out, tp.Nodes[h.Node].Name)
	}
	return out
}

func hostPath(t *testing.T, tp *topo.Topology, src, dst string, v6 bool, proto meas.Proto, sport uint16) topo.Path {
	t.Helper()
	k := topo.FlowKey{
		Src: tp.HostAddr(node(t, tp, src), v6), Dst: tp.HostAddr(node(t, tp, dst), v6),
		Flow: meas.Flow{Proto: proto, SrcPort: sport, ID: 33434},
	}
	p, err := tp.FlowPath(k)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestChain(t *testing.T) {
	tp, err := topotest.Chain(5)
	if err != nil {
		t.Fatal(err)
	}
	for _, v6 := range []bool{false, true} {
		got := names(tp, hostPath(t, tp, "h0", "h1", v6, meas.ICMP, 0))
		want := []string{"h0", "r0", "r1", "r2", "r3", "r4", "h1"}
		if !slices.Equal(got, want) {
			t.Errorf("v6=%v path %v, want %v", v6, got, want)
		}
	}
	if _, err := topotest.Chain(0); err == nil {
		t.Error("Chain(0) succeeded")
	}
}

func TestDiamondBranches(t *testing.T) {
	tp, err := topotest.Diamond()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for port := uint16(1000); port < 1200; port++ {
		p := hostPath(t, tp, "h0", "h1", false, meas.UDP, port)
		if len(p) != 8 {
			t.Fatalf("path %v has %d nodes, want 8", names(tp, p), len(p))
		}
		n := names(tp, p)
		seen[n[3]], seen[n[5]] = true, true
	}
	for _, r := range []string{"r2", "r3", "r5", "r6", "r7"} {
		if !seen[r] {
			t.Errorf("no flow crossed %s; seen %v", r, seen)
		}
	}
	// Originated packets take the first next hop: the reverse path from h1 is
	// a forwarded one, but r8's own packets always leave through r5.
	r8 := node(t, tp, "r8")
	k := topo.FlowKey{Src: tp.IfaceAddr(topo.Endpoint{Node: r8}, false), Dst: tp.HostAddr(node(t, tp, "h0"), false)}
	p, err := tp.Path(r8, k)
	if err != nil {
		t.Fatal(err)
	}
	if got := tp.Nodes[p[1].Node].Name; got != "r5" {
		t.Errorf("r8 originated via %s, want r5 (first next hop)", got)
	}
}

func TestMultiASAsymmetry(t *testing.T) {
	tp, err := topotest.MultiAS()
	if err != nil {
		t.Fatal(err)
	}
	fwd := hostPath(t, tp, "h0", "h1", false, meas.ICMP, 0)
	rev := hostPath(t, tp, "h1", "h0", false, meas.ICMP, 0)
	if got, want := tp.ASPath(fwd), []uint32{64512, 64514, 64517, 64513}; !slices.Equal(got, want) {
		t.Errorf("forward AS path %v, want %v", got, want)
	}
	if got, want := tp.ASPath(rev), []uint32{64513, 64516, 64515, 64512}; !slices.Equal(got, want) {
		t.Errorf("reverse AS path %v, want %v", got, want)
	}
	we := names(tp, hostPath(t, tp, "h2", "h3", false, meas.ICMP, 0))
	ew := names(tp, hostPath(t, tp, "h3", "h2", true, meas.ICMP, 0))
	if want := []string{"h2", "r2", "r5", "r6", "r7", "h3"}; !slices.Equal(we, want) {
		t.Errorf("west→east %v, want %v", we, want)
	}
	if want := []string{"h3", "r7", "r4", "r3", "r2", "h2"}; !slices.Equal(ew, want) {
		t.Errorf("east→west %v, want %v", ew, want)
	}
	for _, pair := range [][2]uint32{{64512, 64513}, {64513, 64512}} {
		bp, err := tp.BGPPath(pair[0], pair[1])
		if err != nil || !tp.ValleyFree(bp) {
			t.Errorf("BGP path %v: %v, valley-free %v", bp, err, tp.ValleyFree(bp))
		}
	}
}

func TestBuilderErrors(t *testing.T) {
	cases := map[string]func(b *topo.Builder){
		"unknown AS": func(b *topo.Builder) { b.AddRouter(9) },
		"unrelated link": func(b *topo.Builder) {
			b.AddAS(2, 1)
			b.Link(b.AddRouter(1), b.AddRouter(2))
		},
		"related unlinked": func(b *topo.Builder) {
			b.AddAS(2, 1)
			b.Peer(1, 2)
			b.AddRouter(1)
			b.AddRouter(2)
		},
		"partitioned AS": func(b *topo.Builder) { b.AddRouter(1); b.AddRouter(1) },
		"provider cycle": func(b *topo.Builder) {
			b.AddAS(2, 1)
			b.AddAS(3, 1)
			b.Provider(1, 2)
			b.Provider(2, 3)
			b.Provider(3, 1)
			r1, r2, r3 := b.AddRouter(1), b.AddRouter(2), b.AddRouter(3)
			b.Link(r1, r2)
			b.Link(r2, r3)
			b.Link(r3, r1)
		},
		"host on host": func(b *topo.Builder) { b.AddHost(b.AddHost(b.AddRouter(1), topo.HostRole{}), topo.HostRole{}) },
		"zero cost":    func(b *topo.Builder) { b.LinkWith(b.AddRouter(1), b.AddRouter(1), 0, 0) },
		"double link": func(b *topo.Builder) {
			r0, r1 := b.AddRouter(1), b.AddRouter(1)
			b.Link(r0, r1)
			b.Link(r1, r0)
		},
		"duplicate AS": func(b *topo.Builder) { b.AddAS(1, 1) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			b := topo.NewBuilder(1)
			b.AddAS(1, 1)
			f(b)
			if tp, err := b.Build(); err == nil {
				t.Fatalf("built %d nodes, want an error", len(tp.Nodes))
			}
		})
	}
	b := topo.NewBuilder(1)
	b.AddAS(1, 1)
	b.AddRouter(1)
	if _, err := b.Build(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Build(); !errors.Is(err, topo.ErrBuilt) {
		t.Errorf("second Build: %v, want ErrBuilt", err)
	}
}

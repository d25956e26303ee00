package topo_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

func generate(t testing.TB, seed int64, p topo.Params) *topo.Topology {
	t.Helper()
	tp, err := topo.Generate(seed, p)
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func hostIDs(tp *topo.Topology) []topo.NodeID {
	var hs []topo.NodeID
	for _, n := range tp.Nodes {
		if n.Kind == topo.Host {
			hs = append(hs, n.ID)
		}
	}
	return hs
}

// TestGeneratedProperties checks, on seeded random topologies, that every
// host pair is routed loop-free in both families over valley-free AS paths
// that equal the control plane's BGP paths, and that every address is in
// reserved space with a last byte ≤ 251.
func TestGeneratedProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for seed := range int64(12) {
		p := randomParams(rng)
		if seed%3 == 0 {
			p = topo.DefaultParams()
		}
		tp := generate(t, seed, p)
		checkAddrs(t, tp)
		for _, a := range hostIDs(tp) {
			for _, b := range hostIDs(tp) {
				if a != b {
					checkPair(t, tp, a, b)
				}
			}
		}
	}
}

func checkAddrs(t *testing.T, tp *topo.Topology) {
	t.Helper()
	for _, n := range tp.Nodes {
		for _, ifc := range n.Ifaces {
			a4, a6 := ifc.Addr.Addr(), ifc.Addr6.Addr()
			if !topo.Reserved(a4) || !topo.Reserved(a6) || a4.As4()[3] > topo.MaxLastByte {
				t.Fatalf("%s/%s: %v %v outside reserved space or last byte > %d", n.Name, ifc.Name, a4, a6, topo.MaxLastByte)
			}
		}
	}
}

func checkPair(t *testing.T, tp *topo.Topology, a, b topo.NodeID) {
	t.Helper()
	for _, v6 := range []bool{false, true} {
		k := topo.FlowKey{Src: tp.HostAddr(a, v6), Dst: tp.HostAddr(b, v6), Flow: meas.Flow{Proto: meas.UDP, SrcPort: uint16(a), ID: 33434}}
		p, err := tp.FlowPath(k)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[topo.NodeID]bool{}
		for _, n := range p.Nodes() {
			if seen[n] {
				t.Fatalf("path %v revisits %s", p.Nodes(), tp.Nodes[n].Name)
			}
			seen[n] = true
		}
		as := tp.ASPath(p)
		bgp, err := tp.BGPPath(as[0], as[len(as)-1])
		if err != nil || !slices.Equal(as, bgp) || !tp.ValleyFree(as) {
			t.Fatalf("%s→%s: data-plane AS path %v, BGP %v (%v), valley-free %v",
				tp.Nodes[a].Name, tp.Nodes[b].Name, as, bgp, err, tp.ValleyFree(as))
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	p := topo.DefaultParams()
	var one, two, other bytes.Buffer
	for _, w := range []struct {
		seed int64
		buf  *bytes.Buffer
	}{{5, &one}, {5, &two}, {6, &other}} {
		if err := generate(t, w.seed, p).WriteJSON(w.buf); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(one.Bytes(), two.Bytes()) {
		t.Error("same seed gave different topologies")
	}
	if bytes.Equal(one.Bytes(), other.Bytes()) {
		t.Error("different seeds gave the same topology")
	}
	if a, b := generate(t, 5, p).HashSeed, generate(t, 6, p).HashSeed; a == b {
		t.Errorf("seeds 5 and 6 share hash seed %#x", a)
	}
}

// TestDefaultShape checks that the demo Internet has what reverse
// traceroute needs to be interesting.
func TestDefaultShape(t *testing.T) {
	for seed := range int64(5) {
		tp := generate(t, seed, topo.DefaultParams())
		s := tp.Summarize()
		ps := s.Paths
		if ps.Unroutable != 0 || ps.Long == 0 || ps.MaxHops < 12 || ps.MaxHops > 30 ||
			ps.AsymRouter == 0 || ps.AsymAS == 0 || ps.ECMPBranched == 0 {
			t.Errorf("seed %d: %+v: want routable, some ≥ 10-hop paths, max 12–30 hops, router- and AS-level asymmetry, ECMP", seed, ps)
		}
		if s.Routers < 90 || s.Routers > 140 || s.VantagePoints < 8 || s.Sources < 1 || s.Destinations < 20 ||
			s.Spoofers == 0 || s.Responders == 0 || s.NoRRStamp == 0 || s.NoTimeExcd == 0 || s.RateLimited == 0 {
			t.Errorf("seed %d: summary\n%s", seed, s)
		}
		if !hasDiamond(tp) {
			t.Errorf("seed %d: no host pair shows an ECMP diamond", seed)
		}
	}
}

// hasDiamond reports whether some host pair has at least two distinct
// paths over 32 flows: flows that split at one router and join again.
func hasDiamond(tp *topo.Topology) bool {
	for _, a := range hostIDs(tp) {
		for _, b := range hostIDs(tp) {
			paths := map[string]bool{}
			for port := range uint16(32) {
				k := topo.FlowKey{Src: tp.HostAddr(a, false), Dst: tp.HostAddr(b, false), Flow: meas.Flow{Proto: meas.UDP, SrcPort: 40000 + port, ID: 33434}}
				if p, err := tp.FlowPath(k); err == nil {
					paths[fmt.Sprint(p.Nodes())] = true
				}
			}
			if len(paths) > 1 {
				return true
			}
		}
	}
	return false
}

func TestSizedParams(t *testing.T) {
	for _, want := range []int{100, 300, 1000} {
		tp := generate(t, 1, topo.SizedParams(want))
		s := tp.Summarize()
		if math.Abs(float64(s.Routers-want)) > 0.25*float64(want) {
			t.Errorf("SizedParams(%d): %d routers", want, s.Routers)
		}
		if s.Paths.Unroutable != 0 {
			t.Errorf("SizedParams(%d): %d unroutable pairs", want, s.Paths.Unroutable)
		}
	}
}

func TestBadParams(t *testing.T) {
	cases := map[string]func(p *topo.Params){
		"no ASes":           func(p *topo.Params) { p.ASes = 0 },
		"too many ASes":     func(p *topo.Params) { p.ASes = topo.MaxASes + 1 },
		"no tier 1":         func(p *topo.Params) { p.Tier1 = 0 },
		"transit overflow":  func(p *topo.Params) { p.Transit = p.ASes },
		"negative transit":  func(p *topo.Params) { p.Transit = -1 },
		"empty range":       func(p *topo.Params) { p.StubRouters = topo.Range{Min: 3, Max: 2} },
		"zero routers":      func(p *topo.Params) { p.Tier1Routers.Min = 0 },
		"huge AS":           func(p *topo.Params) { p.TransitRouters.Max = topo.MaxRoutersPerAS + 1 },
		"no providers":      func(p *topo.Params) { p.Providers = topo.Range{} },
		"share above 1":     func(p *topo.Params) { p.NoRRStampShare = 1.5 },
		"NaN share":         func(p *topo.Params) { p.PeerShare = math.NaN() },
		"negative share":    func(p *topo.Params) { p.ResponderShare = -0.1 },
		"negative hosts":    func(p *topo.Params) { p.VantagePoints = -1 },
		"negative delay":    func(p *topo.Params) { p.IntraDelay.Min = -1 },
		"inverted delay":    func(p *topo.Params) { p.InterDelay.Max = p.InterDelay.Min - 1 },
		"rate limit no ms":  func(p *topo.Params) { p.RateLimitMS = 0 },
		"negative limit ms": func(p *topo.Params) { p.RateLimitMS = -5 },
		"zero params":       func(p *topo.Params) { *p = topo.Params{} },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			p := topo.DefaultParams()
			mutate(&p)
			_, err := topo.Generate(1, p)
			if !errors.Is(err, topo.ErrParams) {
				t.Fatalf("Generate: %v, want ErrParams", err)
			}
		})
	}
	if err := topo.DefaultParams().Validate(); err != nil {
		t.Errorf("DefaultParams: %v", err)
	}
}

func benchmarkGenerate(b *testing.B, routers int) {
	p := topo.SizedParams(routers)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := topo.Generate(int64(i), p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerate100(b *testing.B)  { benchmarkGenerate(b, 100) }
func BenchmarkGenerate300(b *testing.B)  { benchmarkGenerate(b, 300) }
func BenchmarkGenerate1000(b *testing.B) { benchmarkGenerate(b, 1000) }

func TestGenerateEdgeParams(t *testing.T) {
	cases := map[string]func(p *topo.Params){
		"one AS":      func(p *topo.Params) { p.ASes, p.Tier1, p.Transit = 1, 1, 0 },
		"only tier 1": func(p *topo.Params) { p.ASes, p.Tier1, p.Transit = 4, 4, 0 },
		"no stubs":    func(p *topo.Params) { p.ASes, p.Tier1, p.Transit = 6, 2, 4 },
		"no transit":  func(p *topo.Params) { p.ASes, p.Tier1, p.Transit = 8, 2, 0 },
		"one router": func(p *topo.Params) {
			p.Tier1Routers, p.TransitRouters, p.StubRouters = topo.Range{1, 1}, topo.Range{1, 1}, topo.Range{1, 1}
		},
		"no hosts":      func(p *topo.Params) { p.Sources, p.VantagePoints, p.Destinations = 0, 0, 0 },
		"many hosts":    func(p *topo.Params) { p.ASes, p.Tier1, p.Transit, p.Destinations = 3, 1, 1, 40 },
		"all providers": func(p *topo.Params) { p.Providers = topo.Range{5, 10} },
		"all shares 1": func(p *topo.Params) {
			p.PeerShare, p.MultiLinkShare, p.ECMPShare, p.NoRRStampShare, p.DropOptionsShare = 1, 1, 1, 1, 1
			p.NoTimeExceededShare, p.RateLimitShare, p.CanSpoofShare, p.NoEchoShare = 1, 1, 1, 1
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			p := topo.DefaultParams()
			mutate(&p)
			tp := generate(t, 3, p)
			s := tp.Summarize()
			if s.ASes != p.ASes || s.Hosts != p.Sources+p.VantagePoints+p.Destinations || s.Paths.Unroutable != 0 {
				t.Errorf("summary\n%s", s)
			}
		})
	}
}

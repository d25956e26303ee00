package apar_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/revtr/revtr/apar"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

// evalSeeds are the generated topologies the evaluation runs on.
const evalSeeds = 20

// TestGeneratedPrecision measures alias resolution on two-way traces of
// generated Internets (topo.Generate, default parameters), measured by the
// simulator from every source to every responder (forward Paris
// traceroute and two-host reverse trace, UDP and TCP flows): per
// measurement as the CLI's --resolve-aliases uses it, and over all of a
// topology's traces at once. Every pair reported must be true (the
// topology knows every router's addresses); recall is the share of the
// true pairs among the addresses the traces show that were found.
func TestGeneratedPrecision(t *testing.T) {
	var per, all score
	for seed := range int64(evalSeeds) {
		tp, err := topo.Generate(seed+1, topo.DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		n, err := sim.New(tp, sim.Config{})
		if err != nil {
			t.Fatal(err)
		}
		var every [][]netip.Addr
		for _, m := range twoWayTraces(t, tp, n) {
			per.add(t, tp, m)
			every = append(every, m...)
		}
		all.add(t, tp, every)
	}
	for _, s := range []struct {
		name string
		score
	}{{"per measurement", per}, {"per topology", all}} {
		t.Logf("%d seeds, %s: %d pairs reported, %d false; %d true pairs among the addresses seen, %d found: precision %.3f, recall %.3f",
			evalSeeds, s.name, s.reported, s.false, s.truePairs, s.found, s.precision(), s.recall())
		if s.false > 0 || s.found == 0 {
			t.Errorf("%s: %d false pairs, %d found", s.name, s.false, s.found)
		}
	}
}

// score counts pairs over many resolutions.
type score struct{ reported, false, truePairs, found int }

func (s score) precision() float64 { return float64(s.reported-s.false) / float64(max(s.reported, 1)) }
func (s score) recall() float64    { return float64(s.found) / float64(max(s.truePairs, 1)) }

// add resolves paths and scores the pairs against the topology.
func (s *score) add(t *testing.T, tp *topo.Topology, paths [][]netip.Addr) {
	got := map[[2]netip.Addr]bool{}
	for _, p := range apar.Pairs(apar.Resolve(paths)) {
		got[p] = true
		s.reported++
		if same, ok := tp.Alias(p[0], p[1]); !same || !ok {
			s.false++
			t.Logf("false pair %v", p)
		}
	}
	seen := map[netip.Addr]bool{}
	for _, p := range paths {
		for _, a := range p {
			if a.Is4() {
				seen[a] = true
			}
		}
	}
	var as []netip.Addr
	for a := range seen {
		as = append(as, a)
	}
	for i, a := range as {
		for _, b := range as[i+1:] {
			if same, ok := tp.Alias(a, b); same && ok {
				s.truePairs++
				if got[[2]netip.Addr{a, b}] || got[[2]netip.Addr{b, a}] {
					s.found++
				}
			}
		}
	}
}

// twoWayTraces measures, for every source and responder of tp, the
// forward and the reverse path of a UDP and a TCP flow, IPv4: one
// measurement (two paths, source first) per pair and flow.
func twoWayTraces(t *testing.T, tp *topo.Topology, n *sim.Network) [][][]netip.Addr {
	var srcs, resps []netip.Addr
	for i := range tp.Nodes {
		nd := &tp.Nodes[i]
		switch {
		case nd.Kind != topo.Host:
		case nd.Role.Source:
			srcs = append(srcs, tp.HostAddr(nd.ID, false))
		case nd.Role.Responder:
			resps = append(resps, tp.HostAddr(nd.ID, false))
		}
	}
	ctx := context.Background()
	var out [][][]netip.Addr
	for _, s := range srcs {
		for _, r := range resps {
			for _, f := range []meas.Flow{{Proto: meas.UDP, ID: 33500}, {Proto: meas.TCP, ID: 443}} {
				fwd, err := n.Traceroute(ctx, meas.TraceRequest{Src: s, Dst: r, Flow: f})
				if err != nil {
					t.Fatal(err)
				}
				rev, err := n.TwoHostTrace(ctx, meas.TwoHostRequest{Src: s, Dst: r, Flow: f})
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, [][]netip.Addr{pathOf(fwd), pathOf(rev.Trace)})
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no source or no responder")
	}
	return out
}

// pathOf lists a trace's source then each TTL's address, zero when silent.
func pathOf(tr meas.Trace) []netip.Addr {
	p := []netip.Addr{tr.Src}
	for _, h := range tr.Hops {
		for len(p) < h.TTL {
			p = append(p, netip.Addr{})
		}
		if h.Reply != meas.NoReply {
			p = append(p, h.Addr)
		} else {
			p = append(p, netip.Addr{})
		}
	}
	return p
}

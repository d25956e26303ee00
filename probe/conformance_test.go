package probe_test

import (
	"net/netip"
	"testing"

	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/meas/meastest"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/topo"
)

// TestConformance holds the raw-socket prober to the meaning of every
// request field (package meastest) in a lab of the conformance topology,
// the one sim and the two-host client run the same requests on, and on
// the in-memory network of that topology (package memnet): a Group of
// every host's prober (a prober of many hosts, spoofed Record Route
// included), the source's prober alone (a prober of one host), and the
// two halves of a spoofed Record Route ping, captured at the source and
// sent by a vantage point.
func TestConformance(t *testing.T) {
	tp := build(t)(meastest.Topology())
	t.Run("lab", func(t *testing.T) { conformance(t, labWorld{labtest.Up(t, tp)}, tp) })
	// meastest runs subtests, which a synctest bubble cannot hold: the
	// in-memory network runs in real time here, on links without the
	// propagation delays the simulator charges (the lab has none either).
	for i := range tp.Links {
		tp.Links[i].Delay = 0
	}
	t.Run("sim", func(t *testing.T) { conformance(t, newSimWorld(t, tp), tp) })
}

func conformance(t *testing.T, w world, tp *topo.Topology) {
	all, err := meastest.NewWorld(tp, false)
	if err != nil {
		t.Fatal(err)
	}
	g := group(t, w, tp, func(n *topo.Node) probe.Config {
		cfg := probe.Config{Rate: 2000} // the default timeout: answers are late under load
		if n.Role.VantagePoint {
			cfg.AllowSpoof = []netip.Addr{all.Src}
		}
		return cfg
	})
	t.Run("group", func(t *testing.T) { meastest.Run(t, g, all) })
	one := all
	one.OneHost = true
	src, err := g.Prober(one.Src)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("one-host", func(t *testing.T) { meastest.Run(t, src, one) })
	vp, err := g.Prober(one.Sender)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("spoof-halves", func(t *testing.T) { meastest.RunSpoof(t, src, vp, one) })
}

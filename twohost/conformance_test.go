package twohost_test

import (
	"testing"

	"github.com/revtr/revtr/meas/meastest"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/twohost"
)

// TestConformance holds the client to the meaning of every two-host
// request field (package meastest) against a real responder, in a lab of
// the conformance topology the raw-socket prober and the simulator run
// the same requests on, and against a real responder on the in-memory
// network of that topology (package memnet).
func TestConformance(t *testing.T) {
	tp, err := meastest.Topology()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("lab", func(t *testing.T) { conformance(t, labWorld{upLab(t, tp, nil)}, tp) })
	// meastest runs subtests, which a synctest bubble cannot hold: the
	// in-memory network runs in real time here, on links without the
	// propagation delays the simulator charges (the lab has none either).
	for i := range tp.Links {
		tp.Links[i].Delay = 0
	}
	t.Run("sim", func(t *testing.T) { conformance(t, newSimWorld(t, tp), tp) })
}

func conformance(t *testing.T, w world, tp *topo.Topology) {
	mw, err := meastest.NewWorld(tp, true)
	if err != nil {
		t.Fatal(err)
	}
	resp, ok := tp.Owner(mw.Responder)
	src, ok2 := tp.Owner(mw.Src)
	if !ok || !ok2 {
		t.Fatal("no node owns the responder or the source")
	}
	w.responder(t, tp.Nodes[resp.Node].Name, twohost.ResponderConfig{Rate: -1, RequesterRate: -1})
	cfg := twohost.ClientConfig{Rate: 2000, Burst: 100} // the default timeout: answers are late under load
	meastest.Run(t, w.client(t, tp.Nodes[src.Node].Name, cfg), mw)
}

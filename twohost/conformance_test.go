package twohost_test

import (
	"testing"

	"github.com/revtr/revtr/meas/meastest"
	"github.com/revtr/revtr/twohost"
)

// TestConformance holds the client to the meaning of every two-host
// request field (package meastest) against a real responder, in a lab of
// the conformance topology the raw-socket prober and the simulator run
// the same requests on.
func TestConformance(t *testing.T) {
	tp, err := meastest.Topology()
	l := upLab(t, tp, err)
	w, err := meastest.NewWorld(tp, true)
	if err != nil {
		t.Fatal(err)
	}
	resp, ok := tp.Owner(w.Responder)
	src, ok2 := tp.Owner(w.Src)
	if !ok || !ok2 {
		t.Fatal("no node owns the responder or the source")
	}
	startResponder(t, l, tp.Nodes[resp.Node].Name, twohost.ResponderConfig{RequesterRate: -1})
	cfg := twohost.ClientConfig{Rate: 2000, Burst: 100} // the default timeout: answers are late under load
	meastest.Run(t, newClient(t, l, tp.Nodes[src.Node].Name, cfg), w)
}

package fleet_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/revtr/revtr/controller/fleet"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/meas/meastest"
	"github.com/revtr/revtr/twohost"
)

// TestConformance holds the remote prober to the meaning of every
// request field (package meastest), in a lab of the conformance topology
// whose sources and vantage points each run an agent that dialed the
// fleet over TLS: the fleet (a prober of many hosts, spoofed Record
// Route expected at the source's agent and sent by the vantage point's),
// the source's agent alone (a prober of one host), and the two halves of
// a spoofed Record Route ping through two agents. The responder host
// runs a two-host responder, which the source's agent asks.
func TestConformance(t *testing.T) {
	labtest.NeedRoot(t)
	tp, err := meastest.Topology()
	if err != nil {
		t.Fatal(err)
	}
	l := labtest.Up(t, tp)
	w, err := meastest.NewWorld(tp, false)
	if err != nil {
		t.Fatal(err)
	}
	ep, ok := tp.Owner(w.Responder)
	if !ok {
		t.Fatalf("no node owns the responder %v", w.Responder)
	}
	n := &tp.Nodes[ep.Node]
	labtest.Open(t, l, n.Name, func() (*twohost.Responder, error) {
		return twohost.NewResponder(twohost.ResponderConfig{Interface: n.Ifaces[0].Name, Logger: quietLog(), Registry: prometheus.NewRegistry()})
	})
	f, _ := startFleet(t, l, fleet.Config{}, 2000)
	t.Run("fleet", func(t *testing.T) { meastest.Run(t, f, w) })
	one := w
	one.OneHost = true
	t.Run("one-host", func(t *testing.T) { meastest.Run(t, f.Host(w.Src), one) })
	t.Run("spoof-halves", func(t *testing.T) { meastest.RunSpoof(t, f.Host(w.Src), f.Host(w.Sender), one) })
}

package sim_test

import (
	"testing"

	"github.com/revtr/revtr/meas/meastest"
	"github.com/revtr/revtr/sim"
)

// TestConformance holds the simulator to the meaning of every request
// field (package meastest), on the topology the raw-socket prober and the
// two-host client run the same requests on in the lab.
func TestConformance(t *testing.T) {
	tp := build(t)(meastest.Topology())
	w, err := meastest.NewWorld(tp, false)
	if err != nil {
		t.Fatal(err)
	}
	meastest.Run(t, network(t, tp, sim.Config{}), w)
}

package revtr_test

import (
	"sync/atomic"
	"testing"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/topo/topotest"
)

// TestRequestIDs checks that a request numbered by its caller gets the
// given result ID and only measurement IDs from its own counter, and that
// the engine's counter is left alone.
func TestRequestIDs(t *testing.T) {
	tp := build(t)(topotest.Chain(3))
	e, _ := setup(t, tp, nil)
	src, dst := tp.HostAddr(tp.Hosts()[0], false), tp.HostAddr(tp.Hosts()[1], false)
	var next atomic.Uint64
	next.Store(1 << 40)
	res := run(t, e, revtr.Request{Src: src, Dst: dst, ID: 77, MeasurementIDs: func() uint64 { return next.Add(1) }})
	if res.Stop != revtr.Reaches || res.ID != 77 {
		t.Fatalf("got %v with ID %d, want REACHES with ID 77", res.Stop, res.ID)
	}
	for i, h := range res.Hops[1:] {
		for _, id := range []uint64{h.MeasurementID, h.RTTMeasurementID} {
			if id <= 1<<40 || id > next.Load() {
				t.Errorf("hop %d: measurement ID %d not from the request's counter (1<<40, %d]", i+1, id, next.Load())
			}
		}
	}
	again := run(t, e, revtr.Request{Src: src, Dst: dst})
	if again.ID != 1 {
		t.Errorf("unnumbered request after a numbered one: ID %d; want the engine's counter from 1", again.ID)
	}
	if again.Cost.Probes() != 0 || again.Hops[1].MeasurementID != res.Hops[1].MeasurementID {
		t.Errorf("the same pair again: cost %+v, measurement %d; want the first one's measurements reused, IDs and all (%d)",
			again.Cost, again.Hops[1].MeasurementID, res.Hops[1].MeasurementID)
	}
}

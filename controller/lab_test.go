package controller_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/store/storetest"
	"github.com/revtr/revtr/topo"
)

// TestLabBackend measures through the API with the lab backend: real
// probers and responders in network namespaces the controller builds,
// and removes when it is closed.
func TestLabBackend(t *testing.T) {
	labtest.NeedRoot(t)
	cfg := testConfig("lab")
	cfg.Backend = controller.BackendConfig{Kind: "lab", Sim: controller.SimConfig{Seed: 3, Routers: 40}, LabName: labtest.Name()}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	o, err := controller.OpenBackend(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := o.Close(); err != nil {
			t.Errorf("closing the lab backend: %v", err)
		}
	})
	s := serve(t, storetest.SQLite(t), cfg, o.Backend)
	c := s.client(t, 100, 100)
	tp, err := topo.Generate(3, topo.SizedParams(40))
	if err != nil {
		t.Fatal(err)
	}
	var dsts []netip.Addr
	for _, id := range tp.Hosts() {
		if n := tp.Nodes[id]; n.Role.Destination && !n.Role.Source && !n.Role.NoEcho && !n.Role.DropOptions {
			dsts = append(dsts, tp.HostAddr(id, false))
		}
	}
	var b struct{ BatchID uint32 }
	c.Do("POST", "/api/v1/revtr", revtrs(s.srcs[0], dsts, len(dsts), "lab")).Want(t, 200).JSON(t, &b)
	st := waitDone(t, c, b.BatchID)
	recs := records(t, c.Do("GET", "/api/v2/labels/lab/records", nil).Want(t, 200).Body)
	if st.Reaches == 0 || len(recs) != len(dsts) {
		t.Errorf("in the lab: %+v, %d records for %d destinations", st, len(recs), len(dsts))
	}
	for _, r := range recs {
		if r.StopReason == "REACHES" && (len(r.Hops) < 2 || r.Hops[len(r.Hops)-1].HopIP != r.Src || r.Runtime == 0) {
			t.Errorf("reached without a real path: %+v", r)
		}
	}
}

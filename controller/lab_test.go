package controller_test

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/revtr"
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

// TestLabBackendAttach measures in a lab built beforehand (as `revtr lab
// up` or the demo builds it), with the lab's own responders (here: none),
// and leaves it up when closed.
func TestLabBackendAttach(t *testing.T) {
	labtest.NeedRoot(t)
	tp, err := topo.Generate(4, topo.SizedParams(30))
	if err != nil {
		t.Fatal(err)
	}
	l := labtest.Up(t, tp)
	cfg := testConfig("attach")
	cfg.Backend = controller.BackendConfig{Kind: "lab", LabName: l.Name(), LabAttach: true, LabExternalResponders: true}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	o, err := controller.OpenBackend(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srcs := o.Backend.Sources()
	if len(srcs) == 0 || srcs[0].Addr != tp.HostAddr(tp.Hosts()[0], false) || srcs[0].Site != "lab" {
		t.Errorf("sources %+v, want the lab's, first %v", srcs, tp.HostAddr(tp.Hosts()[0], false))
	}
	res, err := o.Backend.Run(ctx, revtrRequest(tp), false)
	if err != nil || len(res.Hops) == 0 {
		t.Errorf("a reverse traceroute in the attached lab: %+v, %v", res, err)
	}
	// External responders: the backend started none, and none runs.
	req := revtrRequest(tp)
	for _, id := range tp.Hosts() {
		if n := tp.Nodes[id]; n.Role.Responder && !n.Role.Source && !n.Role.NoEcho {
			req.Dst = tp.HostAddr(id, false)
		}
	}
	res, err = o.Backend.Run(ctx, req, true)
	if err != nil || slices.ContainsFunc(res.Hops, func(h revtr.Hop) bool { return h.Type == revtr.HopTwoHost }) {
		t.Errorf("two-host toward %v with no responder running: %+v, %v; want no two-host hop", req.Dst, res, err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := lab.Open(l.Name()); err != nil {
		t.Errorf("the attached lab is gone after Close: %v", err)
	}
	cfg.Backend.LabName = labtest.Name()
	if _, err := controller.OpenBackend(ctx, cfg); err == nil {
		t.Error("attaching to a lab that is not up: no error")
	}
}

// TestSimBackendTopologyFile measures on the topology a file holds, not
// on a generated one.
func TestSimBackendTopologyFile(t *testing.T) {
	tp, err := topo.Generate(9, topo.SizedParams(25))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "topology.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := tp.WriteJSON(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx := context.Background()
	b, err := controller.NewSimBackend(ctx, controller.SimConfig{Topology: path, Seed: 1, Routers: 300})
	if err != nil {
		t.Fatal(err)
	}
	var want []netip.Addr
	for _, id := range tp.Hosts() {
		if tp.Nodes[id].Role.Source {
			want = append(want, tp.HostAddr(id, false))
		}
	}
	got := b.Sources()
	if len(got) != len(want) {
		t.Fatalf("sources %+v, want %v", got, want)
	}
	for i := range got {
		if got[i].Addr != want[i] {
			t.Errorf("source %d: %v, want %v (the file's)", i, got[i].Addr, want[i])
		}
	}
	res, err := b.Run(ctx, revtrRequest(tp), false)
	if err != nil || res.Stop.String() != "REACHES" {
		t.Errorf("a reverse traceroute on the file's Internet: %+v, %v", res, err)
	}
	for _, bad := range []string{filepath.Join(t.TempDir(), "missing.json"), writeConfig(t, "{not json")} {
		if _, err := controller.NewSimBackend(ctx, controller.SimConfig{Topology: bad, Routers: 300}); err == nil {
			t.Errorf("topology file %s: no error", bad)
		}
	}
}

// revtrRequest asks for the path from tp's first destination that
// answers ping back to its first source.
func revtrRequest(tp *topo.Topology) revtr.Request {
	var req revtr.Request
	for _, id := range tp.Hosts() {
		n := tp.Nodes[id]
		switch {
		case n.Role.Source && !req.Src.IsValid():
			req.Src = tp.HostAddr(id, false)
		case n.Role.Destination && !n.Role.NoEcho && !n.Role.DropOptions && !req.Dst.IsValid():
			req.Dst = tp.HostAddr(id, false)
		}
	}
	return req
}

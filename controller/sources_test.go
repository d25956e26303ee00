package controller_test

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/controller/internal/apitest"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
)

// TestBackendSourcesFollowTopology: a controller restarted with another
// topology withdraws the sources of the old one, which nothing can
// measure any more (a key naming one gets 403), and keeps the
// operator's.
func TestBackendSourcesFollowTopology(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		old, err := controller.NewSimBackend(ctx, controller.SimConfig{Seed: simConfig.Seed + 1, Routers: simConfig.Routers})
		if err != nil {
			t.Fatal(err)
		}
		mine := netip.MustParseAddr("192.0.2.77")
		st, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddSource(ctx, store.Source{Addr: mine, Site: "operator"}); err != nil {
			t.Fatal(err)
		}
		if _, err := controller.New(ctx, testConfig("old"), st, old, prometheus.NewRegistry(), quietLog()); err != nil {
			t.Fatal(err)
		}
		oldSrcs := make([]netip.Addr, 0, len(old.Sources()))
		for _, src := range old.Sources() {
			oldSrcs = append(oldSrcs, src.Addr)
		}
		_, key, err := st.AddUser(ctx, store.NewUser{Name: "old", Sources: oldSrcs, PerDay: 100, Parallel: 100})
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
		s := serve(t, dsn, testConfig("new"), backend(t))
		var stale []netip.Addr
		for _, a := range oldSrcs {
			if !slices.Contains(s.srcs, a) {
				stale = append(stale, a)
			}
		}
		if len(stale) == 0 {
			t.Fatal("the two topologies have the same sources: the test shows nothing")
		}
		want := []netip.Addr{mine}
		for _, src := range backend(t).Sources() {
			want = append(want, src.Addr)
		}
		slices.SortFunc(want, netip.Addr.Compare)
		if !slices.Equal(s.srcs, want) {
			t.Errorf("sources after the restart: %v\nwant the new topology's and the operator's: %v", s.srcs, want)
		}
		r := apitest.New(t, s.url, key).Do("POST", "/api/v1/revtr", revtrs(stale[0], targets(t), 1, "stale")).Want(t, 403)
		if !strings.Contains(string(r.Body), `"source_not_authorized"`) {
			t.Errorf("a stale source: %s, want source_not_authorized", r.Body)
		}
	})
}

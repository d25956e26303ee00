package store_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
)

// TestSyncSources: the backend's sources are exactly its latest list;
// the operator's are never withdrawn nor renamed.
func TestSyncSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		op := netip.MustParseAddr("192.0.2.9")
		if err := s.AddSource(ctx, store.Source{Addr: op, Hostname: "mine", Site: "lab1"}); err != nil {
			t.Fatal(err)
		}
		sync := func(want []netip.Addr, srcs ...store.Source) {
			t.Helper()
			gone, err := s.SyncSources(ctx, srcs)
			if err != nil || !slices.Equal(gone, want) {
				t.Fatalf("SyncSources(%v) withdrew %v, %v; want %v", srcs, gone, err, want)
			}
		}
		have := func(want ...netip.Addr) {
			t.Helper()
			ss, err := s.Sources(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got []netip.Addr
			for _, x := range ss {
				got = append(got, x.Addr)
				if x.Addr == op && (x.Hostname != "mine" || x.Site != "lab1") {
					t.Errorf("the operator's source renamed: %+v", x)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("sources %v, want %v", got, want)
			}
		}
		sync(nil, store.Source{Addr: srcA, Site: "sim"}, store.Source{Addr: srcB, Site: "sim"}, store.Source{Addr: op, Hostname: "h", Site: "sim"})
		have(srcA, srcB, op)
		sync([]netip.Addr{srcA}, store.Source{Addr: srcB, Site: "sim"}) // a new topology
		have(srcB, op)
		if _, err := s.SyncSources(ctx, []store.Source{{Addr: srcA}, {}}); !errors.Is(err, store.ErrBadArgument) {
			t.Errorf("an invalid address: %v, want ErrBadArgument", err)
		}
		have(srcB, op)
		if err := s.AddSource(ctx, store.Source{Addr: srcB, Hostname: "now mine"}); err != nil { // the operator takes it over
			t.Fatal(err)
		}
		sync(nil) // a backend without sources
		have(srcB, op)
	})
}

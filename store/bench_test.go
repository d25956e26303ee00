package store_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
)

// BenchmarkStore measures the store's hot statements, one goroutine, on
// each database (PostgreSQL with REVTR_TEST_POSTGRES): "submit", a batch
// of one accepted (a transaction: its batch, its reverse traceroute, the
// quota); "job", the life of a job of 50 (accepted, started, finished:
// three transactions), an op being one reverse traceroute.
func BenchmarkStore(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind+"/submit", func(b *testing.B) { benchStore(b, kind, 1) })
		b.Run(kind+"/job", func(b *testing.B) { benchStore(b, kind, 50) })
	}
}

func benchStore(b *testing.B, kind string, n int) {
	dsn := storetest.SQLite(b)
	if kind == "postgres" {
		dsn = storetest.Postgres(b)
	}
	ctx := context.Background()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.AddSource(ctx, store.Source{Addr: srcA}); err != nil {
		b.Fatal(err)
	}
	u, _, err := s.AddUser(ctx, store.NewUser{Name: "bench", Sources: []netip.Addr{srcA}, PerDay: 1 << 40, Parallel: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	batch := batchOf(n, "bench")
	fs := make([]store.Finished, n)
	b.ResetTimer()
	for done := 0; done < b.N; done += n {
		var ids []int64
		if _, err := s.Submit(ctx, u.ID, batch, collect(&ids)); err != nil {
			b.Fatal(err)
		}
		if n == 1 {
			continue
		}
		if _, _, err := s.Start(ctx, ids, 1024); err != nil {
			b.Fatal(err)
		}
		for i, id := range ids {
			fs[i] = store.Finished{ID: id, Stop: "REACHES", Record: []byte(`{"id":1,"revtr_hops":[]}`), Stats: []byte(`{}`)}
		}
		if _, err := s.Finish(ctx, "w", fs, nil); err != nil {
			b.Fatal(err)
		}
	}
}

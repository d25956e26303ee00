package store_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
)

// TestListings lists a user's batches (newest first, paged, with counts
// and labels) and labels (latest first), none of another user's; and
// keeps the forward traceroute a finish writes.
func TestListings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		u, _ := user(t, s, 1000, 1000)
		var ids []int64
		b1, err := s.Submit(ctx, u.ID, append(batchOf(2, "a"), batchOf(1, "b")...), collect(&ids))
		if err != nil {
			t.Fatal(err)
		}
		b2, err := s.Submit(ctx, u.ID, batchOf(4, "c"), collect(&ids))
		if err != nil {
			t.Fatal(err)
		}
		other, _, err := s.AddUser(ctx, store.NewUser{Name: "bob", Sources: []netip.Addr{srcB}, PerDay: 10, Parallel: 10})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Start(ctx, ids[:1], 0); err != nil {
			t.Fatal(err)
		}
		fin := store.Finished{ID: ids[0], Stop: "REACHES", Record: []byte(`{"id":1}`), Forward: []byte(`{"hops":[]}`)}
		if _, err := s.Finish(ctx, "w", []store.Finished{fin}, nil); err != nil {
			t.Fatal(err)
		}
		if v, err := s.Revtr(ctx, ids[0]); err != nil || string(v.Forward) != `{"hops":[]}` {
			t.Errorf("forward traceroute after finish: %q, %v", v.Forward, err)
		}
		if v, err := s.Revtr(ctx, ids[1]); err != nil || v.Forward != nil {
			t.Errorf("forward traceroute of an unfinished one: %q, %v", v.Forward, err)
		}

		bs, err := s.Batches(ctx, u.ID, 0, 10)
		if err != nil || len(bs) != 2 || bs[0].ID != b2 || bs[1].ID != b1 {
			t.Fatalf("Batches = %+v, %v; want %d then %d", bs, err, b2, b1)
		}
		if bs[1].Total != 3 || bs[1].Counts.Reaches != 1 || bs[1].Counts.Pending != 2 || !slices.Equal(bs[1].Labels, []string{"a", "b"}) {
			t.Errorf("batch %d listed as %+v", b1, bs[1])
		}
		if page, err := s.Batches(ctx, u.ID, b2, 10); err != nil || len(page) != 1 || page[0].ID != b1 {
			t.Errorf("Batches before %d = %+v, %v", b2, page, err)
		}
		if none, err := s.Batches(ctx, other.ID, 0, 10); err != nil || len(none) != 0 {
			t.Errorf("another user's batches: %+v, %v", none, err)
		}

		ls, err := s.Labels(ctx, u.ID, 10)
		if err != nil || len(ls) != 3 {
			t.Fatalf("Labels = %+v, %v", ls, err)
		}
		byName := map[string]store.LabelListing{}
		for _, l := range ls {
			byName[l.Label] = l
		}
		if a := byName["a"]; a.Total != 2 || a.Done != 1 || byName["c"].Total != 4 || byName["c"].Done != 0 {
			t.Errorf("labels: %+v", ls)
		}
		if ls[0].Label != "c" || ls[0].Latest < ls[2].Latest {
			t.Errorf("labels not latest first: %+v", ls)
		}
		if none, err := s.Labels(ctx, other.ID, 10); err != nil || len(none) != 0 {
			t.Errorf("another user's labels: %+v, %v", none, err)
		}
	})
}

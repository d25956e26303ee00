package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
)

// finishAll finishes the reverse traceroutes ids as REACHES.
func finishAll(t *testing.T, s *store.Store, ids []int64) {
	t.Helper()
	fs := make([]store.Finished, len(ids))
	for i, id := range ids {
		fs[i] = store.Finished{ID: id, Stop: "REACHES", Record: []byte("{}")}
	}
	if n, err := s.Finish(context.Background(), "w", fs, nil); err != nil || n != len(ids) {
		t.Fatalf("Finish = %d, %v; want %d", n, err, len(ids))
	}
}

// archive claims and (unless unwritten) writes one export of everything
// done and unexported.
func archive(t *testing.T, s *store.Store, written bool) store.Export {
	t.Helper()
	ctx := context.Background()
	e, err := s.ClaimExport(ctx, "x", 1_000_000)
	if err != nil || e.Records == 0 {
		t.Fatalf("ClaimExport = %+v, %v", e, err)
	}
	if written {
		if err := s.MarkWritten(ctx, e.Seq); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// TestPurge: only whole batches whose every reverse traceroute is in an
// archive file written before the cutoff are deleted; unfinished,
// unexported and claimed-but-unwritten ones stay; emptied exports go, and
// export numbers are not reused.
func TestPurge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		now := t0
		store.SetNow(s, func() time.Time { return now })
		u, _ := user(t, s, 10_000, 10_000)
		submit := func(n int, label string) (int64, []int64) {
			var ids []int64
			b, err := s.Submit(ctx, u.ID, batchOf(n, label), collect(&ids))
			if err != nil {
				t.Fatal(err)
			}
			return b, ids
		}
		a, aIDs := submit(1200, "old") // more than one delete's chunk
		b, bIDs := submit(3, "old")
		c, cIDs := submit(2, "old") // one left pending
		finishAll(t, s, aIDs)
		finishAll(t, s, bIDs)
		finishAll(t, s, cIDs[:1])
		e1 := archive(t, s, true) // written at t0
		d, dIDs := submit(2, "unwritten")
		finishAll(t, s, dIDs)
		archive(t, s, false) // claimed, its file not written (a crash)
		e, eIDs := submit(2, "unexported")
		finishAll(t, s, eIDs)

		purge := func(before time.Time, want store.Purged) {
			t.Helper()
			got, err := s.Purge(ctx, before)
			if err != nil || got != want {
				t.Fatalf("Purge(%v) = %+v, %v; want %+v", before.Sub(t0), got, err, want)
			}
		}
		purge(t0, store.Purged{}) // written at the cutoff: kept
		now = t0.Add(time.Hour)
		purge(t0.Add(time.Nanosecond), store.Purged{Batches: 2, Revtrs: 1203})
		for _, id := range []int64{a, b} {
			if _, _, err := s.Batch(ctx, u.ID, id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("purged batch %d: %v, want ErrNotFound", id, err)
			}
		}
		for _, id := range []int64{c, d, e} {
			if _, _, err := s.Batch(ctx, u.ID, id); err != nil {
				t.Errorf("batch %d is not to be purged: %v", id, err)
			}
		}
		if left, err := s.Revtrs(ctx, store.Filter{UserID: u.ID, Label: "old"}, 0, 100); err != nil || len(left) != 2 {
			t.Errorf("label old after the purge: %d, %v; want batch %d's 2", len(left), err, c)
		}

		finishAll(t, s, cIDs[1:])
		e3 := archive(t, s, true) // written at t0+1h, with e's
		purge(t0.Add(time.Nanosecond), store.Purged{})
		purge(now.Add(time.Nanosecond), store.Purged{Batches: 2, Revtrs: 4, Exports: 2}) // c and e; e1 and e3 hold nothing now
		if _, _, err := s.Batch(ctx, u.ID, d); err != nil {
			t.Errorf("the batch of an unwritten export: %v", err)
		}
		if un, err := s.Unwritten(ctx, "x"); err != nil || len(un) != 1 || un[0].Records != 2 {
			t.Errorf("the unwritten export: %+v, %v", un, err)
		}
		_, fIDs := submit(1, "new")
		finishAll(t, s, fIDs)
		if e4 := archive(t, s, true); e4.Seq <= e3.Seq || e4.Seq <= e1.Seq {
			t.Errorf("export %d after purging exports %d and %d: numbers (archive file names) reused", e4.Seq, e1.Seq, e3.Seq)
		}
	})
}

package store_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
)

var (
	srcA = netip.MustParseAddr("192.0.2.1")
	srcB = netip.MustParseAddr("192.0.2.2")
	dstX = netip.MustParseAddr("198.51.100.7")
)

func open(t *testing.T, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// user authorizes srcA and srcB and makes a key for both.
func user(t *testing.T, s *store.Store, perDay, parallel int) (store.User, string) {
	t.Helper()
	ctx := context.Background()
	for _, a := range []netip.Addr{srcA, srcB} {
		if err := s.AddSource(ctx, store.Source{Addr: a, Site: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	u, key, err := s.AddUser(ctx, store.NewUser{Name: "alice", Email: "a@example.org", Sources: []netip.Addr{srcA, srcB}, PerDay: perDay, Parallel: parallel})
	if err != nil {
		t.Fatal(err)
	}
	return u, key
}

func batchOf(n int, label string) []store.NewRevtr {
	rs := make([]store.NewRevtr, n)
	for i := range rs {
		rs[i] = store.NewRevtr{Src: srcA, Dst: dstX, Label: label, Options: `{"max_spoofers":5}`}
	}
	return rs
}

// collect is an Enqueue that remembers the IDs it was given.
func collect(into *[]int64) store.Enqueue {
	return func(_ context.Context, tx *store.Tx, ids []int64) error {
		if tx.Raw() == nil {
			return errors.New("no raw transaction")
		}
		*into = append(*into, ids...)
		return nil
	}
}

func TestOpenBadDSN(t *testing.T) {
	for _, dsn := range []string{"", "sqlite:", "mysql://u@h/db", "postgres://%zz"} {
		if _, err := store.Open(context.Background(), dsn); !errors.Is(err, store.ErrDSN) {
			t.Errorf("Open(%q) = %v, want ErrDSN", dsn, err)
		}
	}
}

func TestOpenTwiceMigratesOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		user(t, s, 10, 10)
		s2 := open(t, dsn) // migrations already applied: a no-op
		us, err := s2.Users(context.Background())
		if err != nil || len(us) != 1 {
			t.Fatalf("after reopening: %d users, %v; want 1", len(us), err)
		}
	})
}

func TestKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		if _, _, err := s.AddUser(ctx, store.NewUser{Name: "x", Sources: []netip.Addr{srcA}, PerDay: 1, Parallel: 1}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("key for an unauthorized source: %v, want ErrNotFound", err)
		}
		for _, bad := range []store.NewUser{{Sources: []netip.Addr{srcA}, PerDay: 1, Parallel: 1}, {Name: "x", PerDay: 1, Parallel: 1},
			{Name: "x", Sources: []netip.Addr{srcA}, Parallel: 1}} {
			if _, _, err := s.AddUser(ctx, bad); !errors.Is(err, store.ErrBadArgument) {
				t.Errorf("AddUser(%+v) = %v, want ErrBadArgument", bad, err)
			}
		}
		u, key := user(t, s, 10, 5)
		got, err := s.UserByKey(ctx, key)
		if err != nil || got.ID != u.ID || !slices.Equal(got.Sources, []netip.Addr{srcA, srcB}) || got.PerDay != 10 || got.Parallel != 5 {
			t.Fatalf("UserByKey = %+v, %v; want %+v", got, err, u)
		}
		for _, k := range []string{"", "nope", key + "x", strings.ToUpper(key)} {
			if _, err := s.UserByKey(ctx, k); !errors.Is(err, store.ErrUnknownKey) {
				t.Errorf("UserByKey(%q) = %v, want ErrUnknownKey", k, err)
			}
		}
		if err := s.RevokeUser(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserByKey(ctx, key); !errors.Is(err, store.ErrRevokedKey) {
			t.Errorf("revoked key: %v, want ErrRevokedKey", err)
		}
		if err := s.RevokeUser(ctx, 999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke unknown key: %v, want ErrNotFound", err)
		}
		us, err := s.Users(ctx)
		if err != nil || len(us) != 1 || us[0].Active() || us[0].KeyID == "" || strings.Contains(key, us[0].KeyID) {
			t.Errorf("Users = %+v, %v; want one revoked user with a key ID that is not part of the key", us, err)
		}
		if s.Kind() == store.SQLite {
			assertNotInFiles(t, filepath.Dir(dsn), key)
		} else {
			assertNotInTables(t, s, key)
		}
	})
}

// assertNotInFiles checks that no file of the database holds the key.
func assertNotInFiles(t *testing.T, dir, key string) {
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), key) || strings.Contains(string(b), strings.TrimPrefix(key, "revtr_")) {
			t.Errorf("the key is in %s", e.Name())
		}
	}
}

// assertNotInTables checks that no row of any table holds the key.
func assertNotInTables(t *testing.T, s *store.Store, key string) {
	ctx := context.Background()
	rows, err := s.Pool().Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	for _, tb := range tables {
		var n int
		q := fmt.Sprintf("SELECT count(*) FROM %s t WHERE strpos(t::text, $1) > 0", tb)
		if err := s.Pool().QueryRow(ctx, q, strings.TrimPrefix(key, "revtr_")).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("the key is in %d rows of %s", n, tb)
		}
	}
}

func TestSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		for _, src := range []store.Source{{Addr: srcB, Site: "b"}, {Addr: srcA, Hostname: "a.example", Site: "a"}, {Addr: srcB, Hostname: "b2", Site: "bb"}} {
			if err := s.AddSource(ctx, src); err != nil {
				t.Fatal(err)
			}
		}
		ss, err := s.Sources(ctx)
		if err != nil || len(ss) != 2 || ss[0].Addr != srcA || ss[1].Hostname != "b2" || ss[1].Site != "bb" {
			t.Fatalf("Sources = %+v, %v", ss, err)
		}
		if err := s.RemoveSource(ctx, srcA); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveSource(ctx, srcA); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("remove twice: %v, want ErrNotFound", err)
		}
		if _, err := s.Source(ctx, srcA); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("removed source: %v, want ErrNotFound", err)
		}
		if err := s.AddSource(ctx, store.Source{}); !errors.Is(err, store.ErrBadArgument) {
			t.Errorf("add invalid source: %v", err)
		}
	})
}

// count returns how many batches and reverse traceroutes are stored.
func count(t *testing.T, s *store.Store, u int64) (batches, revtrs int) {
	t.Helper()
	ctx := context.Background()
	for id := int64(1); id < 100; id++ {
		_, c, err := s.Batch(ctx, u, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		batches++
		revtrs += c.Pending + c.Running + c.Done()
	}
	return batches, revtrs
}

func TestSubmitQuotas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		day := time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC)
		store.SetNow(s, func() time.Time { return day })
		u, _ := user(t, s, 10, 6)
		var ids []int64
		if _, err := s.Submit(ctx, u.ID, batchOf(4, "a"), collect(&ids)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Submit(ctx, u.ID, batchOf(3, "a"), collect(&ids)); !errors.Is(err, store.ErrQuotaParallel) {
			t.Fatalf("4 + 3 in parallel, quota 6: %v, want ErrQuotaParallel", err)
		}
		running, _, err := s.Start(ctx, ids[:2], 0)
		if err != nil || len(running) != 2 {
			t.Fatal(len(running), err)
		}
		if n, err := s.Finish(ctx, "w", []store.Finished{{ID: ids[0], Stop: "REACHES", Record: []byte(`{}`)}, {ID: ids[1], Stop: "FAILED", FailReason: "x"}}, nil); err != nil || n != 2 {
			t.Fatalf("Finish = %d, %v", n, err)
		}
		if _, err := s.Submit(ctx, u.ID, batchOf(4, "b"), collect(&ids)); err != nil {
			t.Fatalf("2 running + 4, quota 6: %v", err)
		}
		if _, err := s.Submit(ctx, u.ID, batchOf(3, "c"), collect(&ids)); !errors.Is(err, store.ErrQuotaDay) {
			t.Fatalf("8 + 3 today, quota 10: %v, want ErrQuotaDay", err)
		}
		if b, r := count(t, s, u.ID); b != 2 || r != 8 {
			t.Errorf("after refusals: %d batches, %d revtrs; want 2, 8", b, r)
		}
		if _, err := s.Fail(ctx, "w", ids, "abandoned", nil); err != nil { // (ids has refused ones too: no matter)
			t.Fatal(err)
		}
		day = day.Add(2 * time.Hour) // the next UTC day
		if _, err := s.Submit(ctx, u.ID, batchOf(6, "d"), collect(&ids)); err != nil {
			t.Fatalf("a new day: %v", err)
		}
		if err := s.RevokeUser(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Submit(ctx, u.ID, batchOf(1, "e"), collect(&ids)); !errors.Is(err, store.ErrUnknownKey) {
			t.Errorf("revoked: %v, want ErrUnknownKey", err)
		}
	})
}

func TestSubmitAtomic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		u, _ := user(t, s, 2000, 2000)
		boom := errors.New("queue down")
		_, err := s.Submit(ctx, u.ID, batchOf(1200, "a"), func(context.Context, *store.Tx, []int64) error { return boom })
		if !errors.Is(err, boom) {
			t.Fatalf("Submit = %v, want the queue's error", err)
		}
		if b, r := count(t, s, u.ID); b != 0 || r != 0 {
			t.Errorf("a failed submission left %d batches, %d revtrs", b, r)
		}
		var ids []int64
		if _, err := s.Submit(ctx, u.ID, batchOf(1200, "a"), collect(&ids)); err != nil {
			t.Fatalf("the quota was charged by the failed submission: %v", err)
		}
		if len(ids) != 1200 || len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 1200 {
			t.Errorf("queued %d IDs, want 1200 distinct", len(ids))
		}
	})
}

func TestFinishOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		u, _ := user(t, s, 100, 100)
		var ids []int64
		batch, err := s.Submit(ctx, u.ID, batchOf(3, "l"), collect(&ids))
		if err != nil {
			t.Fatal(err)
		}
		var firsts []int64
		for range 2 { // a retried job starts its reverse traceroutes again
			rs, first, err := s.Start(ctx, ids, 1000)
			if err != nil || len(rs) != 3 || rs[0].State != store.Running || rs[0].Options != `{"max_spoofers":5}` {
				t.Fatalf("Start = %+v, %v", rs, err)
			}
			firsts = append(firsts, first)
		}
		if firsts[0] < 1 || firsts[1] != firsts[0]+3000 {
			t.Errorf("measurement ID blocks start at %v, want consecutive blocks of 3000", firsts)
		}
		first := []store.Finished{{ID: ids[0], Stop: "REACHES", Record: []byte(`{"id":1}`), Stats: []byte(`{"rr":1}`)}}
		if n, err := s.Finish(ctx, "w1", first, nil); err != nil || n != 1 {
			t.Fatalf("Finish = %d, %v", n, err)
		}
		again := []store.Finished{{ID: ids[0], Stop: "FAILED", Record: []byte(`{"id":2}`)}, {ID: ids[1], Stop: "FAILED", FailReason: "r"}}
		if n, err := s.Finish(ctx, "w2", again, nil); err != nil || n != 1 {
			t.Fatalf("second Finish = %d, %v; want only the unfinished one written", n, err)
		}
		v, err := s.Revtr(ctx, ids[0])
		if err != nil || v.Stop != "REACHES" || string(v.Record) != `{"id":1}` || v.Worker != "w1" || v.Runs != 2 || v.BatchID != batch {
			t.Errorf("after two finishes: %+v, %v; want the first result", v, err)
		}
		if rs, _, err := s.Start(ctx, ids, 0); err != nil || len(rs) != 1 || rs[0].ID != ids[2] {
			t.Errorf("Start of done ones = %+v, %v; want only the unfinished", rs, err)
		}
		boom := errors.New("complete failed")
		if _, err := s.Finish(ctx, "w3", []store.Finished{{ID: ids[2], Stop: "REACHES"}}, func(context.Context, *store.Tx) error { return boom }); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if v, _ := s.Revtr(ctx, ids[2]); v.State != store.Running {
			t.Errorf("a finish whose job completion failed was written: %+v", v)
		}
		us, _ := s.Users(ctx)
		if us[0].InFlight != 1 {
			t.Errorf("in flight %d, want 1", us[0].InFlight)
		}
	})
}

func TestCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		u, _ := user(t, s, 100, 100)
		var ids []int64
		batch, err := s.Submit(ctx, u.ID, batchOf(5, "l"), collect(&ids))
		if err != nil {
			t.Fatal(err)
		}
		s.Start(ctx, ids[:2], 0)
		s.Finish(ctx, "w", []store.Finished{{ID: ids[0], Stop: "REACHES", Record: []byte("{}")}}, nil)
		if _, err := s.Cancel(ctx, u.ID+1, batch); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("cancel someone else's batch: %v", err)
		}
		if n, err := s.Cancel(ctx, u.ID, batch); err != nil || n != 4 {
			t.Fatalf("Cancel = %d, %v; want 4", n, err)
		}
		if n, err := s.Cancel(ctx, u.ID, batch); err != nil || n != 0 {
			t.Errorf("Cancel again = %d, %v; want 0", n, err)
		}
		if n, _ := s.Finish(ctx, "w", []store.Finished{{ID: ids[1], Stop: "REACHES"}}, nil); n != 0 {
			t.Error("a canceled reverse traceroute took a result")
		}
		b, c, err := s.Batch(ctx, u.ID, batch)
		if err != nil || c != (store.Counts{Reaches: 1, Canceled: 4}) || b.Canceled.IsZero() || b.Total != 5 {
			t.Errorf("Batch = %+v %+v, %v", b, c, err)
		}
		if us, _ := s.Users(ctx); us[0].InFlight != 0 {
			t.Errorf("in flight %d after cancel, want 0", us[0].InFlight)
		}
	})
}

func TestRevtrPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		u, _ := user(t, s, 1000, 1000)
		other, _, err := s.AddUser(ctx, store.NewUser{Name: "bob", Sources: []netip.Addr{srcA}, PerDay: 10, Parallel: 10})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		b1, _ := s.Submit(ctx, u.ID, batchOf(25, "survey"), collect(&ids))
		s.Submit(ctx, u.ID, batchOf(10, "survey"), collect(&ids))
		s.Submit(ctx, u.ID, batchOf(5, "other"), collect(&ids))
		s.Submit(ctx, other.ID, batchOf(5, "survey"), collect(&ids))
		walk := func(f store.Filter) (n int) {
			var after int64
			for {
				page, err := s.Revtrs(ctx, f, after, 7)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range page {
					if v.ID <= after || v.UserID != f.UserID {
						t.Fatalf("page out of order or someone else's: %+v after %d", v, after)
					}
					after = v.ID
				}
				n += len(page)
				if len(page) < 7 {
					return n
				}
			}
		}
		if n := walk(store.Filter{UserID: u.ID, BatchID: b1}); n != 25 {
			t.Errorf("batch: %d, want 25", n)
		}
		if n := walk(store.Filter{UserID: u.ID, Label: "survey"}); n != 35 {
			t.Errorf("label: %d, want 35 (not bob's)", n)
		}
		if n := walk(store.Filter{UserID: other.ID, BatchID: b1}); n != 0 {
			t.Errorf("bob sees %d of alice's batch", n)
		}
	})
}

func TestExports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		u, _ := user(t, s, 1000, 1000)
		var ids []int64
		s.Submit(ctx, u.ID, batchOf(300, "x"), collect(&ids))
		var fs []store.Finished
		for _, id := range ids[:250] {
			fs = append(fs, store.Finished{ID: id, Stop: "REACHES", Record: []byte("{}")})
		}
		if _, err := s.Finish(ctx, "w", fs, nil); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var exports []store.Export
		var wg sync.WaitGroup
		for _, name := range []string{"a", "b", "a"} { // exporters racing for the same rows
			wg.Go(func() {
				for {
					e, err := s.ClaimExport(ctx, name, 40)
					if err != nil {
						t.Error(err)
						return
					}
					if e.Records == 0 {
						return
					}
					mu.Lock()
					exports = append(exports, e)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		seen := make(map[int64]int64)
		for _, e := range exports {
			var after int64
			for {
				page, err := s.ExportPage(ctx, e.Seq, after, 16)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range page {
					if prev, dup := seen[v.ID]; dup {
						t.Fatalf("revtr %d in exports %d and %d", v.ID, prev, e.Seq)
					}
					seen[v.ID] = e.Seq
					after = v.ID
				}
				if len(page) < 16 {
					break
				}
			}
		}
		if len(seen) != 250 {
			t.Errorf("%d exported, want the 250 done", len(seen))
		}
		un, err := s.Unwritten(ctx, "b")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range un {
			if err := s.MarkWritten(ctx, e.Seq); err != nil {
				t.Fatal(err)
			}
		}
		if un, _ := s.Unwritten(ctx, "b"); len(un) != 0 {
			t.Errorf("%d unwritten after marking", len(un))
		}
	})
}

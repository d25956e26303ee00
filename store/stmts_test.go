package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestStmtCache: a statement met in a transaction is prepared once the
// transaction ends and reused by the next; texts beyond the budget run
// unprepared, and still run.
func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "revtr.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := s.stmts[0]
	const q = "SELECT next FROM counters WHERE name = ?"
	for i := range 2 {
		if err := s.inTx(ctx, func(tx *Tx) error {
			var n int64
			return tx.q.queryRow(ctx, q, "measurement").Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		c.mu.Lock()
		st, ok := c.m[q]
		wanted := c.wanted
		c.mu.Unlock()
		if !ok || st == nil || wanted != 0 {
			t.Fatalf("after transaction %d: cached %v, prepared %v, %d wanted; want it prepared", i+1, ok, st != nil, wanted)
		}
	}
	big := "SELECT 1 " + strings.Repeat(" ", maxStmtText)
	var one int
	if err := s.w.queryRow(ctx, big).Scan(&one); err != nil || one != 1 {
		t.Fatalf("a statement over the budget: %d, %v", one, err)
	}
	c.mu.Lock()
	_, cached := c.m[big]
	c.mu.Unlock()
	if cached {
		t.Error("a statement over the budget was cached")
	}
}

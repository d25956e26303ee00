package controller_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
)

// stuck is a backend whose measurements never end before their context.
type stuck struct{ srcs []store.Source }

func (s stuck) Run(ctx context.Context, req revtr.Request, _ bool) (revtr.Result, error) {
	<-ctx.Done()
	return revtr.Result{ID: req.ID, Stop: revtr.Canceled, Src: req.Src, Dst: req.Dst}, nil
}

func (s stuck) Sources() []store.Source { return s.srcs }
func (s stuck) Allow() []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}
}

// TestAbandonAfterAttempts: a job whose measurements outlive its timeout
// is retried, and on its last attempt its reverse traceroutes fail with
// a reason that says so.
func TestAbandonAfterAttempts(t *testing.T) {
	cfg := testConfig("abandon")
	cfg.Scheduler.JobTimeout, cfg.Scheduler.RescueAfter = 2*time.Second, time.Minute // the store's writes fit in it under load
	cfg.Scheduler.MaxAttempts, cfg.Scheduler.RetryBackoff = 2, 10*time.Millisecond
	a := netip.MustParseAddr("192.0.2.1")
	s := serve(t, storetest.SQLite(t), cfg, stuck{srcs: []store.Source{{Addr: a}}})
	c := s.client(t, 100, 100)
	var b struct{ BatchID uint32 }
	c.Do("POST", "/api/v1/revtr", revtrs(a, []netip.Addr{netip.MustParseAddr("198.51.100.9")}, 3, "stuck")).Want(t, 200).JSON(t, &b)
	if st := waitDone(t, c, b.BatchID); st.Failed != 3 {
		t.Fatalf("after the attempts: %+v, want 3 failed", st)
	}
	vs, err := s.store.Revtrs(context.Background(), store.Filter{UserID: 1, BatchID: int64(b.BatchID)}, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Runs != 2 || !strings.HasPrefix(v.FailReason, "Measurement abandoned (attempts: 2): ") {
			t.Errorf("reverse traceroute %d: %d runs, failed %q", v.ID, v.Runs, v.FailReason)
		}
	}
}

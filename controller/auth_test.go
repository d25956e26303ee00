package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"testing"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/controller/internal/apitest"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
)

// wantError checks an error answer's status and code (and message, if
// given).
func wantError(t *testing.T, r apitest.Response, status int, code string, msg ...string) {
	t.Helper()
	var e controller.Error
	if err := json.Unmarshal(r.Body, &e); err != nil || r.Status != status || e.Code != code || (len(msg) > 0 && e.Message != msg[0]) {
		t.Errorf("got %d %s, want %d %s %v", r.Status, r.Body, status, code, msg)
	}
}

// docNets allows the documentation prefixes as destinations: tests with
// no backend use them, and nothing is ever sent to them.
func docNets(cfg controller.Config) controller.Config {
	cfg.API.Allow = []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("2001:db8::/32")}
	return cfg
}

// used is what a key has been charged.
func used(t *testing.T, s *server) (today, inFlight int) {
	t.Helper()
	us, err := s.store.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		today += u.RunToday
		inFlight += u.InFlight
	}
	return today, inFlight
}

// TestAuthorization: 401 for no, unknown and revoked keys, 403 for a
// source that is not the key's or not authorized, 429 with the
// reference's messages for the quotas; a refused request writes nothing.
func TestAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		// No backend: nothing accepted finishes, so the parallel quota
		// stays taken.
		s := serve(t, dsn, docNets(testConfig("auth")), nil)
		a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
		for _, src := range []netip.Addr{a, b} {
			if err := s.store.AddSource(ctx, store.Source{Addr: src}); err != nil {
				t.Fatal(err)
			}
		}
		dsts := []netip.Addr{netip.MustParseAddr("198.51.100.9")}
		c := s.client(t, 5, 3, a)

		anon := apitest.New(t, s.url, "")
		wantError(t, anon.Do("GET", "/api/v1/sources", nil), 401, "unauthorized")
		wantError(t, anon.Do("POST", "/api/v1/revtr", revtrs(a, dsts, 1, "x")), 401, "unauthorized")
		bad := apitest.New(t, s.url, "revtr_"+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
		wantError(t, bad.Do("GET", "/api/v2/sources", nil), 401, "unauthorized", "unknown API key")

		wantError(t, c.Do("POST", "/api/v1/revtr", revtrs(b, dsts, 1, "x")), 403, "source_not_allowed")
		c.Do("POST", "/api/v1/revtr", revtrs(a, dsts, 2, "x")).Want(t, 200)
		wantError(t, c.Do("POST", "/api/v1/revtr", revtrs(a, dsts, 2, "x")), 429, "quota_parallel", "Too many revtr in parallel")
		var ok controller.SubmitResult
		c.Do("POST", "/api/v2/revtr", revtrs(a, dsts, 1, "x")).Want(t, 200).JSON(t, &ok)
		if _, err := s.store.Cancel(ctx, 1, int64(ok.BatchID)); err != nil { // frees the parallel quota
			t.Fatal(err)
		}
		wantError(t, c.Do("POST", "/api/v1/revtr", revtrs(a, dsts, 3, "x")), 429, "quota_per_day", "Too many revtr in a day")
		if today, inFlight := used(t, s); today != 3 || inFlight != 2 {
			t.Errorf("charged %d today, %d in flight; want 3 and 2 (refusals charge nothing)", today, inFlight)
		}

		other := s.client(t, 5, 5, a)
		wantError(t, other.Do("GET", fmt.Sprintf("/api/v2/batches/%d", ok.BatchID), nil), 404, "not_found")
		wantError(t, other.Do("GET", fmt.Sprintf("/api/v1/revtr?batchid=%d", ok.BatchID), nil), 404, "not_found")

		if err := s.store.RemoveSource(ctx, a); err != nil {
			t.Fatal(err)
		}
		wantError(t, other.Do("POST", "/api/v1/revtr", revtrs(a, dsts, 1, "x")), 403, "source_not_authorized")
		wantError(t, other.Do("POST", "/api/v1/atlas/run", nil, "source", a.String()), 403, "source_not_authorized")

		if err := s.store.RevokeUser(ctx, 1); err != nil {
			t.Fatal(err)
		}
		wantError(t, c.Do("GET", "/api/v1/sources", nil), 401, "unauthorized", "revoked API key")
		wantError(t, c.Do("GET", fmt.Sprintf("/api/v2/batches/%d", ok.BatchID), nil), 401, "unauthorized")
	})
}

// TestCancel cancels a batch nothing measures: every reverse traceroute
// ends CANCELED, in the reference's listing and in the records.
func TestCancel(t *testing.T) {
	ctx := context.Background()
	s := serve(t, storetest.SQLite(t), docNets(testConfig("cancel")), nil)
	a := netip.MustParseAddr("192.0.2.1")
	if err := s.store.AddSource(ctx, store.Source{Addr: a}); err != nil {
		t.Fatal(err)
	}
	c := s.client(t, 100, 100, a)
	var b controller.SubmitResult
	c.Do("POST", "/api/v1/revtr", revtrs(a, []netip.Addr{netip.MustParseAddr("198.51.100.9")}, 20, "c")).Want(t, 200).JSON(t, &b)
	var st controller.BatchStatus
	c.Do("POST", fmt.Sprintf("/api/v2/batches/%d/cancel", b.BatchID), nil).Want(t, 200).JSON(t, &st)
	if st.Canceled != 20 || !st.Done || st.CanceledAt == "" {
		t.Errorf("after cancel: %+v", st)
	}
	if st := waitDone(t, c, b.BatchID); st.Canceled != 20 {
		t.Errorf("progress after cancel: %+v", st)
	}
	var got controller.RevtrsResult
	c.Do("GET", fmt.Sprintf("/api/v1/revtr?batchid=%d", b.BatchID), nil).Want(t, 200).JSON(t, &got)
	for _, rt := range got.Revtrs {
		if rt.Status != "CANCELED" || rt.StopReason != "CANCELED" {
			t.Errorf("canceled reverse traceroute listed as %+v", rt)
		}
	}
	for _, rec := range records(t, c.Do("GET", fmt.Sprintf("/api/v2/batches/%d/records", b.BatchID), nil).Want(t, 200).Body) {
		if rec.StopReason != "CANCELED" || len(rec.Hops) != 0 {
			t.Errorf("canceled record %+v", rec)
		}
	}
	wantError(t, c.Do("POST", "/api/v2/batches/999/cancel", nil), 404, "not_found")
}

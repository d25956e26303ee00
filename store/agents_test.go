package store_test

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
)

// TestAgentCredentials: a credential is shown once, stored hashed,
// names its agent and the addresses it may claim, and stops working when
// revoked.
func TestAgentCredentials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		a := netip.MustParseAddr("10.0.0.1")
		rec, cred, err := s.AddAgent(ctx, "vp1", []netip.Addr{a})
		if err != nil || !strings.HasPrefix(cred, "revtr_agent_") {
			t.Fatal(rec, cred, err)
		}
		got, err := s.AgentByCredential(ctx, cred)
		if err != nil || got.Name != "vp1" || len(got.Addrs) != 1 || got.Addrs[0] != a {
			t.Errorf("by credential: %+v, %v", got, err)
		}
		if _, err := s.AgentByCredential(ctx, cred+"x"); !errors.Is(err, store.ErrUnknownCredential) {
			t.Errorf("a wrong credential: %v", err)
		}
		if _, _, err := s.AddAgent(ctx, "vp1", nil); err == nil {
			t.Error("a second agent of the same name was accepted")
		}
		if err := s.RevokeAgent(ctx, "vp1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AgentByCredential(ctx, cred); !errors.Is(err, store.ErrRevokedCredential) {
			t.Errorf("a revoked credential: %v", err)
		}
		if strings.HasPrefix(dsn, "sqlite:") || !strings.Contains(dsn, "://") {
			path := strings.TrimPrefix(dsn, "sqlite:")
			b, _ := os.ReadFile(path)
			if strings.Contains(string(b), cred) {
				t.Error("the credential is in the database file")
			}
		}
	})
}

// TestOnboardingAndAtlas: reports replace earlier ones; one atlas build
// runs at a time, and a failed build keeps the last good paths.
func TestOnboardingAndAtlas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		a := netip.MustParseAddr("10.0.0.1")
		for _, passed := range []bool{false, true} {
			if err := s.SaveOnboarding(ctx, store.Onboarding{Addr: a, Role: "source", Agent: "h1", Passed: passed, Report: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
		}
		o, err := s.OnboardingOf(ctx, a, "source")
		if err != nil || !o.Passed || o.Agent != "h1" {
			t.Errorf("onboarding: %+v, %v", o, err)
		}
		if _, err := s.OnboardingOf(ctx, a, "vantage_point"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("no vantage point report: %v", err)
		}
		if ok, err := s.StartAtlas(ctx, a, "agents"); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if ok, err := s.StartAtlas(ctx, a, "agents"); ok || err != nil {
			t.Errorf("a second build started while one runs: %v, %v", ok, err)
		}
		if err := s.FinishAtlas(ctx, a, []byte(`[1]`), []byte(`{}`), nil); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.StartAtlas(ctx, a, "ripe"); !ok {
			t.Fatal("no rebuild after a finished build")
		}
		if err := s.FinishAtlas(ctx, a, nil, nil, errors.New("no credits")); err != nil {
			t.Fatal(err)
		}
		at, err := s.AtlasOf(ctx, a)
		if err != nil || at.State != store.AtlasFailed || at.Provider != "ripe" || string(at.Paths) != "[1]" || at.PathsProvider != "agents" ||
			at.Error != "no credits" {
			t.Errorf("after a failed rebuild: %+v, %v", at, err)
		}
		if err := s.MarkAtlasStale(ctx, a); err != nil {
			t.Fatal(err)
		}
		if at, _ := s.AtlasOf(ctx, a); at.Stale.IsZero() {
			t.Error("clean did not mark the atlas stale")
		}
	})
}

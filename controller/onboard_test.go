package controller_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/revtr/revtr/agent"
	"github.com/revtr/revtr/agent/agenttest"
	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/controller/fleet/fleettest"
	"github.com/revtr/revtr/store"
)

// TestOnboardingWaitsForAnotherAgent starts a source's agent alone (in
// memory, no root): the controller does not fail its onboarding for lack
// of another agent to aim at while it is alone (observed over 25
// onboarding intervals), and passes it once a vantage point's agent has
// connected.
func TestOnboardingWaitsForAnotherAgent(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "revtr.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src, vp := netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("198.51.100.2")
	if err := st.AddSource(ctx, store.Source{Addr: src, Hostname: "src"}); err != nil {
		t.Fatal(err)
	}
	creds := map[string]string{}
	for name, a := range map[string]netip.Addr{"src": src, "vp": vp} {
		if _, creds[name], err = st.AddAgent(ctx, name, []netip.Addr{a}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := controller.Default()
	cfg.Backend.Kind = "agents"
	cfg.Agents.Listen = freeAddr(t)
	cfg.Agents.GeneratedCert, cfg.Agents.OnboardInterval = filepath.Join(dir, "agents-ca.pem"), 20*time.Millisecond
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := controller.New(ctx, cfg, st, nil, prometheus.NewRegistry(), log)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, ln) }()
	defer func() { cancel(); <-done }()
	waitUntil(t, "the agents' certificate", func() bool { _, err := os.Stat(cfg.Agents.GeneratedCert); return err == nil })
	ep := fleettest.Endpoint{Addr: cfg.Agents.Listen, CAFile: cfg.Agents.GeneratedCert}
	runAgent := func(name, role string, a netip.Addr) {
		ac := ep.AgentConfig(t, creds[name], 100)
		ac.Agent.Name, ac.Agent.Roles = name, []string{role}
		ag, err := agent.New(ac, (&agenttest.Prober{Own: []netip.Addr{a}}).Opener(), log)
		if err != nil {
			t.Fatal(err)
		}
		go ag.Run(ctx) // ends with ctx
	}
	report := func() (store.Onboarding, error) { return st.OnboardingOf(ctx, src, "source") }

	runAgent("src", agent.RoleSource, src)
	_, key, err := st.AddUser(ctx, store.NewUser{Name: "onboard", Sources: []netip.Addr{src}, PerDay: 100, Parallel: 10})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the source's agent connected", func() bool {
		req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/api/v2/agents", nil)
		req.Header.Set("Revtr-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var r controller.AgentsResult
		return json.NewDecoder(resp.Body).Decode(&r) == nil && len(r.Agents) == 1 && r.Agents[0].Status == "connected"
	})
	for deadline := time.Now().Add(25 * cfg.Agents.OnboardInterval); time.Now().Before(deadline); time.Sleep(cfg.Agents.OnboardInterval) {
		if o, err := report(); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the source alone was tested (passed %v): %s, %v; want no report until another agent connects", o.Passed, o.Report, err)
		}
	}
	runAgent("vp", agent.RoleVantagePoint, vp)
	waitUntil(t, "the source's onboarding report", func() bool { _, err := report(); return err == nil })
	if o, _ := report(); !o.Passed {
		t.Errorf("the source's report with a vantage point to aim at: %s; want passed", o.Report)
	}
}

// freeAddr is a loopback address nothing listens on now.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitUntil polls cond for up to 30 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 30s", what)
		}
	}
}

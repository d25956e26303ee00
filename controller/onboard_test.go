package controller_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/revtr/revtr/agent"
	"github.com/revtr/revtr/agent/agenttest"
	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/controller/fleet/fleettest"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/store"
)

// onboardWorld is a controller with the agents backend, in memory (no
// root), whose agents run when start says, each with its own fake prober.
type onboardWorld struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	cfg   controller.Config
	api   string // the API's address
	key   string // an API key of the sources
	ep    fleettest.Endpoint
	creds map[string]string
	addrs map[string]netip.Addr
	log   *slog.Logger
}

// newOnboardWorld registers the agents (name → address) and the sources
// among them, and starts the controller, onboarding every 20 ms.
func newOnboardWorld(t *testing.T, agents map[string]netip.Addr, sources ...string) *onboardWorld {
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "revtr.db"))
	if err != nil {
		t.Fatal(err)
	}
	w := &onboardWorld{t: t, ctx: ctx, st: st, creds: map[string]string{}, addrs: agents,
		log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	var srcs []netip.Addr
	for _, name := range sources {
		srcs = append(srcs, agents[name])
		if err := st.AddSource(ctx, store.Source{Addr: agents[name], Hostname: name}); err != nil {
			t.Fatal(err)
		}
	}
	for name, a := range agents {
		if _, w.creds[name], err = st.AddAgent(ctx, name, []netip.Addr{a}); err != nil {
			t.Fatal(err)
		}
	}
	if _, w.key, err = st.AddUser(ctx, store.NewUser{Name: "onboard", Sources: srcs, PerDay: 100, Parallel: 10}); err != nil {
		t.Fatal(err)
	}
	w.cfg = controller.Default()
	w.cfg.Backend.Kind = "agents"
	w.cfg.Agents.Listen = freeAddr(t)
	w.cfg.Agents.GeneratedCert, w.cfg.Agents.OnboardInterval = filepath.Join(dir, "agents-ca.pem"), 20*time.Millisecond
	c, err := controller.New(ctx, w.cfg, st, nil, prometheus.NewRegistry(), w.log)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.api = ln.Addr().String()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done; st.Close() })
	waitUntil(t, "the agents' certificate", func() bool { _, err := os.Stat(w.cfg.Agents.GeneratedCert); return err == nil })
	w.ep = fleettest.Endpoint{Addr: w.cfg.Agents.Listen, CAFile: w.cfg.Agents.GeneratedCert}
	return w
}

// start runs the agent name in role with prober p (nil: one that
// answers everything).
func (w *onboardWorld) start(name, role string, p *agenttest.Prober) *agenttest.Prober {
	if p == nil {
		p = &agenttest.Prober{}
	}
	p.Own = []netip.Addr{w.addrs[name]}
	ac := w.ep.AgentConfig(w.t, w.creds[name], 100)
	ac.Agent.Name, ac.Agent.Roles = name, []string{role}
	ag, err := agent.New(ac, p.Opener(), w.log)
	if err != nil {
		w.t.Fatal(err)
	}
	go ag.Run(w.ctx) // ends with ctx
	return p
}

// report is name's onboarding report in role, once there is one.
func (w *onboardWorld) report(name, role string) controller.Report {
	w.t.Helper()
	var o store.Onboarding
	waitUntil(w.t, name+"'s onboarding report", func() bool {
		var err error
		o, err = w.st.OnboardingOf(w.ctx, w.addrs[name], role)
		return err == nil
	})
	var r controller.Report
	if err := json.Unmarshal(o.Report, &r); err != nil {
		w.t.Fatal(err)
	}
	r.Passed = o.Passed
	return r
}

// waitConnected waits until the API lists n agents, all connected.
func (w *onboardWorld) waitConnected(n int) {
	w.t.Helper()
	waitUntil(w.t, fmt.Sprintf("%d agents connected", n), func() bool {
		req, _ := http.NewRequest(http.MethodGet, "http://"+w.api+"/api/v2/agents", nil)
		req.Header.Set("Revtr-Key", w.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var r controller.AgentsResult
		if json.NewDecoder(resp.Body).Decode(&r) != nil || len(r.Agents) != n {
			return false
		}
		for _, ag := range r.Agents {
			if ag.Status != "connected" {
				return false
			}
		}
		return true
	})
}

// TestOnboardingWaitsForAnotherAgent starts a source's agent alone: the
// controller does not fail its onboarding for lack of another agent to
// aim at while it is alone (observed over 25 onboarding intervals), and
// passes it once a vantage point's agent has connected.
func TestOnboardingWaitsForAnotherAgent(t *testing.T) {
	src, vp := netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("198.51.100.2")
	w := newOnboardWorld(t, map[string]netip.Addr{"src": src, "vp": vp}, "src")
	w.start("src", agent.RoleSource, nil)
	w.waitConnected(1)
	for deadline := time.Now().Add(25 * w.cfg.Agents.OnboardInterval); time.Now().Before(deadline); time.Sleep(w.cfg.Agents.OnboardInterval) {
		if o, err := w.st.OnboardingOf(w.ctx, src, "source"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the source alone was tested (passed %v): %s, %v; want no report until another agent connects", o.Passed, o.Report, err)
		}
	}
	w.start("vp", agent.RoleVantagePoint, nil)
	if r := w.report("src", "source"); !r.Passed {
		t.Errorf("the source's report with a vantage point to aim at: %+v; want passed", r)
	}
}

// TestOnboardingQuietOnceDone: once every agent has its report, the
// onboarding loop sends no Record Route ping (observed over 25
// intervals): the spoofing test's targets are pinged only when a vantage
// point is due.
func TestOnboardingQuietOnceDone(t *testing.T) {
	w := newOnboardWorld(t, map[string]netip.Addr{"src": netip.MustParseAddr("198.51.100.1"),
		"vp1": netip.MustParseAddr("198.51.100.2"), "vp2": netip.MustParseAddr("198.51.100.3")}, "src")
	// The vantage points first: one tested while the other had not
	// connected would have no target but itself.
	w.start("vp1", agent.RoleVantagePoint, nil)
	w.start("vp2", agent.RoleVantagePoint, nil)
	w.waitConnected(2)
	src := w.start("src", agent.RoleSource, nil)
	for _, vp := range []string{"vp1", "vp2"} {
		if r := w.report(vp, "vantage_point"); !r.Passed {
			t.Fatalf("%s: %+v; want passed", vp, r)
		}
	}
	before := src.RRPings()
	time.Sleep(25 * w.cfg.Agents.OnboardInterval) // an observation window: nothing may happen in it
	if n := src.RRPings() - before; n != 0 {
		t.Errorf("%d Record Route pings from the source in 25 onboarding intervals after every report; want none", n)
	}
}

// TestOnboardingSpoofTestSource: the vantage points' spoofing test
// spoofs as a source enough agents answer. The first source in address
// order passes its own test (the second source answers its Record Route
// pings, and no vantage point does); the second, which every agent
// answers, is taken, and every vantage point passes. The vantage points
// connect once both sources have passed, so that both are there to
// choose from.
func TestOnboardingSpoofTestSource(t *testing.T) {
	addrs := map[string]netip.Addr{"src1": netip.MustParseAddr("198.51.100.1"), "src2": netip.MustParseAddr("198.51.100.2")}
	for i := 1; i <= 4; i++ {
		addrs[fmt.Sprintf("vp%d", i)] = netip.AddrFrom4([4]byte{198, 51, 100, byte(10 + i)})
	}
	w := newOnboardWorld(t, addrs, "src1", "src2")
	w.start("src1", agent.RoleSource, &agenttest.Prober{Silent: func(r meas.RRRequest) bool { return r.Dst != addrs["src2"] }})
	w.start("src2", agent.RoleSource, nil)
	for _, src := range []string{"src1", "src2"} {
		if r := w.report(src, "source"); !r.Passed {
			t.Fatalf("%s: %+v; want passed", src, r)
		}
	}
	for i := 1; i <= 4; i++ {
		w.start(fmt.Sprintf("vp%d", i), agent.RoleVantagePoint, nil)
	}
	for i := 1; i <= 4; i++ {
		vp := fmt.Sprintf("vp%d", i)
		r := w.report(vp, "vantage_point")
		spoof := r.Checks[len(r.Checks)-1]
		if !r.Passed || spoof.Name != "spoofing" || !strings.Contains(spoof.Detail, "spoofed as "+addrs["src2"].String()) {
			t.Errorf("%s: passed %v, check %+v; want passed, spoofed as src2 (%v)", vp, r.Passed, spoof, addrs["src2"])
		}
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

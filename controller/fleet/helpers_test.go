package fleet_test

import (
	"context"
	"log/slog"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/revtr/revtr/agent"
	"github.com/revtr/revtr/controller/fleet"
	"github.com/revtr/revtr/controller/fleet/fleettest"
	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/topo"
)

// startFleet serves a fleet configured as cfg (its authentication
// fleettest's) and starts an agent, in this process, for every source
// and vantage point of lab l, probing at rate packets/s; it returns once
// every agent is connected.
func startFleet(t testing.TB, l *lab.Lab, cfg fleet.Config, rate float64) (*fleet.Fleet, *agent.Group) {
	t.Helper()
	hosts := agent.LabHosts(l)
	connected := make(chan fleet.Agent, len(hosts))
	cfg.Authenticate = fleettest.Authenticate
	cfg.Connected = func(a fleet.Agent) { connected <- a }
	cfg.Log = quietLog()
	f := fleet.New(cfg)
	f.SetAuthorized(sources(l.Topology()))
	ep := fleettest.Serve(t, f)
	g, err := agent.StartLab(context.Background(), l, ep.AgentConfig(t, fleettest.Credential, rate), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Error(err)
		}
	})
	timeout := time.After(time.Minute)
	for range hosts {
		select {
		case <-connected:
		case <-timeout:
			t.Fatalf("not every agent connected within a minute: %d of %d", len(f.Agents()), len(hosts))
		}
	}
	return f, g
}

// sources are the addresses of tp's sources.
func sources(tp *topo.Topology) []netip.Addr {
	var out []netip.Addr
	for _, id := range tp.Hosts() {
		if tp.Nodes[id].Role.Source {
			out = append(out, tp.HostAddr(id, false))
		}
	}
	return out
}

// quietLog logs warnings and errors only, to stderr.
func quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

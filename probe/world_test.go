package probe_test

import (
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/memnet"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/wire"
)

// world is where a test's probers run: a lab of real kernels (as root)
// or the in-memory network of package memnet (no root; in virtual
// time, the test running in a synctest bubble).
type world interface {
	// prober opens a prober on host, closed when the test ends.
	prober(t testing.TB, host string, cfg probe.Config) *probe.Prober
	// run runs a command on host for a failure message; "" where there
	// is no host to run it on.
	run(t testing.TB, host string, argv ...string) string
	// sendTimes runs load, which returns how many probes it sent, and
	// returns when each IPv4 packet host sent from src left.
	sendTimes(t testing.TB, host string, src netip.Addr, load func() int) []time.Time
}

// labWorld is a lab of network namespaces.
type labWorld struct{ l *lab.Lab }

func (w labWorld) prober(t testing.TB, host string, cfg probe.Config) *probe.Prober {
	t.Helper()
	return newProber(t, w.l, host, cfg)
}

func (w labWorld) run(t testing.TB, host string, argv ...string) string {
	return netnsExec(t, w.l, host, argv...)
}

// simWorld is memnet's in-memory network.
type simWorld struct{ n *memnet.Network }

func (w simWorld) prober(t testing.TB, host string, cfg probe.Config) *probe.Prober {
	t.Helper()
	h, err := w.n.Host(host)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Stack = h
	p, err := probe.New(cfg)
	if err != nil {
		t.Fatalf("new prober on %s: %v", host, err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("close prober on %s: %v", host, err)
		}
	})
	return p
}

func (simWorld) run(testing.TB, string, ...string) string { return "" }

func (w simWorld) sendTimes(t testing.TB, host string, src netip.Addr, load func() int) []time.Time {
	t.Helper()
	before := len(w.n.Sent())
	want := load()
	var out []time.Time
	for _, s := range w.n.Sent()[before:] {
		var ip wire.IPv4
		if s.Host == host && ip.Decode(s.Packet) == nil && ip.Src == src {
			out = append(out, s.At)
		}
	}
	if len(out) != want {
		t.Fatalf("%s sent %d packets from %s, the load %d", host, len(out), src, want)
	}
	return out
}

// group opens a prober on every host of tp and groups them; cfgFor gives
// each host's config (nil: fast defaults).
func group(t testing.TB, w world, tp *topo.Topology, cfgFor func(*topo.Node) probe.Config) *probe.Group {
	t.Helper()
	g := probe.NewGroup()
	for _, n := range tp.Hosts() {
		cfg := probe.Config{Rate: 2000, Timeout: time.Second}
		if cfgFor != nil {
			cfg = cfgFor(&tp.Nodes[n])
		}
		if err := g.Add(w.prober(t, tp.Nodes[n].Name, cfg)); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// inWorlds runs test on tp in both worlds: subtest "lab" (skipped without
// root) and subtest "sim", in a synctest bubble.
func inWorlds(t *testing.T, tp *topo.Topology, test func(t *testing.T, w world)) {
	t.Run("lab", func(t *testing.T) { test(t, labWorld{labtest.Up(t, tp)}) })
	t.Run("sim", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) { test(t, newSimWorld(t, tp)) })
	})
}

// newSimWorld realises tp in memory; the test fails if the network
// itself erred.
func newSimWorld(t testing.TB, tp *topo.Topology) simWorld {
	t.Helper()
	n, err := memnet.New(tp, sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Err(); err != nil {
			t.Error(err)
		}
	})
	return simWorld{n}
}

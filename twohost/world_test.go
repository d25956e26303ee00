package twohost_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/memnet"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/twohost"
)

// world is where a test's clients and responders run: a lab of real
// kernels (as root), or the in-memory network of package memnet (no
// root; in virtual time, the test running in a synctest bubble); both
// run real responders.
type world interface {
	// responder runs a responder on host with cfg.
	responder(t testing.TB, host string, cfg twohost.ResponderConfig) *twohost.Responder
	// client opens a client on host, closed when the test ends.
	client(t testing.TB, host string, cfg twohost.ClientConfig) *twohost.Client
	// prober opens a forward prober on host, closed when the test ends.
	prober(t testing.TB, host string) *probe.Prober
}

// proberConfig is the forward probers' configuration.
var proberConfig = probe.Config{Rate: 2000, Timeout: 500 * time.Millisecond}

type labWorld struct{ l *lab.Lab }

func (w labWorld) responder(t testing.TB, host string, cfg twohost.ResponderConfig) *twohost.Responder {
	t.Helper()
	return startResponder(t, w.l, host, cfg)
}

func (w labWorld) client(t testing.TB, host string, cfg twohost.ClientConfig) *twohost.Client {
	t.Helper()
	return newClient(t, w.l, host, cfg)
}

func (w labWorld) prober(t testing.TB, host string) *probe.Prober {
	t.Helper()
	return newProber(t, w.l, host)
}

type simWorld struct{ n *memnet.Network }

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

func (w simWorld) host(t testing.TB, name string) *memnet.Host {
	t.Helper()
	h, err := w.n.Host(name)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// responder runs a responder on host's e0 in the in-memory network,
// closed when the test ends.
func (w simWorld) responder(t testing.TB, host string, cfg twohost.ResponderConfig) *twohost.Responder {
	t.Helper()
	if cfg.Interface == "" {
		cfg.Interface = "e0"
	}
	if cfg.Logger == nil {
		cfg.Logger = quiet()
	}
	cfg.Stack = w.host(t, host)
	return closing[*twohost.Responder](t, host)(twohost.NewResponder(cfg))
}

func (w simWorld) client(t testing.TB, host string, cfg twohost.ClientConfig) *twohost.Client {
	t.Helper()
	cfg.Stack = w.host(t, host)
	return closing[*twohost.Client](t, host)(twohost.NewClient(cfg))
}

func (w simWorld) prober(t testing.TB, host string) *probe.Prober {
	t.Helper()
	cfg := proberConfig
	cfg.Stack = w.host(t, host)
	return closing[*probe.Prober](t, host)(probe.New(cfg))
}

// closing returns a function that fails the test if opening on host
// failed and closes what it opened when the test ends.
func closing[T interface{ Close() error }](t testing.TB, host string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("open on %s: %v", host, err)
		}
		t.Cleanup(func() {
			if err := v.Close(); err != nil {
				t.Errorf("close on %s: %v", host, err)
			}
		})
		return v
	}
}

// inWorlds runs test on tp (tperr its constructor's error) in both
// worlds: subtest "lab" (skipped without root) and subtest "sim", in a
// synctest bubble.
func inWorlds(t *testing.T, tp *topo.Topology, tperr error, test func(t *testing.T, w world)) {
	t.Helper()
	if tperr != nil {
		t.Fatalf("build topology: %v", tperr)
	}
	t.Run("lab", func(t *testing.T) { test(t, labWorld{upLab(t, tp, nil)}) })
	t.Run("sim", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) { test(t, newSimWorld(t, tp)) })
	})
}

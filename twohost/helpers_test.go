package twohost_test

import (
	"io"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/twohost"
)

func needRoot(t testing.TB) { t.Helper(); labtest.NeedRoot(t) }

// upLab builds tp, the result of a topology constructor, as a fresh lab
// removed when the test ends.
func upLab(t testing.TB, tp *topo.Topology, err error) *lab.Lab {
	t.Helper()
	labtest.NeedRoot(t)
	if err != nil {
		t.Fatalf("build topology: %v", err)
	}
	return labtest.Up(t, tp)
}

// quiet is a logger for tests: errors only.
func quiet() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startResponder runs a responder on node's e0, stopped when the test
// ends; cfg.Interface defaults to e0.
func startResponder(t testing.TB, l *lab.Lab, node string, cfg twohost.ResponderConfig) *twohost.Responder {
	t.Helper()
	if cfg.Interface == "" {
		cfg.Interface = "e0"
	}
	if cfg.Logger == nil {
		cfg.Logger = quiet()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	return labtest.Open(t, l, node, func() (*twohost.Responder, error) { return twohost.NewResponder(cfg) })
}

// newClient opens a client on node, closed when the test ends.
func newClient(t testing.TB, l *lab.Lab, node string, cfg twohost.ClientConfig) *twohost.Client {
	t.Helper()
	return labtest.Open(t, l, node, func() (*twohost.Client, error) { return twohost.NewClient(cfg) })
}

func hostAddr(t testing.TB, tp *topo.Topology, name string, v6 bool) netip.Addr {
	t.Helper()
	n, ok := tp.Node(name)
	if !ok {
		t.Fatalf("no node %s", name)
	}
	return tp.HostAddr(n.ID, v6)
}

// truthTrace is the ground-truth traceroute of flow f from src to dst:
// the inbound interface of every hop, the destination last.
func truthTrace(t testing.TB, tp *topo.Topology, src, dst netip.Addr, f meas.Flow) []netip.Addr {
	t.Helper()
	p, err := tp.FlowPath(topo.FlowKey{Src: src, Dst: dst, Flow: f})
	if err != nil {
		t.Fatalf("flow path: %v", err)
	}
	return tp.TraceAddrs(p, dst.Is6())
}

// fastClient is a client config for lab tests: short timeouts, and a rate
// within the responder's default per-requester limit (100/s, burst 50),
// which drops what exceeds it silently.
func fastClient() twohost.ClientConfig {
	return twohost.ClientConfig{Rate: 90, Burst: 40, Timeout: 500 * time.Millisecond}
}

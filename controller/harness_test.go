package controller_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/controller/internal/apitest"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/topo"
)

// simConfig is the emulated Internet of the tests: small, so that it is
// built in a fraction of a second.
var simConfig = controller.SimConfig{Seed: 3, Routers: 120}

var (
	simOnce    sync.Once
	simBackend controller.Backend
	simErr     error
)

// freshBackend returns a simulator backend of its own, whose measurement
// cache starts empty: for tests that count what a batch measures.
func freshBackend(t testing.TB) controller.Backend {
	t.Helper()
	b, err := controller.NewSimBackend(context.Background(), simConfig)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// backend returns the tests' simulator backend, built once: it is safe
// for concurrent use by several controllers, which share its cache.
func backend(t testing.TB) controller.Backend {
	simOnce.Do(func() { simBackend, simErr = controller.NewSimBackend(context.Background(), simConfig) })
	if simErr != nil {
		t.Fatal(simErr)
	}
	return simBackend
}

// targets are destinations of the tests' Internet that answer: its
// hosts with the destination role.
func targets(t testing.TB) []netip.Addr {
	tp, err := topo.Generate(simConfig.Seed, topo.SizedParams(simConfig.Routers))
	if err != nil {
		t.Fatal(err)
	}
	var out []netip.Addr
	for _, id := range tp.Hosts() {
		if n := tp.Nodes[id]; n.Role.Destination && !n.Role.Source {
			out = append(out, tp.HostAddr(id, false))
		}
	}
	if len(out) < 5 {
		t.Fatalf("only %d destinations", len(out))
	}
	return out
}

// quietLog logs warnings and errors only.
func quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// server is a controller serving over real HTTP on loopback.
type server struct {
	url   string
	store *store.Store
	srcs  []netip.Addr
	reg   *prometheus.Registry
}

// testConfig is the configuration of test controllers: no start rate,
// a quick poll.
func testConfig(name string) controller.Config {
	cfg := controller.Default()
	cfg.Name = name
	cfg.Scheduler.StartInterval = 0
	cfg.Scheduler.PollInterval = 50 * time.Millisecond
	cfg.Scheduler.Slice = 10
	cfg.DrainTimeout = 10 * time.Second
	return cfg
}

// serve starts a controller on the database dsn with the simulator
// backend (b nil: none), stopped when the test ends.
func serve(t testing.TB, dsn string, cfg controller.Config, b controller.Backend) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	c, err := controller.New(ctx, cfg, st, b, reg, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("controller stopped: %v", err)
		}
		st.Close()
	})
	s := &server{url: "http://" + ln.Addr().String(), store: st, reg: reg}
	ss, err := st.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ss {
		s.srcs = append(s.srcs, x.Addr)
	}
	return s
}

// client makes a key for the server's sources (all of them, or those
// given) and returns a client using it.
func (s *server) client(t *testing.T, perDay, parallel int, srcs ...netip.Addr) *apitest.Client {
	t.Helper()
	if len(srcs) == 0 {
		srcs = s.srcs
	}
	_, key, err := s.store.AddUser(context.Background(), store.NewUser{Name: t.Name(), Sources: srcs, PerDay: perDay, Parallel: parallel})
	if err != nil {
		t.Fatal(err)
	}
	return apitest.New(t, s.url, key)
}

// revtrs is a batch body of n reverse traceroutes from src to the
// targets, cycling.
func revtrs(src netip.Addr, dsts []netip.Addr, n int, label string) map[string]any {
	rs := make([]map[string]any, n)
	for i := range rs {
		rs[i] = map[string]any{"src": src.String(), "dst": dsts[i%len(dsts)].String(), "label": label}
	}
	return map[string]any{"revtrs": rs}
}

// waitDone follows a batch's progress events until it is done, and
// returns the last.
func waitDone(t *testing.T, c *apitest.Client, batch uint32) controller.BatchStatus {
	t.Helper()
	r := c.Do("GET", fmt.Sprintf("/api/v2/batches/%d/events", batch), nil).Want(t, 200)
	var last controller.BatchStatus
	for _, line := range strings.Split(string(r.Body), "\n") {
		if d, ok := strings.CutPrefix(line, "data: "); ok {
			if err := json.Unmarshal([]byte(d), &last); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !last.Done {
		t.Fatalf("progress of batch %d ended before it was done: %+v", batch, last)
	}
	return last
}

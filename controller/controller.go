package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"github.com/revtr/revtr/archive"
	"github.com/revtr/revtr/ipasn"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/web"
)

// Controller is the service: its API, its workers and its exporter, over
// a store and a backend.
type Controller struct {
	cfg     Config
	store   *store.Store
	backend Backend        // nil: this controller measures nothing
	agents  *agentsBackend // the backend, when it is agents
	log     *slog.Logger
	metrics *metrics
	gather  prometheus.Gatherer
	queue   queue
	api     huma.API
	handler http.Handler
	bogons  *ipasn.Bogons
	asmap   revtr.ASMap   // nil: the backend's annotation stands
	slots   chan struct{} // one per reverse traceroute in flight
	starts  *rate.Limiter
	ready   atomic.Bool
}

// New makes a controller over st measuring with b (nil: none; the
// controller then accepts and serves, and controllers with a backend on
// the same database measure). The backend's sources are authorized. reg
// receives the metrics, which /metrics serves.
func New(ctx context.Context, cfg Config, st *store.Store, b Backend, reg *prometheus.Registry, log *slog.Logger) (*Controller, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Controller{cfg: cfg, store: st, backend: b, log: log, gather: reg,
		slots: make(chan struct{}, cfg.Scheduler.MaxInFlight), starts: startLimiter(cfg.Scheduler.StartInterval)}
	var err error
	if c.metrics, err = newMetrics(reg); err != nil {
		return nil, fmt.Errorf("controller: metrics: %w", err)
	}
	if cfg.PrefixToAS != "" {
		if c.asmap, err = loadASMap(cfg.PrefixToAS); err != nil {
			return nil, err
		}
	}
	if cfg.Backend.Kind == "agents" && b == nil {
		c.agents = newAgentsBackend(cfg, st, c.asmap, log)
		if err := c.agents.rebuild(ctx); err != nil {
			return nil, err
		}
		b, c.backend = c.agents, c.agents
	}
	if m, ok := b.(interface{ Collectors() []prometheus.Collector }); ok {
		for _, col := range m.Collectors() {
			if err := reg.Register(col); err != nil {
				return nil, fmt.Errorf("controller: backend metrics: %w", err)
			}
		}
	}
	allow := cfg.API.Allow
	if b != nil {
		allow = append(append([]netip.Prefix(nil), allow...), b.Allow()...)
		gone, err := st.SyncSources(ctx, b.Sources())
		if err != nil {
			return nil, err
		}
		if len(gone) > 0 {
			log.Warn("sources withdrawn: the backend no longer has them", "sources", gone)
		}
	}
	if c.bogons, err = ipasn.NewBogons(allow...); err != nil {
		return nil, fmt.Errorf("controller: api.allow: %w", err)
	}
	if c.queue, err = newQueue(c, b != nil); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	c.api = c.newAPI(mux)
	c.routeRest(mux)
	c.handler = c.instrument(mux)
	return c, nil
}

// loadASMap reads a prefix-to-AS file.
func loadASMap(path string) (revtr.ASMap, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("controller: prefix_to_as: %w", err)
	}
	defer f.Close()
	m, err := ipasn.Load(f)
	if err != nil {
		return nil, fmt.Errorf("controller: prefix_to_as %s: %w", path, err)
	}
	return revtr.OriginAS{M: m}, nil
}

func startLimiter(every time.Duration) *rate.Limiter {
	if every <= 0 {
		return rate.NewLimiter(rate.Inf, 1)
	}
	return rate.NewLimiter(rate.Every(every), 1)
}

// Handler serves the API, /openapi.json, /metrics, /healthz, /readyz
// and the web UI (/ui/; / redirects there).
func (c *Controller) Handler() http.Handler { return c.handler }

// OpenAPI is the API's OpenAPI 3.1 document.
func (c *Controller) OpenAPI() ([]byte, error) {
	return json.MarshalIndent(c.api.OpenAPI(), "", "  ")
}

// routeRest adds what is not the API, and JSON answers for paths and
// methods the API does not have.
func (c *Controller) routeRest(mux *http.ServeMux) {
	mux.Handle("GET /metrics", promhttp.HandlerFor(c.gather, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", c.readyz)
	mux.Handle("GET /ui/", http.StripPrefix("/ui", web.Handler()))
	mux.Handle("GET /{$}", http.RedirectHandler("/ui/", http.StatusFound))
	for path, ops := range c.api.OpenAPI().Paths {
		allow := allowed(ops)
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeJSON(w, http.StatusMethodNotAllowed, apiError(http.StatusMethodNotAllowed, codeMethodNotAllowed, "%s is not allowed here; allowed: %s", r.Method, allow))
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError(http.StatusNotFound, codeNotFound, "no such path: see /openapi.json"))
	})
}

// allowed lists a path's methods, for the Allow header.
func allowed(p *huma.PathItem) string {
	var ms []string
	for _, m := range []struct {
		name string
		op   *huma.Operation
	}{{http.MethodGet, p.Get}, {http.MethodPost, p.Post}, {http.MethodPut, p.Put}, {http.MethodDelete, p.Delete}, {http.MethodPatch, p.Patch}} {
		if m.op != nil {
			ms = append(ms, m.name)
		}
	}
	return strings.Join(ms, ", ")
}

func (c *Controller) readyz(w http.ResponseWriter, r *http.Request) {
	if !c.ready.Load() {
		writeJSON(w, http.StatusServiceUnavailable, apiError(http.StatusServiceUnavailable, codeUnavailable, "not ready: starting or draining"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := c.store.Ping(ctx); err != nil {
		c.log.Warn("not ready: database", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, apiError(http.StatusServiceUnavailable, codeUnavailable, "not ready: the database does not answer"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do
}

// Run starts the workers and the exporter, serves the API on ln until ctx
// ends, then drains: no new requests, running requests and jobs finish
// (within the drain timeout; jobs still running then are handed back to
// the queue), and a last export.
func (c *Controller) Run(ctx context.Context, ln net.Listener) error {
	if c.backend != nil {
		// Jobs run with a context inheriting from Start's: not ctx, whose
		// end would cancel them at once instead of draining.
		if err := c.queue.start(context.WithoutCancel(ctx)); err != nil {
			return err
		}
	}
	srv := &http.Server{Handler: c.handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(c.log.Handler(), slog.LevelWarn)}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	c.background(bg, &wg)
	served := make(chan error, 2)
	go func() { served <- c.serve(srv, ln) }()
	var agentSrv *http.Server
	if c.agents != nil {
		var err error
		if agentSrv, err = c.serveAgents(bg, served); err != nil {
			stopBG()
			wg.Wait()
			if c.backend != nil {
				drain, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.DrainTimeout)
				defer cancel()
				err = errors.Join(err, c.queue.stop(drain))
			}
			return errors.Join(err, srv.Close())
		}
	}
	c.ready.Store(true)
	c.log.Info("listening", "addr", ln.Addr().String(), "backend", c.cfg.Backend.Kind, "db", string(c.store.Kind()))
	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	c.ready.Store(false)
	c.log.Info("draining")
	drain, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.DrainTimeout)
	defer cancel()
	err = errors.Join(err, ignoreClosed(srv.Shutdown(drain)))

	if c.backend != nil {
		err = errors.Join(err, c.queue.stop(drain))
	}
	if agentSrv != nil {
		// Once the jobs are done: the agents' sessions never go idle, so
		// they are closed; the agents reconnect (to this controller's
		// successor).
		err = errors.Join(err, ignoreClosed(agentSrv.Close()))
	}
	stopBG()
	wg.Wait()
	c.log.Info("stopped")
	return err
}

func (c *Controller) serve(srv *http.Server, ln net.Listener) error {
	if c.cfg.TLS.Cert != "" {
		return ignoreClosed(srv.ServeTLS(ln, c.cfg.TLS.Cert, c.cfg.TLS.Key))
	}
	return ignoreClosed(srv.Serve(ln))
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// background starts the exporter, the purge of archived results, the
// sweeper of abandoned jobs and the queue-depth sampler, which stop when ctx ends (the exporter after a
// last export).
func (c *Controller) background(ctx context.Context, wg *sync.WaitGroup) {
	if c.cfg.Archive.Dir != "" {
		e := &archive.Exporter{Store: c.store, Dir: c.cfg.Archive.Dir, Name: c.cfg.Name, Interval: c.cfg.Archive.Interval,
			Log: c.log.With("component", "archive"), Exported: func(_ string, n int) { c.metrics.archived.Add(float64(n)) }}
		wg.Go(func() {
			if err := e.Run(ctx); err != nil {
				c.log.Error("archive export stopped", "err", err)
			}
		})
	}
	if c.cfg.Archive.Dir != "" && c.cfg.Retention.Results > 0 {
		wg.Go(func() { c.every(ctx, c.cfg.Retention.Interval, c.purge) })
	}
	if c.backend != nil {
		wg.Go(func() { c.every(ctx, sweepEvery(c.cfg.Scheduler), c.sweep) })
	}
	if c.agents != nil {
		wg.Go(func() { c.every(ctx, c.cfg.Agents.OnboardInterval, c.agents.onboardAll) })
	}
	wg.Go(func() { c.every(ctx, 5*time.Second, c.sample) })
}

// sweepEvery is how often discarded jobs are looked for.
func sweepEvery(s SchedulerConfig) time.Duration {
	return time.Duration(math.Max(float64(time.Second), float64(10*s.PollInterval)))
}

func (c *Controller) every(ctx context.Context, d time.Duration, f func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		f(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (c *Controller) sweep(ctx context.Context) {
	n, err := c.queue.sweep(ctx)
	if err != nil && ctx.Err() == nil {
		c.log.Error("sweeping abandoned jobs", "err", err)
	}
	if n > 0 {
		c.metrics.swept.Add(float64(n))
		c.log.Warn("reverse traceroutes failed: their jobs ran out of attempts", "count", n)
	}
}

// purge deletes the batches archived longer ago than the retention.
func (c *Controller) purge(ctx context.Context) {
	p, err := c.store.Purge(ctx, time.Now().Add(-c.cfg.Retention.Results))
	if err != nil && ctx.Err() == nil {
		c.log.Error("purging archived results", "err", err)
	}
	c.metrics.purged.Add(float64(p.Revtrs))
	if p != (store.Purged{}) {
		c.log.Info("purged archived results", "batches", p.Batches, "revtrs", p.Revtrs, "exports", p.Exports)
	}
}

func (c *Controller) sample(ctx context.Context) {
	n, err := c.store.Pending(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("sampling the queue depth", "err", err)
		}
		return
	}
	c.metrics.pending.Set(float64(n))
}

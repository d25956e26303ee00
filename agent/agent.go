// Package agent is revtr's source and vantage-point agent: it dials the
// controller (outbound, so that it works behind NAT) over HTTP/2 with TLS,
// authenticates with its own credential, declares what it can measure,
// answers the controller's measurement requests with its own prober
// under its own rate limit, and streams the results back (protocol:
// rpc/agent/v1). A source captures the replies to the spoofed Record
// Route probes vantage points send as it, matching them to the probes it
// registered itself; a vantage point sends spoofed probes only as the
// authorized sources the controller names, and only if its operator lets
// it spoof. When the connection drops, the agent fails its in-flight work
// (the controller fails or retries the measurements) and reconnects with
// exponential backoff.
package agent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	"github.com/revtr/revtr/meas"
	agentv1 "github.com/revtr/revtr/rpc/agent/v1"
	"github.com/revtr/revtr/rpc/agent/v1/agentv1connect"
)

// Version is the agent's protocol software version, sent in Hello.
const Version = "revtr-agent/1"

// Prober is what an agent measures with: probe.Prober is one.
type Prober interface {
	meas.Pinger
	meas.RecordRouter
	meas.Tracer
	meas.MultipathTracer
	meas.RRCapturer
	meas.RRSender
	// Addrs are the host's addresses the prober sends from.
	Addrs() []netip.Addr
	Close() error
}

// Opener opens the agent's prober, allowed to spoof the given sources
// (none: it spoofs nothing). The agent opens one at start, and again
// when the controller's authorized sources change.
type Opener func(allowSpoof []netip.Addr) (Prober, error)

// Agent is one agent. Its zero value is not usable: call New.
type Agent struct {
	cfg    Config
	open   Opener
	log    *slog.Logger
	client agentv1connect.AgentServiceClient

	mu       sync.Mutex
	prober   Prober
	spoofing []netip.Addr // the sources prober may spoof
	sent     atomic.Uint64
	sessions atomic.Int64 // sessions established, for tests and logs
}

// New makes an agent of cfg (resolved: Load or Parse) measuring with the
// probers open opens; it opens the first one now.
func New(cfg Config, open Opener, log *slog.Logger) (*Agent, error) {
	tlsCfg, err := tlsConfig(cfg)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{TLSClientConfig: tlsCfg, ForceAttemptHTTP2: true,
		HTTP2: &http.HTTP2Config{SendPingTimeout: 10 * time.Second, PingTimeout: 10 * time.Second}}
	a := &Agent{cfg: cfg, open: open, log: log,
		client: agentv1connect.NewAgentServiceClient(&http.Client{Transport: tr}, cfg.URL())}
	if a.prober, err = open(nil); err != nil {
		return nil, fmt.Errorf("agent: open prober: %w", err)
	}
	return a, nil
}

// tlsConfig trusts the configured roots (or the system's) and checks the
// controller's name.
func tlsConfig(cfg Config) (*tls.Config, error) {
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.Agent.ServerName, NextProtos: []string{"h2"}}
	if cfg.Local.RootCA != "" {
		pem, err := os.ReadFile(cfg.Local.RootCA)
		if err != nil {
			return nil, fmt.Errorf("agent: %w: local.rootca: %w", ErrConfig, err)
		}
		t.RootCAs = x509.NewCertPool()
		if !t.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("agent: %w: local.rootca %s: no PEM certificate", ErrConfig, cfg.Local.RootCA)
		}
	}
	return t, nil
}

// Addrs are the addresses the agent measures from.
func (a *Agent) Addrs() []netip.Addr {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.prober.Addrs()
}

// Sessions counts the sessions the agent has had with the controller.
func (a *Agent) Sessions() int64 { return a.sessions.Load() }

// Close closes the agent's prober; call it after Run returns.
func (a *Agent) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.prober.Close()
}

// Run keeps a session with the controller until ctx ends: it connects,
// serves, and after each disconnection waits (doubling from
// reconnect_min to reconnect_max, with jitter; back to the minimum after
// a session that lasted a minute) and connects again. It returns nil
// when ctx ends.
func (a *Agent) Run(ctx context.Context) error {
	wait := a.cfg.Agent.ReconnectMin
	for {
		start := time.Now()
		err := a.Session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > time.Minute {
			wait = a.cfg.Agent.ReconnectMin
		}
		level := slog.LevelWarn
		if connect.CodeOf(err) == connect.CodeUnauthenticated {
			level = slog.LevelError
		}
		a.log.Log(ctx, level, "controller session ended; reconnecting", "err", err, "in", wait)
		jitter := time.Duration(rand.Int64N(int64(wait)/4 + 1))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait + jitter):
		}
		wait = min(2*wait, a.cfg.Agent.ReconnectMax)
	}
}

// hello is the agent's declaration of itself.
func (a *Agent) hello() *agentv1.Hello {
	h := &agentv1.Hello{Name: a.cfg.Agent.Name, Source: a.cfg.Has(RoleSource), VantagePoint: a.cfg.Has(RoleVantagePoint),
		Spoof: a.cfg.Has(RoleVantagePoint) && *a.cfg.Agent.Spoof, Rate: a.cfg.Scamper.Rate, Version: Version,
		Capabilities: []agentv1.Capability{agentv1.Capability_CAPABILITY_PING, agentv1.Capability_CAPABILITY_RECORD_ROUTE,
			agentv1.Capability_CAPABILITY_TRACEROUTE, agentv1.Capability_CAPABILITY_MULTIPATH}}
	if h.Source {
		h.Capabilities = append(h.Capabilities, agentv1.Capability_CAPABILITY_RR_CAPTURE)
	}
	if h.Spoof {
		h.Capabilities = append(h.Capabilities, agentv1.Capability_CAPABILITY_RR_SEND)
	}
	if _, ok := a.current().(meas.TwoHostTracer); ok {
		h.Capabilities = append(h.Capabilities, agentv1.Capability_CAPABILITY_TWO_HOST)
	}
	for _, ad := range a.Addrs() {
		h.Addrs = append(h.Addrs, ad.String())
	}
	return h
}

// useSpoofing reopens the prober if the sources it may spoof changed.
// No request is in flight: the session has just begun.
func (a *Agent) useSpoofing(srcs []netip.Addr) error {
	if !*a.cfg.Agent.Spoof || !a.cfg.Has(RoleVantagePoint) {
		srcs = nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if sameAddrs(srcs, a.spoofing) {
		return nil
	}
	p, err := a.open(srcs)
	if err != nil {
		return fmt.Errorf("agent: reopen prober to spoof %v: %w", srcs, err)
	}
	old := a.prober
	a.prober, a.spoofing = p, srcs
	return old.Close()
}

func sameAddrs(a, b []netip.Addr) bool {
	if len(a) != len(b) {
		return false
	}
	in := make(map[netip.Addr]bool, len(a))
	for _, x := range a {
		in[x] = true
	}
	for _, x := range b {
		if !in[x] {
			return false
		}
	}
	return true
}

// current is the prober in use.
func (a *Agent) current() Prober {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.prober
}

var errNoWelcome = errors.New("agent: the controller's first message is not a welcome")

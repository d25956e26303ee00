// Package fleet is the controller's side of its agents: it serves the
// agents' sessions (rpc/agent/v1 over Connect), authenticates them,
// keeps who is connected with what addresses, roles and capabilities,
// and measures through them: Fleet is a prober of many hosts (meas
// Pinger, RecordRouter, Tracer, MultipathTracer, RRCapturer,
// TwoHostTracer from sources), each
// request routed to the agent owning its source address, a spoofed
// Record Route ping expected at the source's agent and sent by the
// vantage point's; Host is the prober of one agent.
//
// Safety: a vantage point is only ever asked to spoof an authorized
// source (SetAuthorized), never when quarantined; a source's captured
// reply is only accepted as the answer to the expectation that source
// registered, for the addresses it named. Each agent has a window of
// outstanding requests (twice its rate, at least 64), so that work waits
// at the controller, not in an agent's queue; the agent's own prober
// paces its probes at its rate. An agent's loss fails its outstanding
// requests with ErrAgentLost, naming it and the cause.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	agentv1 "github.com/revtr/revtr/rpc/agent/v1"
	"github.com/revtr/revtr/rpc/agent/v1/agentv1connect"
)

// Errors callers branch on.
var (
	// ErrAgentLost: the agent answering a request disconnected first.
	ErrAgentLost = errors.New("agent lost")
	// ErrNoAgent: no agent serving the address a request names was
	// connected (within the configured wait).
	ErrNoAgent = errors.New("no agent connected")
	// ErrUnauthenticated: a session's credential is missing, unknown or
	// revoked.
	ErrUnauthenticated = errors.New("unknown agent credential")
)

// Identity is what a credential stands for.
type Identity struct {
	// Name is the agent's name at the controller.
	Name string
	// Addrs, if not empty, are the only addresses the agent may claim.
	Addrs []netip.Addr
}

// Config configures a Fleet.
type Config struct {
	// Authenticate returns the identity of a credential, or an error
	// wrapping ErrUnauthenticated.
	Authenticate func(ctx context.Context, credential string) (Identity, error)
	// Wait is how long a request for an address no agent serves waits
	// for one to connect (after a controller restart, agents reconnect
	// within their backoff). 0: it fails at once.
	Wait time.Duration
	// Timeout is the probe timeout of spoofed Record Route pings that name
	// none (the agents' own applies to the rest). Default meas.DefaultTimeout.
	Timeout time.Duration
	// StatusInterval is how often agents report their status. Default 10s.
	StatusInterval time.Duration
	// Connected, if set, is told of every session that begins (in its
	// own goroutine): the controller onboards new agents.
	Connected func(Agent)
	// Disconnected, if set, is told of every session that ends (in its
	// own goroutine).
	Disconnected func(Agent)
	Log          *slog.Logger
}

// Agent describes a connected agent.
type Agent struct {
	Name, Hostname, Version string
	Addrs                   []netip.Addr
	Source, VantagePoint    bool
	Spoof                   bool
	Rate                    float64
	Capabilities            []agentv1.Capability
	Connected, LastSeen     time.Time
	ProbesSent              uint64
	InFlight                int
}

// Can reports whether the agent has capability c.
func (a Agent) Can(c agentv1.Capability) bool { return slices.Contains(a.Capabilities, c) }

// Fleet is the connected agents. Its methods are safe for concurrent use.
type Fleet struct {
	cfg Config
	ids atomic.Uint64

	mu         sync.Mutex
	byAddr     map[netip.Addr]*conn
	changed    chan struct{} // closed and replaced at every change of byAddr
	authorized map[netip.Addr]bool
	quarantine map[netip.Addr]string
}

// New returns a fleet with no agent.
func New(cfg Config) *Fleet {
	if cfg.StatusInterval <= 0 {
		cfg.StatusInterval = 10 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Fleet{cfg: cfg, byAddr: map[netip.Addr]*conn{}, changed: make(chan struct{}),
		authorized: map[netip.Addr]bool{}, quarantine: map[netip.Addr]string{}}
}

// Handler is the agents' endpoint, to serve on HTTP/2 (TLS) at path.
func (f *Fleet) Handler() (path string, h http.Handler) {
	return agentv1connect.NewAgentServiceHandler(f)
}

// SetAuthorized replaces the authorized sources: the only addresses
// vantage points are asked to spoof. When they change, the sessions of
// the vantage points that spoof end, so that they reconnect and are
// welcomed with the new list (their prober opened to spoof those alone).
func (f *Fleet) SetAuthorized(srcs []netip.Addr) {
	m := make(map[netip.Addr]bool, len(srcs))
	for _, s := range srcs {
		m[s] = true
	}
	f.mu.Lock()
	changed := !maps.Equal(m, f.authorized)
	f.authorized = m
	var spoofers []*conn
	for _, c := range f.byAddr {
		if changed && c.can(capSend) && !slices.Contains(spoofers, c) {
			spoofers = append(spoofers, c)
		}
	}
	f.mu.Unlock()
	for _, c := range spoofers {
		c.end(errors.New("the authorized sources changed: reconnect for the new list"))
	}
}

// Authorized reports whether src is an authorized source.
func (f *Fleet) Authorized(src netip.Addr) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.authorized[src]
}

func (f *Fleet) authorizedList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.authorized))
	for a := range f.authorized {
		out = append(out, a.String())
	}
	slices.Sort(out)
	return out
}

// Quarantine stops the vantage point at addr from being asked to spoof,
// for reason; an empty reason lifts it.
func (f *Fleet) Quarantine(addr netip.Addr, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if reason == "" {
		delete(f.quarantine, addr)
		return
	}
	f.quarantine[addr] = reason
}

// Quarantined returns why the vantage point at addr is quarantined, if it is.
func (f *Fleet) Quarantined(addr netip.Addr) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.quarantine[addr]
	return r, ok
}

// Agents lists the connected agents, by first address.
func (f *Fleet) Agents() []Agent {
	f.mu.Lock()
	seen := map[*conn]bool{}
	var cs []*conn
	for _, c := range f.byAddr {
		if !seen[c] {
			seen[c] = true
			cs = append(cs, c)
		}
	}
	f.mu.Unlock()
	out := make([]Agent, len(cs))
	for i, c := range cs {
		out[i] = c.info()
	}
	slices.SortFunc(out, func(a, b Agent) int { return a.Addrs[0].Compare(b.Addrs[0]) })
	return out
}

// Agent returns the connected agent owning addr.
func (f *Fleet) Agent(addr netip.Addr) (Agent, bool) {
	f.mu.Lock()
	c := f.byAddr[addr.Unmap()]
	f.mu.Unlock()
	if c == nil {
		return Agent{}, false
	}
	return c.info(), true
}

// register makes c the owner of its addresses, ending the sessions it
// replaces (an agent that reconnects before its old session is noticed
// dead).
func (f *Fleet) register(c *conn) {
	f.mu.Lock()
	var old []*conn
	for _, a := range c.addrs {
		if o := f.byAddr[a]; o != nil && o != c {
			old = append(old, o)
		}
		f.byAddr[a] = c
	}
	f.notifyLocked()
	f.mu.Unlock()
	for _, o := range old {
		o.end(fmt.Errorf("replaced by a new session of agent %s", c.ident.Name))
	}
}

// unregister removes c where it still owns addresses.
func (f *Fleet) unregister(c *conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range c.addrs {
		if f.byAddr[a] == c {
			delete(f.byAddr, a)
		}
	}
	f.notifyLocked()
}

func (f *Fleet) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// owner returns the agent owning addr, waiting up to the configured wait
// for one to connect.
func (f *Fleet) owner(ctx context.Context, addr netip.Addr) (*conn, bool) {
	deadline := time.NewTimer(f.cfg.Wait)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		c, ch := f.byAddr[addr], f.changed
		f.mu.Unlock()
		if c != nil || f.cfg.Wait <= 0 {
			return c, c != nil
		}
		select {
		case <-ch:
		case <-deadline.C:
			return nil, false
		case <-ctx.Done():
			return nil, false
		}
	}
}

// Session serves one agent's session (the rpc handler).
func (f *Fleet) Session(ctx context.Context, st *connect.BidiStream[agentv1.AgentMessage, agentv1.ControllerMessage]) error {
	id, err := f.authenticate(ctx, st.RequestHeader().Get("Authorization"))
	if err != nil {
		f.cfg.Log.Warn("agent refused", "peer", st.Peer().Addr, "err", err)
		return connect.NewError(connect.CodeUnauthenticated, err)
	}
	m, err := st.Receive()
	if err != nil {
		return err
	}
	c, err := newConn(f, id, m.GetHello(), st)
	if err != nil {
		f.cfg.Log.Warn("agent refused", "agent", id.Name, "err", err)
		return connect.NewError(connect.CodePermissionDenied, err)
	}
	defer c.closeSend()
	if err := c.send(&agentv1.ControllerMessage{Msg: &agentv1.ControllerMessage_Welcome{Welcome: &agentv1.Welcome{Agent: id.Name,
		SpoofSources: f.authorizedList(), StatusIntervalNs: int64(f.cfg.StatusInterval)}}}); err != nil {
		return err
	}
	f.register(c)
	f.cfg.Log.Info("agent connected", "agent", id.Name, "addrs", c.addrs, "source", c.hello.GetSource(), "vantage_point", c.hello.GetVantagePoint())
	if f.cfg.Connected != nil {
		go f.cfg.Connected(c.info())
	}
	err = c.serve(ctx)
	f.unregister(c)
	f.cfg.Log.Info("agent disconnected", "agent", id.Name, "err", err)
	if f.cfg.Disconnected != nil {
		go f.cfg.Disconnected(c.info())
	}
	return nil
}

// authenticate checks an Authorization header: "Bearer <credential>".
func (f *Fleet) authenticate(ctx context.Context, header string) (Identity, error) {
	const scheme = "Bearer "
	if len(header) <= len(scheme) || header[:len(scheme)] != scheme {
		return Identity{}, fmt.Errorf("%w: no bearer credential", ErrUnauthenticated)
	}
	if f.cfg.Authenticate == nil {
		return Identity{}, fmt.Errorf("%w: this controller takes no agents", ErrUnauthenticated)
	}
	return f.cfg.Authenticate(ctx, header[len(scheme):])
}

package fleet_test

import (
	"context"
	"errors"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/revtr/revtr/agent"
	"github.com/revtr/revtr/agent/agenttest"
	"github.com/revtr/revtr/controller/fleet"
	"github.com/revtr/revtr/controller/fleet/fleettest"
	"github.com/revtr/revtr/internal/measpb"
	"github.com/revtr/revtr/meas"
)

var (
	src  = netip.MustParseAddr("10.0.0.1")
	src2 = netip.MustParseAddr("10.0.0.2")
	vp   = netip.MustParseAddr("10.0.1.1")
	dst  = netip.MustParseAddr("10.0.2.9")
)

// fakeFleet is a fleet with agents of in-memory probers (no root).
type fakeFleet struct {
	f         *fleet.Fleet
	ep        fleettest.Endpoint
	connected chan fleet.Agent
}

func newFakeFleet(t *testing.T, id func(context.Context, string) (fleet.Identity, error)) *fakeFleet {
	ff := &fakeFleet{connected: make(chan fleet.Agent, 8)}
	if id == nil {
		id = fleettest.Authenticate
	}
	ff.f = fleet.New(fleet.Config{Authenticate: id, Log: quietLog(), Connected: func(a fleet.Agent) { ff.connected <- a }})
	ff.ep = fleettest.Serve(t, ff.f)
	return ff
}

// start runs an agent of role over p and waits until it is connected.
func (ff *fakeFleet) start(t *testing.T, role string, p *agenttest.Prober) {
	t.Helper()
	cfg := ff.ep.AgentConfig(t, fleettest.Credential, 1000)
	cfg.Agent.Roles = []string{role}
	a, err := agent.New(cfg, p.Opener(), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-ff.connected:
	case <-time.After(30 * time.Second):
		t.Fatal("the agent did not connect")
	}
}

// TestSpoofOnlyAuthorized: a vantage point is never asked to spoof an
// address that is not an authorized source.
func TestSpoofOnlyAuthorized(t *testing.T) {
	ff := newFakeFleet(t, nil)
	s, v := &agenttest.Prober{Own: []netip.Addr{src}}, &agenttest.Prober{Own: []netip.Addr{vp}}
	ff.start(t, agent.RoleSource, s)
	ff.start(t, agent.RoleVantagePoint, v)
	ctx := context.Background()
	req := meas.RRRequest{Src: src, Dst: dst, Sender: vp}
	if _, err := ff.f.RecordRoute(ctx, req); !errors.Is(err, measpb.ErrSpoofNotAllowed) {
		t.Errorf("spoofed as an unauthorized source: %v, want ErrSpoofNotAllowed", err)
	}
	if _, err := ff.f.Host(vp).SendRR(ctx, meas.RRProbe{Src: src, Dst: dst}); !errors.Is(err, measpb.ErrSpoofNotAllowed) {
		t.Errorf("one host, as an unauthorized source: %v, want ErrSpoofNotAllowed", err)
	}
	if n := len(v.Sent()); n != 0 {
		t.Fatalf("the vantage point was asked to spoof an unauthorized source %d times", n)
	}
	ff.f.SetAuthorized([]netip.Addr{src})
	select { // the vantage point reconnects, welcomed with the new list
	case <-ff.connected:
	case <-time.After(30 * time.Second):
		t.Fatal("the vantage point did not reconnect")
	}
	ff.f.Quarantine(vp, "tested: spoofed probes never arrive")
	if _, err := ff.f.RecordRoute(ctx, req); !errors.Is(err, measpb.ErrSpoofNotAllowed) {
		t.Errorf("from a quarantined vantage point: %v, want ErrSpoofNotAllowed", err)
	}
	ff.f.Quarantine(vp, "")
	res, err := ff.f.RecordRoute(ctx, req)
	if err != nil || !res.Replied || res.Sender != vp {
		t.Fatalf("spoofed as an authorized source: %+v, %v", res, err)
	}
	if sent := v.Sent(); len(sent) != 1 || sent[0].Src != src || sent[0].ID != 7 || sent[0].Seq != 9 {
		t.Errorf("sent %+v; want one probe as %v with the source's echo id and sequence", sent, src)
	}
}

// TestCaptureOnlyOwn: a source's expectation and capture are accepted
// only for the probe it was asked for; a source that names another
// source's probe gets no vantage point to spoof it.
func TestCaptureOnlyOwn(t *testing.T) {
	ff := newFakeFleet(t, nil)
	ff.f.SetAuthorized([]netip.Addr{src, src2})
	s := &agenttest.Prober{Own: []netip.Addr{src}, Probe: func(p meas.RRProbe) meas.RRProbe { p.Src = src2; return p }}
	v := &agenttest.Prober{Own: []netip.Addr{vp}}
	ff.start(t, agent.RoleSource, s)
	ff.start(t, agent.RoleVantagePoint, v)
	ctx := context.Background()
	if _, err := ff.f.RecordRoute(ctx, meas.RRRequest{Src: src, Dst: dst, Sender: vp}); !errors.Is(err, measpb.ErrMalformed) {
		t.Errorf("a source handing out another source's probe: %v, want ErrMalformed", err)
	}
	if n := len(v.Sent()); n != 0 {
		t.Errorf("the vantage point sent %d probes for a source's wrong expectation", n)
	}
	s.Probe = nil
	s.Capture = func(r meas.RRExpectRequest) meas.RRPing { return meas.RRPing{Src: r.Src, Dst: src2, Replied: true} }
	if _, err := ff.f.RecordRoute(ctx, meas.RRRequest{Src: src, Dst: dst, Sender: vp}); !errors.Is(err, measpb.ErrMalformed) {
		t.Errorf("a capture of another probe's reply: %v, want ErrMalformed", err)
	}
}

// TestAddressClaim: an agent whose credential is bound to addresses
// cannot claim others, such as a source's.
func TestAddressClaim(t *testing.T) {
	ff := newFakeFleet(t, func(ctx context.Context, c string) (fleet.Identity, error) {
		id, err := fleettest.Authenticate(ctx, c)
		id.Addrs = []netip.Addr{vp}
		return id, err
	})
	cfg := ff.ep.AgentConfig(t, fleettest.Credential, 100)
	a, err := agent.New(cfg, (&agenttest.Prober{Own: []netip.Addr{src}}).Opener(), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Session(context.Background()); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Errorf("claiming %v with a credential of %v: %v, want permission denied", src, vp, err)
	}
	if _, ok := ff.f.Agent(src); ok {
		t.Error("the impostor is listed")
	}
}

// TestAgentLostMidMeasurement: an agent whose session ends while it
// measures fails its measurements with ErrAgentLost, and the controller
// sends nothing on the finished session (which would panic).
func TestAgentLostMidMeasurement(t *testing.T) {
	ff := newFakeFleet(t, nil)
	for range 20 {
		cfg := ff.ep.AgentConfig(t, fleettest.Credential, 1000)
		a, err := agent.New(cfg, (&agenttest.Prober{Own: []netip.Addr{src}, Hang: true}).Opener(), quietLog())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ended := make(chan struct{})
		go func() { defer close(ended); _ = a.Session(ctx) }()
		<-ff.connected
		res := make(chan error, 8)
		for range cap(res) {
			go func() { _, err := ff.f.Ping(context.Background(), meas.PingRequest{Src: src, Dst: dst}); res <- err }()
		}
		for ff.f.Agents()[0].InFlight < cap(res) {
			runtime.Gosched()
		}
		cancel()
		for range cap(res) {
			if err := <-res; !errors.Is(err, fleet.ErrAgentLost) {
				t.Fatalf("a ping at an agent that left: %v, want ErrAgentLost", err)
			}
		}
		<-ended
	}
}

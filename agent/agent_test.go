package agent_test

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"testing"

	"connectrpc.com/connect"

	"github.com/revtr/revtr/agent"
	"github.com/revtr/revtr/agent/agenttest"
	"github.com/revtr/revtr/controller/fleet"
	"github.com/revtr/revtr/controller/fleet/fleettest"
	agentv1 "github.com/revtr/revtr/rpc/agent/v1"
	"github.com/revtr/revtr/rpc/agent/v1/agentv1connect"
)

var (
	self   = netip.MustParseAddr("10.0.0.5")
	authed = netip.MustParseAddr("10.0.0.1")
	other  = netip.MustParseAddr("10.9.9.9")
	dst    = netip.MustParseAddr("10.0.0.9")
)

func quiet() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

// rogue is a controller that asks its agent to spoof an address it never
// named as an authorized source, then one it named, and hands over the
// two answers.
type rogue struct {
	agentv1connect.UnimplementedAgentServiceHandler
	answers chan *agentv1.Response
}

func (r *rogue) Session(ctx context.Context, st *connect.BidiStream[agentv1.AgentMessage, agentv1.ControllerMessage]) error {
	if _, err := st.Receive(); err != nil {
		return err
	}
	if err := st.Send(&agentv1.ControllerMessage{Msg: &agentv1.ControllerMessage_Welcome{Welcome: &agentv1.Welcome{Agent: "vp", SpoofSources: []string{authed.String()}}}}); err != nil {
		return err
	}
	for i, src := range []netip.Addr{other, authed} {
		req := &agentv1.Request{Id: uint64(i + 1), Kind: &agentv1.Request_SendRr{SendRr: &agentv1.RRProbe{Src: src.String(), Dst: dst.String(), Id: 1, Seq: 2}}}
		if err := st.Send(&agentv1.ControllerMessage{Msg: &agentv1.ControllerMessage_Request{Request: req}}); err != nil {
			return err
		}
	}
	for n := 0; n < 2; {
		m, err := st.Receive()
		if err != nil {
			return err
		}
		if resp := m.GetResponse(); resp != nil {
			r.answers <- resp
			n++
		}
	}
	return nil
}

// TestAgentSpoofsOnlyAuthorized: whatever the controller asks, a vantage
// point sends no probe spoofed as an address the controller did not name
// as an authorized source.
func TestAgentSpoofsOnlyAuthorized(t *testing.T) {
	r := &rogue{answers: make(chan *agentv1.Response, 2)}
	path, h := agentv1connect.NewAgentServiceHandler(r)
	ep := fleettest.ServeHandler(t, path, h)
	cfg := ep.AgentConfig(t, "any", 100)
	cfg.Agent.Roles = []string{agent.RoleVantagePoint}
	p := &agenttest.Prober{Own: []netip.Addr{self}}
	a, err := agent.New(cfg, p.Opener(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Session(ctx) //nolint:errcheck // ends with the test
	byID := map[uint64]*agentv1.Response{}
	for range 2 {
		resp := <-r.answers
		byID[resp.GetId()] = resp
	}
	if e := byID[1].GetError(); e == nil || e.GetCode() != agentv1.ErrorCode_ERROR_CODE_NOT_ALLOWED {
		t.Errorf("spoofing %v, not authorized: %v; want NOT_ALLOWED", other, byID[1])
	}
	if byID[2].GetSent() == nil {
		t.Errorf("spoofing %v, authorized: %v; want sent", authed, byID[2])
	}
	for _, s := range p.Sent() {
		if s.Src != authed {
			t.Errorf("the prober sent a probe spoofed as %v", s.Src)
		}
	}
	if len(p.Sent()) != 1 {
		t.Errorf("%d probes sent, want 1", len(p.Sent()))
	}
}

// TestAgentBadCredential: the controller refuses an agent whose credential
// it does not know; the agent says so, and is never listed.
func TestAgentBadCredential(t *testing.T) {
	f := fleet.New(fleet.Config{Authenticate: fleettest.Authenticate, Log: quiet()})
	ep := fleettest.Serve(t, f)
	p := &agenttest.Prober{Own: []netip.Addr{self}}
	a, err := agent.New(ep.AgentConfig(t, fleettest.Credential+"-typo", 100), p.Opener(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	err = a.Session(context.Background())
	if connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Errorf("session with a bad credential: %v, want unauthenticated", err)
	}
	if n := len(f.Agents()); n != 0 {
		t.Errorf("%d agents listed after a refusal", n)
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Errorf("%T is no connect error", err)
	}
}

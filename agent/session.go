package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"time"

	"connectrpc.com/connect"

	"github.com/revtr/revtr/internal/measpb"
	agentv1 "github.com/revtr/revtr/rpc/agent/v1"
)

// session is one connection to the controller.
type session struct {
	a      *Agent
	stream *connect.BidiStreamForClient[agentv1.AgentMessage, agentv1.ControllerMessage]
	sendMu sync.Mutex

	mu       sync.Mutex
	inFlight map[uint64]context.CancelFunc
}

// Session connects once, says hello, and serves the controller's requests
// until the session ends (its error says why; ctx's end ends it too);
// the requests still running then are canceled. Run calls it again and
// again.
func (a *Agent) Session(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := &session{a: a, stream: a.client.Session(ctx), inFlight: map[uint64]context.CancelFunc{}}
	s.stream.RequestHeader().Set("Authorization", "Bearer "+a.cfg.Agent.Credential)
	// The HTTP/2 transport notices the context's end only once the
	// request body is closed: closing it unblocks Receive.
	stop := context.AfterFunc(ctx, s.closeRequest)
	defer stop()
	defer s.closeRequest()
	// A controller that refuses the session (a bad credential) may answer
	// before the hello is written: Send then fails with io.EOF and
	// Receive holds the controller's error.
	if err := s.send(&agentv1.AgentMessage{Msg: &agentv1.AgentMessage_Hello{Hello: a.hello()}}); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	m, err := s.stream.Receive()
	if err != nil {
		return err
	}
	w := m.GetWelcome()
	if w == nil {
		return errNoWelcome
	}
	if err := a.useSpoofing(parseAddrs(w.GetSpoofSources())); err != nil {
		return err
	}
	a.sessions.Add(1)
	a.log.Info("connected to the controller", "as", w.GetAgent(), "url", a.cfg.URL(), "spoofing", len(w.GetSpoofSources()))
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() { s.status(ctx, time.Duration(w.GetStatusIntervalNs())) })
	for {
		m, err := s.stream.Receive()
		if err != nil {
			return err
		}
		switch x := m.Msg.(type) {
		case *agentv1.ControllerMessage_Request:
			rctx, rcancel := context.WithCancel(ctx)
			s.track(x.Request.GetId(), rcancel)
			wg.Go(func() {
				defer s.untrack(x.Request.GetId())
				s.serve(rctx, x.Request)
			})
		case *agentv1.ControllerMessage_Cancel:
			s.cancel(x.Cancel.GetId())
		}
	}
}

func parseAddrs(ss []string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// send sends one message; the stream's Send is not safe for concurrent use.
func (s *session) send(m *agentv1.AgentMessage) error {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if err := s.stream.Send(m); err != nil {
		return fmt.Errorf("agent: send: %w", err)
	}
	return nil
}

func (s *session) closeRequest() {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	_ = s.stream.CloseRequest() // its error is the session's, which Receive returns
}

func (s *session) respond(r *agentv1.Response) {
	// A send that fails ends the session's Receive too; nothing else to do.
	_ = s.send(&agentv1.AgentMessage{Msg: &agentv1.AgentMessage_Response{Response: r}})
}

func (s *session) track(id uint64, cancel context.CancelFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight[id] = cancel
}

func (s *session) untrack(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.inFlight[id]; ok {
		c()
		delete(s.inFlight, id)
	}
}

func (s *session) cancel(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.inFlight[id]; ok {
		c()
	}
}

// status reports the agent's counters every interval (0: every 10s).
func (s *session) status(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 10 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		n := len(s.inFlight)
		s.mu.Unlock()
		_ = s.send(&agentv1.AgentMessage{Msg: &agentv1.AgentMessage_Status{Status: &agentv1.Status{ProbesSent: s.a.sent.Load(), InFlight: uint32(n)}}})
	}
}

// errorResponse answers id with err; a canceled request says so.
func errorResponse(ctx context.Context, id uint64, err error, probes int) *agentv1.Response {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		err = fmt.Errorf("%w: %w", measpb.ErrCanceled, err)
	}
	return &agentv1.Response{Id: id, Kind: &agentv1.Response_Error{Error: measpb.Error(err, probes)}}
}

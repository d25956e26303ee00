package fleet

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"connectrpc.com/connect"

	agentv1 "github.com/revtr/revtr/rpc/agent/v1"
)

// conn is one agent's session at the controller.
type conn struct {
	f      *Fleet
	ident  Identity
	hello  *agentv1.Hello
	addrs  []netip.Addr
	st     *connect.BidiStream[agentv1.AgentMessage, agentv1.ControllerMessage]
	window chan struct{} // one token per outstanding request
	since  time.Time

	sendMu     sync.Mutex
	sendClosed bool // the session's handler returned: the stream is gone (under sendMu)

	mu       sync.Mutex
	pending  map[uint64]*call
	lastSeen time.Time
	status   *agentv1.Status
	ended    chan struct{} // closed when the session ends
	cause    error         // why, once ended
}

// newConn checks an agent's hello against its identity.
func newConn(f *Fleet, id Identity, h *agentv1.Hello, st *connect.BidiStream[agentv1.AgentMessage, agentv1.ControllerMessage]) (*conn, error) {
	if h == nil {
		return nil, errors.New("the first message is not a hello")
	}
	c := &conn{f: f, ident: id, hello: h, st: st, since: time.Now(), lastSeen: time.Now(),
		pending: map[uint64]*call{}, ended: make(chan struct{})}
	for _, s := range h.GetAddrs() {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.IsValid() || a.Zone() != "" {
			return nil, fmt.Errorf("hello: bad address %q", s)
		}
		if len(id.Addrs) > 0 && !slices.Contains(id.Addrs, a) {
			return nil, fmt.Errorf("hello: address %v is not one of agent %s's (%v)", a, id.Name, id.Addrs)
		}
		c.addrs = append(c.addrs, a.Unmap())
	}
	if len(c.addrs) == 0 {
		return nil, errors.New("hello: no address")
	}
	if h.GetRate() <= 0 {
		return nil, fmt.Errorf("hello: rate %v", h.GetRate())
	}
	c.window = make(chan struct{}, max(64, int(2*h.GetRate())))
	return c, nil
}

// serve reads the agent's messages until the session ends; outstanding
// requests then fail with ErrAgentLost.
func (c *conn) serve(ctx context.Context) error {
	recv := make(chan error, 1)
	go func() {
		for {
			m, err := c.st.Receive()
			if err != nil {
				recv <- err
				return
			}
			c.handle(m)
		}
	}()
	var err error
	select {
	case err = <-recv:
	case <-ctx.Done():
		err = context.Cause(ctx)
	case <-c.ended:
	}
	c.end(err)
	return c.cause
}

// handle files one message from the agent.
func (c *conn) handle(m *agentv1.AgentMessage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastSeen = time.Now()
	switch x := m.Msg.(type) {
	case *agentv1.AgentMessage_Response:
		if cl := c.pending[x.Response.GetId()]; cl != nil {
			cl.deliver(x.Response)
		}
	case *agentv1.AgentMessage_Status:
		c.status = x.Status
	}
}

// end ends the session (once) and fails what is outstanding.
func (c *conn) end(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.ended:
		return
	default:
	}
	if err == nil {
		err = errors.New("session closed")
	}
	c.cause = fmt.Errorf("%w: agent %s (%v): %w", ErrAgentLost, c.ident.Name, c.addrs[0], err)
	close(c.ended)
}

// send sends m on the session's stream, unless the session's handler
// returned (the stream may not be written then).
func (c *conn) send(m *agentv1.ControllerMessage) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if c.sendClosed {
		return fmt.Errorf("%w: agent %s (%v): session over", ErrAgentLost, c.ident.Name, c.addrs[0])
	}
	return c.st.Send(m)
}

// closeSend stops send for good; the session's handler calls it before
// it returns.
func (c *conn) closeSend() {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	c.sendClosed = true
}

// info describes the agent.
func (c *conn) info() Agent {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.hello
	a := Agent{Name: c.ident.Name, Hostname: h.GetName(), Version: h.GetVersion(), Addrs: slices.Clone(c.addrs),
		Source: h.GetSource(), VantagePoint: h.GetVantagePoint(), Spoof: h.GetSpoof(), Rate: h.GetRate(),
		Capabilities: slices.Clone(h.GetCapabilities()), Connected: c.since, LastSeen: c.lastSeen, InFlight: len(c.pending)}
	if c.status != nil {
		a.ProbesSent = c.status.GetProbesSent()
	}
	return a
}

func (c *conn) can(cap agentv1.Capability) bool {
	return slices.Contains(c.hello.GetCapabilities(), cap)
}

// call is one outstanding request.
type call struct {
	c     *conn
	id    uint64
	resp  chan *agentv1.Response // the agent's responses, in order
	final bool                   // a final response arrived (under c.mu)
}

// deliver hands a response over (under c.mu). Only an expectation gets
// more than one; a misbehaving agent's extra ones are dropped.
func (cl *call) deliver(r *agentv1.Response) {
	if cl.final {
		return
	}
	_, expecting := r.Kind.(*agentv1.Response_Expecting)
	cl.final = !expecting
	select {
	case cl.resp <- r:
	default:
	}
}

// start sends req once the agent's window has room.
func (c *conn) start(ctx context.Context, req *agentv1.Request) (*call, error) {
	select {
	case c.window <- struct{}{}:
	case <-c.ended:
		return nil, c.cause
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	req.Id = c.f.ids.Add(1)
	cl := &call{c: c, id: req.Id, resp: make(chan *agentv1.Response, 2)}
	c.mu.Lock()
	c.pending[req.Id] = cl
	c.mu.Unlock()
	if err := c.send(&agentv1.ControllerMessage{Msg: &agentv1.ControllerMessage_Request{Request: req}}); err != nil {
		cl.done()
		c.end(err)
		return nil, c.cause
	}
	return cl, nil
}

// next returns the call's next response.
func (cl *call) next(ctx context.Context) (*agentv1.Response, error) {
	select {
	case r := <-cl.resp:
		return r, nil
	case <-cl.c.ended:
		return nil, cl.c.cause
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// done forgets the call; one without its final response is canceled at
// the agent.
func (cl *call) done() {
	c := cl.c
	c.mu.Lock()
	final := cl.final
	delete(c.pending, cl.id)
	c.mu.Unlock()
	<-c.window
	if !final {
		_ = c.send(&agentv1.ControllerMessage{Msg: &agentv1.ControllerMessage_Cancel{Cancel: &agentv1.Cancel{Id: cl.id}}})
	}
}

// do sends req and returns its final response, or its error.
func (c *conn) do(ctx context.Context, req *agentv1.Request) (*agentv1.Response, error) {
	cl, err := c.start(ctx, req)
	if err != nil {
		return nil, err
	}
	defer cl.done()
	return cl.next(ctx)
}

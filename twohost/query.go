package twohost

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/revtr/revtr/internal/pace"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/wire"
)

// Query is one request as it goes on the wire: ask the responder to send
// a probe of protocol number Proto with TTL and Flow back toward the
// client. QueryOf builds it from a meas.Flow; the raw fields let tests
// ask for what no meas.Flow names.
type Query struct {
	TTL   uint8
	Proto wire.Proto // the probe's IANA protocol number: ICMP 1 (IPv4) or 58 (IPv6), TCP 6, UDP 17
	Flow  uint16     // the probe's UDP/TCP destination port, ICMP checksum; 0: the responder's default
	// Timeout is how long the answer is waited for; 0 means the
	// client's (ClientConfig.Timeout).
	Timeout time.Duration
}

// QueryOf returns the request for a probe of the normalised flow f (see
// meas.Flow.Normalize) at ttl toward a client of responder's family: the
// protocol number of the family, the flow's explicit destination port or
// checksum, so that the responder's defaults never matter.
func QueryOf(responder netip.Addr, f meas.Flow, ttl int, timeout time.Duration) Query {
	return Query{TTL: uint8(ttl), Proto: wire.Proto(f.Proto.Number(responder.Is6())), Flow: f.ID, Timeout: timeout}
}

// Answer is what came back for one Query.
type Answer struct {
	// Replied is false when nothing came back within the timeout.
	Replied bool
	// Echoed is set when a plain host echoed the request: no responder.
	Echoed bool
	// State is the responder's state (valid when Replied and not Echoed).
	State wire.TwoHostState
	// Reserved is the answer's reserved field: in a refusal of the newer
	// revision, the class and type of the extension object not served.
	Reserved uint16
	// Node answered the responder's probe, RTT is that probe's round trip
	// as the responder measured it (StateSuccess only).
	Node netip.Addr
	RTT  time.Duration
	// Elapsed is the request's own round trip, as the client measured it.
	Elapsed time.Duration
	// ReplyTTL is the IPv4 TTL or IPv6 hop limit the answer arrived with
	// (0 when unknown): the answer travels the reverse direction, so it
	// tells the reverse path's length (Distance).
	ReplyTTL uint8
}

// Distance estimates the hops from the responder to the client from the
// answer's remaining TTL, assuming the usual initial TTLs (64, 128, 255):
// the routers crossed plus the client itself. 0 when unknown.
func (a Answer) Distance() int {
	if a.ReplyTTL == 0 {
		return 0
	}
	for _, init := range []int{64, 128, 255} {
		if int(a.ReplyTTL) <= init {
			return init - int(a.ReplyTTL) + 1
		}
	}
	return 0
}

// Query sends one request to responder and waits for its answer, the
// timeout or ctx. A timeout is not an error: Answer.Replied is false.
func (c *Client) Query(ctx context.Context, responder netip.Addr, q Query) (Answer, error) {
	responder = responder.Unmap()
	s := c.s4
	if responder.Is6() {
		s = c.s6
	}
	switch {
	case !responder.IsValid():
		return Answer{}, fmt.Errorf("twohost: query: %w: no responder address", meas.ErrBadRequest)
	case s == nil:
		return Answer{}, fmt.Errorf("twohost: query %s: %w: %w", responder, meas.ErrNotSupported, ErrNoIPv6)
	}
	id, ch, err := c.register(responder)
	if err != nil {
		return Answer{}, fmt.Errorf("twohost: query %s: %w", responder, err)
	}
	defer c.unregister(responder, id)
	req := wire.TwoHostRequest{V6: responder.Is6(), ID: id, TTL: q.TTL, Proto: q.Proto, Flow: q.Flow}
	if t := c.cfg.ForwardTo; t.IsValid() && t.Is6() == responder.Is6() {
		req.HasExt, req.ExtClass, req.Target = true, wire.TwoHostTargetClass, t
	}
	if err := pace.Wait(ctx, c.limiter, c.done, ErrClientClosed); err != nil {
		return Answer{}, fmt.Errorf("twohost: query %s: %w", responder, err)
	}
	msg, err := c.encode(&req, responder)
	if err != nil {
		return Answer{}, fmt.Errorf("twohost: query %s: %w", responder, err)
	}
	sent := time.Now()
	if err := s.Send(msg, responder); err != nil {
		if c.closed.Load() {
			err = ErrClientClosed
		}
		return Answer{}, fmt.Errorf("twohost: send query to %s: %w", responder, err)
	}
	ans, err := c.await(ctx, ch, msg, sent, q.Timeout, responder.Is6())
	if err != nil {
		return Answer{}, fmt.Errorf("twohost: query %s: %w", responder, err)
	}
	return ans, nil
}

// encode builds the request message, padded to RequestLen, or to the
// length of a success answer for a responder that refused shorter ones.
func (c *Client) encode(req *wire.TwoHostRequest, dst netip.Addr) ([]byte, error) {
	// IPv4's checksum has no pseudo-header; the kernel computes ICMPv6's.
	// Zero padding does not change a one's complement sum.
	req.SetChecksum(c.source(dst), dst)
	n := c.cfg.RequestLen
	if c.needsPadding(dst) {
		n = max(n, wire.TwoHostSuccessLen)
	}
	b, err := req.AppendBinary(make([]byte, 0, max(n, wire.TwoHostIndirectLen)))
	if err != nil {
		return nil, err
	}
	for len(b) < n {
		b = append(b, 0)
	}
	return b, nil
}

// needsPadding reports whether responder refused unpadded requests.
func (c *Client) needsPadding(responder netip.Addr) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.padded[responder]
}

// padFrom makes every later request to responder as long as a success
// answer (the anti-amplification rule of the reference's newer
// revision); false when they already were.
func (c *Client) padFrom(responder netip.Addr) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.padded[responder] || c.cfg.RequestLen >= wire.TwoHostSuccessLen {
		return false
	}
	c.padded[responder] = true
	return true
}

// await waits for the answer to the request msg. A timeout while the
// answers of the family cannot be read is the read error.
func (c *Client) await(ctx context.Context, ch chan answer, msg []byte, sent time.Time, timeout time.Duration, v6 bool) (Answer, error) {
	if timeout <= 0 {
		timeout = c.cfg.Timeout
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case a := <-ch:
		ans := decodeAnswer(a.msg, msg, a.at.Sub(sent))
		ans.ReplyTTL = a.ttl
		return ans, nil
	case <-t.C:
		return Answer{}, c.readFault(v6)
	case <-ctx.Done():
		return Answer{}, ctx.Err()
	case <-c.done:
		return Answer{}, ErrClientClosed
	}
}

// decodeAnswer reads the echo reply b to request req. A reply whose bytes
// after the type, code and checksum equal the request's is a plain host's
// echo.
func decodeAnswer(b, req []byte, elapsed time.Duration) Answer {
	a := Answer{Replied: true, Elapsed: elapsed}
	if len(b) == len(req) && string(b[4:]) == string(req[4:]) {
		a.Echoed = true
		return a
	}
	var r wire.TwoHostResponse
	if err := r.Decode(b); err != nil {
		a.Echoed = true // not a response a responder sends
		return a
	}
	a.State, a.Reserved, a.Node, a.RTT = r.State, r.Reserved, r.Node, r.RTT
	return a
}

package twohost_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
	"github.com/revtr/revtr/wire"
)

// stateCase is one request and the answer it must get; probe is the
// flow of the probe the responder must send for it (zero: none).
type stateCase struct {
	name  string
	q     twohost.Query
	state wire.TwoHostState
	probe meas.Flow
}

// query returns the case's request toward a responder of the family:
// ICMP is protocol 1 over IPv4 and 58 over IPv6, as the client sends it.
func (sc stateCase) query(v6 bool) twohost.Query {
	q := sc.q
	if q.Proto == wire.ProtoICMP && v6 {
		q.Proto = wire.ProtoICMPv6
	}
	return q
}

// stateCases asks for every state a responder sends, and for the probes
// of each protocol's default flow (0), of ICMP flow 0xffff and of
// protocol 0 (the default, ICMP).
var stateCases = []stateCase{
	{"ttl0", twohost.Query{TTL: 0, Proto: wire.ProtoUDP, Flow: 33434}, wire.StateTTLZero, meas.Flow{}},
	{"badproto", twohost.Query{TTL: 3, Proto: 50, Flow: 1}, wire.StateBadProtocol, meas.Flow{}},
	{"success", twohost.Query{TTL: 1, Proto: wire.ProtoUDP, Flow: 33434}, wire.StateSuccess, udpFlow(33434)},
	{"udp-default", twohost.Query{TTL: 1, Proto: wire.ProtoUDP}, wire.StateSuccess, udpFlow(meas.DefaultUDPPort)},
	{"tcp-default", twohost.Query{TTL: 1, Proto: wire.ProtoTCP}, wire.StateSuccess,
		meas.Flow{Proto: meas.TCP, ID: meas.DefaultTCPPort, SrcPort: meas.TwoHostSrcPort}},
	{"icmp-default", twohost.Query{TTL: 1, Proto: wire.ProtoICMP}, wire.StateSuccess, meas.Flow{ID: meas.DefaultICMPChecksum}},
	{"icmp-ffff", twohost.Query{TTL: 1, Proto: wire.ProtoICMP, Flow: 0xffff}, wire.StateSuccess, meas.Flow{ID: 0xffff}},
	{"proto0", twohost.Query{TTL: 1}, wire.StateSuccess, meas.Flow{ID: meas.DefaultICMPChecksum}},
}

func udpFlow(port uint16) meas.Flow {
	return meas.Flow{Proto: meas.UDP, ID: port, SrcPort: meas.TwoHostSrcPort}
}

// successCases counts the cases answered with success.
func successCases() int {
	n := 0
	for _, sc := range stateCases {
		if sc.state == wire.StateSuccess {
			n++
		}
	}
	return n
}

// TestStates sends requests for every state to responders on a lab
// topology, a plain host, a responder that wants padded requests and one
// that serves only IPv4 requesters, and checks answers and counters.
func TestStates(t *testing.T) {
	tp, err := topotest.MultiAS()
	inWorlds(t, tp, err, func(t *testing.T, w world) { states(t, w, tp) })
}

func states(t *testing.T, w world, tp *topo.Topology) {
	r1 := w.responder(t, "h1", twohost.ResponderConfig{})
	h0v4 := hostAddr(t, tp, "h0", false)
	r2 := w.responder(t, "h2", twohost.ResponderConfig{MinRequestLen: wire.TwoHostSuccessLen,
		Allow: []netip.Prefix{netip.PrefixFrom(h0v4, 32)}})
	c := w.client(t, "h0", fastClient())
	padded := fastClient()
	padded.RequestLen = wire.TwoHostSuccessLen
	cp := w.client(t, "h0", padded)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, v6 := range []bool{false, true} {
		target := hostAddr(t, tp, "h1", v6)
		for _, sc := range stateCases {
			a, err := c.Query(ctx, target, sc.query(v6))
			if err != nil || !a.Replied || a.Echoed || a.State != sc.state {
				t.Errorf("v6=%v %s: %+v, %v; want state %v", v6, sc.name, a, err, sc.state)
			}
			if sc.state == wire.StateSuccess && (!a.Node.IsValid() || a.RTT <= 0 || a.RTT > a.Elapsed) {
				t.Errorf("v6=%v %s: node %v RTT %v (request took %v)", v6, sc.name, a.Node, a.RTT, a.Elapsed)
			}
		}
		// A plain host echoes the presence check.
		if p, err := c.Check(ctx, hostAddr(t, tp, "h3", v6)); p != twohost.NotRunning || err != nil {
			t.Errorf("v6=%v plain host: %v, %v; want %v", v6, p, err, twohost.NotRunning)
		}
		if _, err := c.TwoHostTrace(ctx, meas.TwoHostRequest{Dst: hostAddr(t, tp, "h3", v6)}); !errors.Is(err, meas.ErrNoResponder) {
			t.Errorf("v6=%v reverse from a plain host: %v, want ErrNoResponder", v6, err)
		}
	}
	// h2 refuses 12-byte requests, serves padded ones, ignores IPv6.
	h2 := hostAddr(t, tp, "h2", false)
	if a, err := c.Query(ctx, h2, stateCases[2].q); err != nil || a.State != wire.StateRefused {
		t.Errorf("short request: %+v, %v; want refused", a, err)
	}
	if a, err := cp.Query(ctx, h2, stateCases[2].q); err != nil || a.State != wire.StateSuccess {
		t.Errorf("padded request: %+v, %v; want success", a, err)
	}
	if p, err := cp.Check(ctx, hostAddr(t, tp, "h2", true)); p != twohost.Silent || err != nil {
		t.Errorf("requester outside the allow list: %v, %v; want silence", p, err)
	}
	s1, s2 := r1.Stats(), r2.Stats()
	if s1.Answers[wire.StateTTLZero] != 2 || s1.Answers[wire.StateBadProtocol] != 2 || s1.Answers[wire.StateBadFlow] != 0 ||
		s1.Answers[wire.StateSuccess] != uint64(2*successCases()) {
		t.Errorf("responder answers %v", s1.Answers)
	}
	if s2.Refused[twohost.ReasonTooSmall] != 1 || s2.Refused[twohost.ReasonDenied] != 3 || s2.Answers[wire.StateSuccess] != 1 {
		t.Errorf("restricted responder: refused %v, answers %v", s2.Refused, s2.Answers)
	}
}

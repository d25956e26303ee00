package twohost

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/wire"
)

// TestConfig checks defaults and the errors of bad configurations.
func TestConfig(t *testing.T) {
	c, err := ResponderConfig{Interface: "e0"}.withDefaults()
	if err != nil || c.MaxSessions != 5000 || c.Timeout != 5*time.Second || c.Rate != DefaultRate || c.Logger == nil {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	for _, bad := range []ResponderConfig{
		{},
		{Interface: "e0", MaxSessions: 1 << 16},
		{Interface: "e0", Timeout: -time.Second},
		{Interface: "e0", MinRequestLen: 9000},
		{Interface: "e0", Burst: -1},
	} {
		if _, err := bad.withDefaults(); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v, want ErrConfig", bad, err)
		}
	}
}

// TestLimits checks the requester policy and both token buckets.
func TestLimits(t *testing.T) {
	a, b := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.1.1")
	l := newLimits(ResponderConfig{Rate: 1, Burst: 3, RequesterRate: 1, RequesterBurst: 2, MaxRequesters: 1,
		Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}, Deny: []netip.Prefix{netip.MustParsePrefix("10.0.1.0/24")}})
	if !l.permitted(a) || l.permitted(b) || l.permitted(netip.MustParseAddr("10.1.0.1")) {
		t.Error("allow/deny lists misapplied")
	}
	now := time.Now()
	got := []Reason{}
	for _, who := range []netip.Addr{a, a, a, b, netip.MustParseAddr("10.0.0.2")} {
		if r, ok := l.take(who, now); !ok {
			got = append(got, r)
		}
	}
	// a: 2 allowed then its bucket is empty; b: allowed (3rd global token),
	// the next requester finds the global bucket empty.
	if len(got) != 2 || got[0] != ReasonRequesterRate || got[1] != ReasonGlobalRate {
		t.Errorf("refusals %v", got)
	}
	if n := l.requesters(); n != 1 {
		t.Errorf("%d requester limiters kept, limit 1", n)
	}
	for _, bad := range []string{"0.0.0.0", "127.0.0.1", "224.0.0.1", "fe80::1", "::ffff:10.0.0.1", "ff02::1"} {
		if probeable(netip.MustParseAddr(bad)) {
			t.Errorf("%s accepted as a requester", bad)
		}
	}
}

// TestSessions checks the session table's bound, ids, duplicates and
// expiry.
func TestSessions(t *testing.T) {
	tbl := newSessions(2, 0xfffe)
	now := time.Now()
	a := netip.MustParseAddr("10.0.0.1")
	id1, _, ok1 := tbl.add(session{requester: a, queryID: 1, sent: now.Add(-time.Minute)})
	_, why, dup := tbl.add(session{requester: a, queryID: 1, sent: now})
	id2, _, ok2 := tbl.add(session{requester: a, queryID: 2, sent: now})
	_, full, ok3 := tbl.add(session{requester: a, queryID: 3, sent: now})
	if !ok1 || !ok2 || ok3 || dup || why != ReasonDuplicate || full != ReasonTableFull || id1 == 0 || id2 == 0 || id1 == id2 {
		t.Fatalf("ids %d %d, added %v %v %v %v (%v, %v)", id1, id2, ok1, dup, ok2, ok3, why, full)
	}
	if n := tbl.expire(now.Add(-time.Second)); n != 1 {
		t.Errorf("expired %d, want 1", n)
	}
	if _, _, ok := tbl.add(session{requester: a, queryID: 1, sent: now}); !ok {
		t.Error("a query id whose session expired cannot be used again")
	}
	if _, ok := tbl.take(id1, func(*session) bool { return true }); ok {
		t.Error("took an expired session")
	}
	if _, ok := tbl.take(id2, func(s *session) bool { return false }); ok {
		t.Error("took a session its match refused")
	}
	if _, ok := tbl.take(id2, func(s *session) bool { return true }); !ok {
		t.Error("could not take a live session")
	}
	if now, highest := tbl.len(); now != 1 || highest != 2 {
		t.Errorf("len %d, highest %d", now, highest)
	}
}

// TestRequestStates checks admit's answer for each request problem.
func TestRequestStates(t *testing.T) {
	r := &Responder{cfg: ResponderConfig{MinRequestLen: 0}, lim: newLimits(ResponderConfig{Rate: -1, RequesterRate: -1})}
	src := netip.MustParseAddr("10.0.0.1")
	for _, tt := range []struct {
		v6    bool
		req   wire.TwoHostRequest
		state wire.TwoHostState
	}{
		{false, wire.TwoHostRequest{TTL: 0, Proto: wire.ProtoUDP}, wire.StateTTLZero},
		{false, wire.TwoHostRequest{TTL: 1, Proto: wire.ProtoICMPv6}, wire.StateBadProtocol},
		{true, wire.TwoHostRequest{TTL: 1, Proto: wire.ProtoICMP}, wire.StateSuccess},
		{false, wire.TwoHostRequest{TTL: 1, Proto: wire.ProtoICMP, Flow: 0xffff}, wire.StateSuccess},
		{false, wire.TwoHostRequest{TTL: 1, Proto: 0}, wire.StateSuccess},
		{true, wire.TwoHostRequest{TTL: 1, Proto: 0}, wire.StateSuccess},
		{false, wire.TwoHostRequest{TTL: 1, Proto: 50}, wire.StateBadProtocol},
		{false, wire.TwoHostRequest{TTL: 9, Proto: wire.ProtoTCP, Flow: 0xffff}, wire.StateSuccess},
	} {
		in := inbound{src: src, v6: tt.v6, icmpLen: 12, req: tt.req}
		if tt.v6 {
			in.src = netip.MustParseAddr("2001:db8::1")
		}
		if s, _, ok := r.admit(&in, time.Now()); !ok || s != tt.state {
			t.Errorf("%+v: state %v, %v; want %v", tt.req, s, ok, tt.state)
		} else if tt.req.Proto == 0 && in.flow != (meas.Flow{Proto: meas.ICMP, ID: meas.DefaultICMPChecksum}) {
			t.Errorf("%+v: flow %v, want ICMP's default", tt.req, in.flow)
		}
	}
}

// TestHotPathAllocs checks that parsing a request and encoding its answer
// allocate nothing.
func TestHotPathAllocs(t *testing.T) {
	src, dst := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	req := wire.TwoHostRequest{ID: 7, TTL: 3, Proto: wire.ProtoUDP, Flow: 33434}
	req.SetChecksum(src, dst)
	icmp, _ := req.AppendBinary(nil)
	h := wire.IPv4{TTL: 64, Protocol: wire.ProtoICMP, Src: src, Dst: dst, TotalLen: uint16(20 + len(icmp))}
	if err := h.SetChecksum(); err != nil {
		t.Fatal(err)
	}
	pkt, _ := h.AppendBinary(nil)
	pkt = append(pkt, icmp...)
	var buf [128]byte
	n := testing.AllocsPerRun(100, func() {
		var in inbound
		if !parseRequest(pkt, &in) {
			t.Fatal("request not parsed")
		}
		resp := wire.TwoHostResponse{ID: in.req.ID, State: wire.StateSuccess, Node: in.src, RTT: time.Millisecond}
		if _, err := appendResponse(buf[:0], in.dst, in.src, resp); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per request", n)
	}
}

// TestNoInterface checks the error for an unknown interface; nothing is
// opened or sent.
func TestNoInterface(t *testing.T) {
	if _, err := NewResponder(ResponderConfig{Interface: "revtr-none9"}); !errors.Is(err, ErrNoInterface) {
		t.Errorf("unknown interface: %v", err)
	}
}

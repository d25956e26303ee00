package twohost_test

import (
	"context"
	"encoding/binary"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
	"github.com/revtr/revtr/wire"
)

// The tests of this file run a real responder on the in-memory network of
// package memnet, in virtual time: no root, and exact counts however
// loaded the machine is (the lab tests hold the same behaviour on real
// kernels, within rate bounds).

// memWorld realises tp in memory with the hosts named in noEcho ignoring
// pings (the responder's ICMP probes toward them stay unanswered).
func memWorld(t *testing.T, tp *topo.Topology, err error, noEcho ...string) simWorld {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range noEcho {
		nd, _ := tp.Node(h)
		nd.Role.NoEcho = true
	}
	return newSimWorld(t, tp)
}

// rawSender writes whole IPv4 packets from host, as a raw socket does.
type rawSender struct {
	c   probe.Conn
	src netip.Addr
}

func (w simWorld) rawSender(t *testing.T, host string) rawSender {
	t.Helper()
	c, err := w.host(t, host).OpenSend(false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return rawSender{c, hostAddr(t, w.n.Topology(), host, false)}
}

// send writes the request req to dst; mangle, when not nil, changes the
// ICMP message first (a malformed request).
func (s rawSender) send(t *testing.T, dst netip.Addr, req wire.TwoHostRequest, mangle func([]byte) []byte) {
	t.Helper()
	req.SetChecksum(s.src, dst)
	msg, err := req.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if mangle != nil {
		msg = mangle(msg)
	}
	h := wire.IPv4{TTL: 64, Protocol: wire.ProtoICMP, Src: s.src, Dst: dst, TotalLen: uint16(wire.IPv4HeaderLen + len(msg))}
	if err := h.SetChecksum(); err != nil {
		t.Fatal(err)
	}
	b, err := h.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.c.Send(append(b, msg...), dst); err != nil {
		t.Fatal(err)
	}
}

// settle lets virtual time run for d, then waits for the responder to
// handle what arrived.
func settle(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// TestResponderRequesters queries one responder from two requesters at
// once, every TTL, all three protocols, both families: each answer holds
// the node at its TTL on the path back to its own requester — never one
// of the other requester's probes.
func TestResponderRequesters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tp, err := topotest.MultiAS()
		w := memWorld(t, tp, err)
		w.responder(t, "h3", twohost.ResponderConfig{})
		var wg sync.WaitGroup
		for _, host := range []string{"h0", "h2"} {
			c := w.client(t, host, twohost.ClientConfig{Rate: 1000, Burst: 100})
			for _, v6 := range []bool{false, true} {
				target, client := hostAddr(t, tp, "h3", v6), hostAddr(t, tp, host, v6)
				for _, f := range []meas.Flow{{Proto: meas.ICMP, ID: 7}, {Proto: meas.UDP, ID: 40000}, {Proto: meas.TCP, ID: 80}} {
					if f.Proto != meas.ICMP {
						f.SrcPort = meas.TwoHostSrcPort
					}
					want := truthTrace(t, tp, target, client, f)
					for ttl := 1; ttl <= len(want); ttl++ {
						wg.Go(func() {
							a, err := c.Query(context.Background(), target, twohost.QueryOf(target, f, ttl, 0))
							if err != nil || !a.Replied || a.State != wire.StateSuccess || a.Node != want[ttl-1] {
								t.Errorf("%s, %v, TTL %d: %+v, %v; want %s", host, f, ttl, a, err, want[ttl-1])
							}
						})
					}
				}
			}
		}
		wg.Wait()
	})
}

// TestResponderTimeout: a probe left unanswered (the requester ignores
// pings) ends its session no sooner than the timeout after it left and
// within one sweep after; the port unreachable that comes back for a
// session already timed out matches nothing, and the requester gets no
// answer — which it gets with a timeout longer than the round trip.
func TestResponderTimeout(t *testing.T) {
	const delay, timeout, sweep = 30 * time.Millisecond, 100 * time.Millisecond, 10 * time.Millisecond
	for _, tt := range []struct {
		timeout time.Duration
		answer  bool
	}{{timeout, false}, {time.Second, true}} {
		synctest.Test(t, func(t *testing.T) {
			tp, err := topotest.Chain(3) // h0 – r0 – r1 – r2 – h1: 4 links each way
			for i := range tp.Links {
				tp.Links[i].Delay = delay
			}
			w := memWorld(t, tp, err, "h0")
			r := w.responder(t, "h1", twohost.ResponderConfig{Timeout: tt.timeout})
			c := w.client(t, "h0", twohost.ClientConfig{Timeout: 2 * time.Second})
			target := hostAddr(t, tp, "h1", false)
			var icmp, udp twohost.Answer
			var wg sync.WaitGroup
			wg.Go(func() { icmp, _ = c.Query(context.Background(), target, twohost.Query{TTL: 64, Proto: wire.ProtoICMP}) })
			wg.Go(func() { udp, _ = c.Query(context.Background(), target, twohost.Query{TTL: 64, Proto: wire.ProtoUDP}) })
			settle(4*delay + timeout) // the requests arrive after 4 delays; the UDP probe's reply 8 later
			if st := r.Stats(); st.Sessions != 2 || st.Timeouts != 0 {
				t.Errorf("timeout %v, %v after the probes: %d sessions, %d timeouts; want 2, 0", tt.timeout, timeout, st.Sessions, st.Timeouts)
			}
			wg.Wait()
			st := r.Stats()
			want := twohost.Stats{Timeouts: 2, Unmatched: 1}
			if tt.answer {
				want = twohost.Stats{Timeouts: 1}
			}
			if st.Timeouts != want.Timeouts || st.Unmatched != want.Unmatched || st.Sessions != 0 || icmp.Replied {
				t.Errorf("timeout %v: %d timeouts, %d unmatched, %d sessions, ICMP answer %+v; want %d, %d, 0, none",
					tt.timeout, st.Timeouts, st.Unmatched, st.Sessions, icmp, want.Timeouts, want.Unmatched)
			}
			if udp.Replied != tt.answer || (tt.answer && (udp.Node != hostAddr(t, tp, "h0", false) || udp.RTT != 8*delay)) {
				t.Errorf("timeout %v: UDP answer %+v, want one %v (h0, RTT %v)", tt.timeout, udp, tt.answer, 8*delay)
			}
		})
	}
	synctest.Test(t, func(t *testing.T) {
		tp, err := topotest.Chain(1)
		w := memWorld(t, tp, err, "h0")
		r := w.responder(t, "h1", twohost.ResponderConfig{Timeout: timeout})
		w.rawSender(t, "h0").send(t, hostAddr(t, tp, "h1", false), wire.TwoHostRequest{TTL: 64, Proto: wire.ProtoICMP}, nil)
		settle(time.Millisecond) // the request is there, the probe sent
		start := time.Now()
		settle(timeout)
		if st := r.Stats(); st.Sessions != 1 {
			t.Errorf("%v after the probe: %d sessions, want 1", time.Since(start), st.Sessions)
		}
		settle(sweep)
		if st := r.Stats(); st.Sessions != 0 || st.Timeouts != 1 {
			t.Errorf("%v after the probe: %d sessions, %d timeouts; want 0, 1", time.Since(start), st.Sessions, st.Timeouts)
		}
	})
}

// TestResponderRateLimits spends the token buckets exactly: three
// requesters sending 5 requests at once to a responder with a global
// bucket of 8 and per-requester buckets of 3 get 3, 3 and 2 probes (the
// 9th admitted by its requester's bucket finds the global one empty);
// after a second each bucket holds one more token, and only one of two
// requests passes.
func TestResponderRateLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tp, err := topotest.MultiAS()
		w := memWorld(t, tp, err)
		r := w.responder(t, "h1", twohost.ResponderConfig{Rate: 1, Burst: 8, RequesterRate: 1, RequesterBurst: 3})
		target := hostAddr(t, tp, "h1", false)
		senders := map[string]rawSender{}
		for _, h := range []string{"h0", "h2", "h3"} {
			senders[h] = w.rawSender(t, h)
			for id := range uint16(5) {
				senders[h].send(t, target, wire.TwoHostRequest{ID: id, TTL: 1, Proto: wire.ProtoUDP}, nil)
			}
		}
		settle(100 * time.Millisecond) // every request arrived, within a tenth of a token's refill
		st := r.Stats()
		if st.Requests != 15 || st.Probes != 8 || st.Refused[twohost.ReasonRequesterRate] != 6 || st.Refused[twohost.ReasonGlobalRate] != 1 {
			t.Errorf("first burst: %d requests, %d probes, refused %v; want 15, 8, 6 requester_rate, 1 global_rate",
				st.Requests, st.Probes, st.Refused)
		}
		settle(time.Second)
		for id := range uint16(2) {
			senders["h0"].send(t, target, wire.TwoHostRequest{ID: 10 + id, TTL: 1, Proto: wire.ProtoUDP}, nil)
		}
		settle(100 * time.Millisecond)
		if st := r.Stats(); st.Probes != 9 || st.Refused[twohost.ReasonRequesterRate] != 7 {
			t.Errorf("a second later: %d probes, refused %v; want 9, 7 requester_rate", st.Probes, st.Refused)
		}
	})
}

// TestResponderFlood is TestFlood in virtual time, where the bounds are
// exact: three requesters (ignoring pings) each send 200 packets at once,
// one in two malformed; each requester's bucket of 50 admits 50 of its
// 100 requests, the table of 64 sessions takes 64 of those 150, every
// malformed packet is counted, and once the sessions time out the
// responder serves again.
func TestResponderFlood(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tp, err := topotest.MultiAS()
		flooders := []string{"h0", "h2", "h3"}
		w := memWorld(t, tp, err, flooders...)
		cfg := twohost.ResponderConfig{MaxSessions: 64, Timeout: 300 * time.Millisecond,
			Rate: 2000, Burst: 200, RequesterRate: 300, RequesterBurst: 50}
		r := w.responder(t, "h1", cfg)
		target := hostAddr(t, tp, "h1", false)
		for _, h := range flooders {
			s := w.rawSender(t, h)
			for i := range uint16(200) {
				var mangle func([]byte) []byte
				switch i % 4 {
				case 1:
					mangle = func(b []byte) []byte { // no TTL, protocol, flow
						b = b[:8]
						b[2], b[3] = 0, 0
						binary.BigEndian.PutUint16(b[2:], wire.Checksum(b))
						return b
					}
				case 3:
					mangle = func(b []byte) []byte { b[2] ^= 0x5a; return b } // bad checksum
				}
				s.send(t, target, wire.TwoHostRequest{ID: i, TTL: 64, Proto: wire.ProtoICMP, Flow: 1000 + i}, mangle)
			}
		}
		settle(100 * time.Millisecond)
		st := r.Stats()
		if st.Requests != 300 || st.Refused[twohost.ReasonMalformed] != 300 || st.Refused[twohost.ReasonRequesterRate] != 150 ||
			st.Refused[twohost.ReasonTableFull] != 86 || st.Probes != 64 || st.MaxSessions != 64 || st.Requesters != 3 {
			t.Errorf("%d requests, %d probes, most sessions %d, %d requesters, refused %v; want 300, 64, 64, 3, "+
				"300 malformed, 150 requester_rate, 86 table_full", st.Requests, st.Probes, st.MaxSessions, st.Requesters, st.Refused)
		}
		settle(cfg.Timeout)
		if st := r.Stats(); st.Sessions != 0 || st.Timeouts != 64 {
			t.Errorf("after the timeout: %d sessions, %d timeouts; want 0, 64", st.Sessions, st.Timeouts)
		}
		c := w.client(t, "h0", twohost.ClientConfig{})
		if p, err := c.Check(context.Background(), target); p != twohost.Running || err != nil {
			t.Errorf("after the flood: %v, %v", p, err)
		}
	})
}

// TestResponderDuplicate is TestDuplicateQuery in virtual time: of two
// requests with the same (requester, query id) while the first's probe is
// unanswered, the second is dropped; once the session timed out, the id
// is served again.
func TestResponderDuplicate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tp, err := topotest.Chain(2)
		w := memWorld(t, tp, err, "h0")
		timeout := time.Second
		r := w.responder(t, "h1", twohost.ResponderConfig{Timeout: timeout})
		s, target := w.rawSender(t, "h0"), hostAddr(t, tp, "h1", false)
		for _, id := range []uint16{7, 7, 8} {
			s.send(t, target, wire.TwoHostRequest{ID: id, TTL: 64, Proto: wire.ProtoICMP, Flow: 4242}, nil)
		}
		settle(10 * time.Millisecond)
		if st := r.Stats(); st.Requests != 3 || st.Refused[twohost.ReasonDuplicate] != 1 || st.Probes != 2 || st.Sessions != 2 {
			t.Errorf("%d requests, refused %v, %d probes, %d sessions; want 3, one duplicate, 2, 2", st.Requests, st.Refused, st.Probes, st.Sessions)
		}
		settle(timeout + 100*time.Millisecond)
		s.send(t, target, wire.TwoHostRequest{ID: 7, TTL: 64, Proto: wire.ProtoICMP, Flow: 4242}, nil)
		settle(10 * time.Millisecond)
		if st := r.Stats(); st.Refused[twohost.ReasonDuplicate] != 1 || st.Probes != 3 || st.Timeouts != 2 {
			t.Errorf("after the timeout: refused %v, %d probes, %d timeouts; want one duplicate, 3, 2", st.Refused, st.Probes, st.Timeouts)
		}
	})
}

package twohost

import (
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/wire"
)

// chanStack is an IPv4-only ResponderStack whose sockets are channels, for
// tests that write packets no network would carry (replies quoting a
// probe with one field changed) and read exactly what the responder sent.
type chanStack struct {
	addr     netip.Addr
	requests *chanConn // requests in, answers out
	probes   *chanConn // nothing in, probes out
	replies  map[wire.Proto]*chanConn
}

func newChanStack(addr netip.Addr) *chanStack {
	return &chanStack{addr: addr, requests: newChanConn(), probes: newChanConn(),
		replies: map[wire.Proto]*chanConn{wire.ProtoICMP: newChanConn(), wire.ProtoTCP: newChanConn()}}
}

func (s *chanStack) Addrs() ([]netip.Addr, error) { return []netip.Addr{s.addr}, nil }

func (s *chanStack) OpenRequests(string) (RequestConn, error) { return chanRequests{s.requests}, nil }

func (s *chanStack) OpenSend(v6 bool) (probe.Conn, error) {
	if v6 {
		return nil, ErrNoIPv6
	}
	return s.probes, nil
}

func (s *chanStack) OpenRecv(v6 bool, proto wire.Proto) (probe.Conn, error) {
	if c, ok := s.replies[proto]; ok && !v6 {
		return c, nil
	}
	return nil, fmt.Errorf("no %v socket: %w", proto, ErrNoIPv6)
}

// chanConn is a socket reading in and writing out.
type chanConn struct {
	in, out chan []byte
	done    chan struct{}
	once    sync.Once
}

func newChanConn() *chanConn {
	return &chanConn{in: make(chan []byte, 16), out: make(chan []byte, 16), done: make(chan struct{})}
}

func (c *chanConn) recv(b []byte) (int, error) {
	select {
	case p := <-c.in:
		return copy(b, p), nil
	case <-c.done:
		return 0, os.ErrClosed
	}
}

// Recv reads an IPv4 packet (its source is in its header).
func (c *chanConn) Recv(b []byte) (int, netip.Addr, error) {
	n, err := c.recv(b)
	return n, netip.Addr{}, err
}

func (c *chanConn) Send(b []byte, _ netip.Addr) error {
	c.out <- slices.Clone(b)
	return nil
}

func (c *chanConn) Close() error {
	c.once.Do(func() { close(c.done) })
	return nil
}

// sent returns the packets written since the last call.
func (c *chanConn) sent() [][]byte {
	var out [][]byte
	for {
		select {
		case b := <-c.out:
			out = append(out, b)
		default:
			return out
		}
	}
}

type chanRequests struct{ *chanConn }

func (c chanRequests) Recv(b []byte) (int, LinkAddr, error) {
	n, err := c.recv(b)
	return n, LinkAddr{Ifindex: 1}, err
}

func (c chanRequests) Send(b []byte, _ LinkAddr) error { return c.chanConn.Send(b, netip.Addr{}) }

// ipv4Packet puts msg behind an IPv4 header from src to dst.
func ipv4Packet(tb testing.TB, proto wire.Proto, src, dst netip.Addr, msg []byte) []byte {
	tb.Helper()
	h := wire.IPv4{TTL: 64, Protocol: proto, Src: src, Dst: dst, TotalLen: uint16(wire.IPv4HeaderLen + len(msg))}
	if err := h.SetChecksum(); err != nil {
		tb.Fatal(err)
	}
	b, err := h.AppendBinary(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return append(b, msg...)
}

// Offsets in a responder's IPv4 probe (a 20-byte header): the session id
// (UDP checksum, ICMP sequence, TCP sequence low bits), the instance
// (IPv4 identification for UDP; ICMP identifier, TCP sequence high bits),
// the ports.
const (
	offTag      = 26
	offInstance = 24
	offIPID     = 4
	offSport    = 20
	offDport    = 22
	offSrc      = 12
	offDst      = 16
)

// TestReplyMatching writes, for a probe of each protocol, replies that
// differ from its true reply in one field — another requester's address,
// another local address, another session id, another instance, other
// ports, the echo reply or reset from another host — none of which may
// end the session or reach the requester; then the true reply, answered
// with the node and the RTT; then the true reply again, which matches
// nothing.
func TestReplyMatching(t *testing.T) {
	local, requester := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.1.1")
	other, router := netip.MustParseAddr("10.0.2.1"), netip.MustParseAddr("10.9.9.9")
	for _, proto := range []wire.Proto{wire.ProtoICMP, wire.ProtoUDP, wire.ProtoTCP} {
		t.Run(proto.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := newChanStack(local)
				r, err := NewResponder(ResponderConfig{Interface: "e0", Stack: st, Rate: -1, RequesterRate: -1,
					Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				req := wire.TwoHostRequest{ID: 9, Seq: 3, TTL: 2, Proto: proto, Flow: 40000}
				req.SetChecksum(requester, local)
				msg, _ := req.AppendBinary(nil)
				st.requests.in <- ipv4Packet(t, wire.ProtoICMP, requester, local, msg)
				synctest.Wait()
				probes := st.probes.sent()
				if len(probes) != 1 {
					t.Fatalf("%v: %d probes sent, want 1", proto, len(probes))
				}
				pr := probes[0]
				instance := offInstance
				if proto == wire.ProtoUDP {
					instance = offIPID
				}
				changed := func(off int, v []byte) []byte { b := slices.Clone(pr); copy(b[off:], v); return b }
				bump := func(off int) []byte { b := slices.Clone(pr); b[off+1]++; return b }
				wrong := map[string][]byte{
					"another requester": changed(offDst, other.AsSlice()),
					"another local":     changed(offSrc, other.AsSlice()),
					"another session":   bump(offTag),
					"another instance":  bump(instance),
				}
				if proto != wire.ProtoICMP {
					wrong["another source port"], wrong["another flow"] = bump(offSport), bump(offDport)
				}
				for name, q := range wrong {
					st.replies[wire.ProtoICMP].in <- timeExceeded(t, router, local, q)
					synctest.Wait()
					if n := r.Stats().Sessions; n != 1 || len(st.requests.sent()) != 0 {
						t.Errorf("%v, time exceeded quoting %s: matched (%d sessions left)", proto, name, n)
					}
				}
				if reply, sock := hostReply(t, proto, other, local, pr); reply != nil {
					st.replies[sock].in <- reply
					synctest.Wait()
					if n := r.Stats().Sessions; n != 1 || len(st.requests.sent()) != 0 {
						t.Errorf("%v: the destination's reply from another host matched", proto)
					}
				}
				unmatched := r.Stats().Unmatched
				st.replies[wire.ProtoICMP].in <- timeExceeded(t, router, local, pr)
				synctest.Wait()
				answers := st.requests.sent()
				var resp wire.TwoHostResponse
				if len(answers) != 1 || resp.Decode(answers[0][wire.IPv4HeaderLen:]) != nil ||
					resp.ID != 9 || resp.Seq != 3 || resp.State != wire.StateSuccess || resp.Node != router {
					t.Fatalf("%v: answers %x to the true reply; want one naming %s", proto, answers, router)
				}
				st.replies[wire.ProtoICMP].in <- timeExceeded(t, router, local, pr)
				synctest.Wait()
				if s := r.Stats(); s.Unmatched != unmatched+1 || s.Sessions != 0 || len(st.requests.sent()) != 0 {
					t.Errorf("%v: the true reply again: %d unmatched (want %d), %d sessions", proto, s.Unmatched, unmatched+1, s.Sessions)
				}
			})
		})
	}
}

// timeExceeded is the IPv4 time exceeded from router to dst quoting q.
func timeExceeded(t *testing.T, router, dst netip.Addr, q []byte) []byte {
	m := wire.TimeExceeded{Code: wire.CodeTTLExceeded, Body: q}
	m.SetChecksum(router, dst)
	b, err := m.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	return ipv4Packet(t, wire.ProtoICMP, router, dst, b)
}

// hostReply is what the destination of the IPv4 probe pr sends back if
// it answers by itself (ICMP: echo reply, TCP: reset), sent from from,
// and the protocol of the socket it arrives on; nil for UDP.
func hostReply(t *testing.T, proto wire.Proto, from, dst netip.Addr, pr []byte) ([]byte, wire.Proto) {
	switch proto {
	case wire.ProtoICMP:
		e := wire.Echo{Reply: true, ID: binary.BigEndian.Uint16(pr[offInstance:]), Seq: binary.BigEndian.Uint16(pr[offTag:])}
		e.SetChecksum(from, dst)
		b, _ := e.AppendBinary(nil)
		return ipv4Packet(t, wire.ProtoICMP, from, dst, b), wire.ProtoICMP
	case wire.ProtoTCP:
		tcp := wire.TCP{SrcPort: binary.BigEndian.Uint16(pr[offDport:]), DstPort: binary.BigEndian.Uint16(pr[offSport:]),
			Ack: binary.BigEndian.Uint32(pr[offInstance:]) + 1, Flags: wire.TCPRst | wire.TCPAck}
		if err := tcp.SetChecksum(from, dst, nil); err != nil {
			t.Fatal(err)
		}
		b, _ := tcp.AppendBinary(nil)
		return ipv4Packet(t, wire.ProtoTCP, from, dst, b), wire.ProtoTCP
	}
	return nil, 0
}

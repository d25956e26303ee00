package rawsock_test

import (
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"golang.org/x/net/bpf"

	"github.com/revtr/revtr/internal/rawsock"
	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/wire"
)

// chain is a lab h0 – r0 – h1 with its hosts' addresses.
type chain struct {
	l      *lab.Lab
	h0, h1 [2]netip.Addr // by family: [0] IPv4, [1] IPv6
}

func upChain(t testing.TB) chain {
	t.Helper()
	tp, err := topotest.Chain(1)
	if err != nil {
		t.Fatal(err)
	}
	c := chain{l: labtest.Up(t, tp)}
	for i, v6 := range []bool{false, true} {
		n0, _ := tp.Node("h0")
		n1, _ := tp.Node("h1")
		c.h0[i], c.h1[i] = tp.HostAddr(n0.ID, v6), tp.HostAddr(n1.ID, v6)
	}
	return c
}

// in opens a socket on node with open and closes it when the test ends.
func in[C interface{ Close() error }](t *testing.T, l *lab.Lab, node string, open func() (C, error)) C {
	t.Helper()
	var c C
	err := l.Do(node, func() error {
		var err error
		c, err = open()
		return err
	})
	if err != nil {
		t.Fatalf("open on %s: %v", node, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// guard closes c if the test is still running after a while, so that a
// lost packet fails the test instead of hanging it.
func guard(t *testing.T, c interface{ Close() error }) {
	tm := time.AfterFunc(10*time.Second, func() { c.Close() })
	t.Cleanup(func() { tm.Stop() })
}

// resend sends pkt to dst at once and then every 100 ms until stop is
// called, as a prober retransmits: under load the kernel may install a
// fresh lab's IPv6 addresses (a deferred work item, even with nodad) after
// lab.Up returns, and drop what arrives before (Ip6InAddrErrors).
func resend(t *testing.T, s *rawsock.Conn, pkt []byte, dst netip.Addr) (stop func()) {
	done, errc := make(chan struct{}), make(chan error, 1)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if err := s.Send(pkt, dst); err != nil {
				errc <- err
				return
			}
			select {
			case <-done:
				errc <- nil
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		close(done)
		if err := <-errc; err != nil {
			t.Errorf("send: %v", err)
		}
	}
}

// echo builds a whole IP packet: an echo request (or reply) from src to
// dst with the given identifier, sequence number and hop limit.
func echo(t testing.TB, src, dst netip.Addr, id, seq uint16, ttl uint8, reply bool) []byte {
	t.Helper()
	e := wire.Echo{V6: dst.Is6(), Reply: reply, ID: id, Seq: seq, Data: []byte("rawsock")}
	e.SetChecksum(src, dst)
	icmp, err := e.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	var pkt []byte
	if dst.Is6() {
		h := wire.IPv6{PayloadLen: uint16(len(icmp)), NextHeader: wire.ProtoICMPv6, HopLimit: ttl, Src: src, Dst: dst}
		pkt, err = h.AppendBinary(nil)
	} else {
		h := wire.IPv4{TTL: ttl, Protocol: wire.ProtoICMP, Src: src, Dst: dst, TotalLen: uint16(wire.IPv4HeaderLen + len(icmp))}
		if err = h.SetChecksum(); err == nil {
			pkt, err = h.AppendBinary(nil)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return append(pkt, icmp...)
}

// icmpOf returns the ICMP message in what a receive socket of family f
// read, and the IPv4 TTL (0 for IPv6, whose header the socket strips).
func icmpOf(t testing.TB, f rawsock.Family, b []byte) ([]byte, uint8) {
	if f == rawsock.IPv6 {
		return b, 0
	}
	var h wire.IPv4
	if err := h.Decode(b); err != nil {
		t.Fatalf("received IPv4 packet: %v", err)
	}
	return h.Payload(b), h.TTL
}

// TestSendRecv sends an echo request with a hop limit of 64 from h0's send
// socket, across the router, to h1's receive socket, and checks what
// arrives: the message, its source and the hop limit the router left.
func TestSendRecv(t *testing.T) {
	c := upChain(t)
	for i, f := range []rawsock.Family{rawsock.IPv4, rawsock.IPv6} {
		t.Run(f.String(), func(t *testing.T) {
			proto := map[rawsock.Family]wire.Proto{rawsock.IPv4: wire.ProtoICMP, rawsock.IPv6: wire.ProtoICMPv6}[f]
			send := in(t, c.l, "h0", func() (*rawsock.Conn, error) { return rawsock.OpenSend(f) })
			recv := in(t, c.l, "h1", func() (*rawsock.Conn, error) {
				return rawsock.OpenRecv(f, proto, rawsock.Config{RecvBuffer: 1 << 20, HopLimit: true,
					ICMPv6Types: []wire.ICMPv6Type{wire.ICMPv6Echo}})
			})
			guard(t, recv)
			if send.Family() != f || recv.Family() != f || recv.Proto() != proto {
				t.Fatalf("family %v/%v, proto %v; want %v, %v", send.Family(), recv.Family(), recv.Proto(), f, proto)
			}
			id := uint16(rand.Uint32())
			stop := resend(t, send, echo(t, c.h0[i], c.h1[i], id, 1, 64, false), c.h1[i])
			defer stop()
			buf := make([]byte, 1500)
			for {
				n, from, hops, err := recv.RecvHopLimit(buf)
				if err != nil {
					t.Fatalf("receive: %v", err)
				}
				msg, ttl := icmpOf(t, f, buf[:n])
				var e wire.Echo
				if e.Decode(msg) != nil || e.ID != id {
					continue // not ours
				}
				if f == rawsock.IPv6 {
					ttl = hops
				}
				if from != c.h0[i] || e.Reply || string(e.Data) != "rawsock" || ttl != 63 {
					t.Fatalf("received %+v from %v with hop limit %d; want our request from %v with 63", e, from, ttl, c.h0[i])
				}
				return
			}
		})
	}
}

// TestSendBadAddress checks that a destination of the wrong family, or
// none, is an error and sends nothing.
func TestSendBadAddress(t *testing.T) {
	c := upChain(t)
	s4 := in(t, c.l, "h0", func() (*rawsock.Conn, error) { return rawsock.OpenSend(rawsock.IPv4) })
	s6 := in(t, c.l, "h0", func() (*rawsock.Conn, error) { return rawsock.OpenSend(rawsock.IPv6) })
	for _, tc := range []struct {
		s   *rawsock.Conn
		dst netip.Addr
	}{{s4, c.h1[1]}, {s4, netip.Addr{}}, {s6, c.h1[0]}, {s6, netip.Addr{}}} {
		if err := tc.s.Send([]byte{0x45}, tc.dst); err == nil {
			t.Errorf("%v socket sent to %v", tc.s.Family(), tc.dst)
		}
	}
}

// TestCloseUnblocksRecv closes a socket nothing arrives on while a reader
// waits in Recv: the reader returns os.ErrClosed.
func TestCloseUnblocksRecv(t *testing.T) {
	c := upChain(t)
	for _, f := range []rawsock.Family{rawsock.IPv4, rawsock.IPv6} {
		s := in(t, c.l, "h1", func() (*rawsock.Conn, error) { return rawsock.OpenRecv(f, wire.ProtoUDP, rawsock.Config{}) })
		errc := make(chan error, 1)
		go func() {
			_, _, err := s.Recv(make([]byte, 1500))
			errc <- err
		}()
		if err := s.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
		select {
		case err := <-errc:
			if !errors.Is(err, os.ErrClosed) {
				t.Errorf("%v: Recv after Close: %v, want os.ErrClosed", f, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%v: Recv still blocked 10 s after Close", f)
		}
	}
}

// TestPacketConn sends an echo request from h0 to h1, reads it on h1's
// packet socket with where it came from, and answers through the packet
// socket back to that link address: h0's raw socket reads the answer
// (told from the kernel's own echo reply by its sequence number).
func TestPacketConn(t *testing.T) {
	c := upChain(t)
	id := uint16(rand.Uint32())
	var ifindex int
	pc := in(t, c.l, "h1", func() (*rawsock.PacketConn, error) {
		ifc, err := net.InterfaceByName("e0")
		if err != nil {
			return nil, err
		}
		ifindex = ifc.Index
		return rawsock.OpenPacket(ifc.Index, rawsock.Config{Filter: echoFilter(t, id)})
	})
	guard(t, pc)
	send := in(t, c.l, "h0", func() (*rawsock.Conn, error) { return rawsock.OpenSend(rawsock.IPv4) })
	recv := in(t, c.l, "h0", func() (*rawsock.Conn, error) {
		return rawsock.OpenRecv(rawsock.IPv4, wire.ProtoICMP, rawsock.Config{})
	})
	guard(t, recv)
	if err := send.Send(echo(t, c.h0[0], c.h1[0], id, 1, 64, false), c.h1[0]); err != nil {
		t.Fatalf("send: %v", err)
	}
	buf := make([]byte, 1500)
	n, from, err := pc.Recv(buf)
	if err != nil {
		t.Fatalf("packet receive: %v", err)
	}
	if msg, _ := icmpOf(t, rawsock.IPv4, buf[:n]); from.Ifindex != ifindex || from.Protocol != 0x0800 || from.Halen != 6 || len(msg) != 15 {
		t.Fatalf("read %d bytes from %+v; want a 35-byte packet on ifindex %d, EtherType 0x0800", n, from, ifindex)
	}
	if err := pc.Send(echo(t, c.h1[0], c.h0[0], id, 2, 64, true), from); err != nil {
		t.Fatalf("packet send: %v", err)
	}
	for {
		n, src, err := recv.Recv(buf)
		if err != nil {
			t.Fatalf("receive the answer: %v", err)
		}
		msg, _ := icmpOf(t, rawsock.IPv4, buf[:n])
		var e wire.Echo
		if e.Decode(msg) == nil && e.ID == id && e.Reply && e.Seq == 2 { // not h1's kernel's (Seq 1)
			if src != c.h1[0] {
				t.Fatalf("answer from %v, want %v", src, c.h1[0])
			}
			return
		}
	}
}

// echoFilter passes IPv4 ICMP echo requests with identifier id (a packet
// socket's packets start at the IP header).
func echoFilter(t *testing.T, id uint16) []bpf.RawInstruction {
	t.Helper()
	prog, err := bpf.Assemble([]bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtProto},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 0x0800, SkipTrue: 7},
		bpf.LoadAbsolute{Off: 9, Size: 1},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 1, SkipTrue: 5},
		bpf.LoadMemShift{Off: 0},
		bpf.LoadIndirect{Off: 0, Size: 1},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 8, SkipTrue: 2},
		bpf.LoadIndirect{Off: 4, Size: 2},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(id), SkipTrue: 1},
		bpf.RetConstant{Val: 0},
		bpf.RetConstant{Val: 1 << 16},
	})
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

// TestNoAllocs checks that Send and Recv allocate nothing: echo replies
// (which h1's kernel does not answer) from h0 to h1, each read back.
func TestNoAllocs(t *testing.T) {
	c := upChain(t)
	send := in(t, c.l, "h0", func() (*rawsock.Conn, error) { return rawsock.OpenSend(rawsock.IPv4) })
	recv := in(t, c.l, "h1", func() (*rawsock.Conn, error) {
		return rawsock.OpenRecv(rawsock.IPv4, wire.ProtoICMP, rawsock.Config{RecvBuffer: 1 << 20})
	})
	guard(t, recv)
	pkt := echo(t, c.h0[0], c.h1[0], uint16(rand.Uint32()), 1, 64, true)
	buf := make([]byte, 1500)
	var err error
	allocs := testing.AllocsPerRun(100, func() {
		if err == nil {
			err = send.Send(pkt, c.h1[0])
		}
		if err == nil {
			_, _, err = recv.Recv(buf)
		}
	})
	if err != nil {
		t.Fatalf("send and receive: %v", err)
	}
	if allocs != 0 {
		t.Errorf("send and receive: %v allocations, want 0", allocs)
	}
}

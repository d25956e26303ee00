//go:build linux

package rawsock_test

import (
	"context"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/mdlayher/socket"
	"golang.org/x/sys/unix"

	"github.com/revtr/revtr/internal/rawsock"
	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/wire"
)

// benchConn is the send and receive path a prober uses, over one socket
// library: whole IPv4 packets out of an IPPROTO_RAW socket, packets with
// their header in from a raw ICMP socket.
type benchConn interface {
	send(b []byte, dst netip.Addr) error
	recv(b []byte) (int, error)
	close()
}

// ours is package rawsock.
type ours struct{ s, r *rawsock.Conn }

func (c ours) send(b []byte, dst netip.Addr) error { return c.s.Send(b, dst) }
func (c ours) recv(b []byte) (int, error)          { n, _, err := c.r.Recv(b); return n, err }
func (c ours) close()                              { c.s.Close(); c.r.Close() }

// library is github.com/mdlayher/socket, used as its documentation shows:
// a context on every call, unix.Sockaddr addresses.
type library struct {
	s, r *socket.Conn
	to   unix.SockaddrInet4
}

func (c *library) send(b []byte, dst netip.Addr) error {
	c.to.Addr = dst.As4()
	return c.s.Sendto(context.Background(), b, 0, &c.to)
}

func (c *library) recv(b []byte) (int, error) {
	n, _, err := c.r.Recvfrom(context.Background(), b, 0)
	return n, err
}

func (c *library) close() { c.s.Close(); c.r.Close() }

// openBench opens the sockets of library name in node's namespace.
func openBench(b *testing.B, l *lab.Lab, node, name string) benchConn {
	b.Helper()
	var c benchConn
	err := l.Do(node, func() error {
		if name == "rawsock" {
			s, err := rawsock.OpenSend(rawsock.IPv4)
			if err != nil {
				return err
			}
			r, err := rawsock.OpenRecv(rawsock.IPv4, wire.ProtoICMP, rawsock.Config{RecvBuffer: 8 << 20})
			c = ours{s, r}
			return err
		}
		s, err := socket.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_RAW, "send", nil)
		if err != nil {
			return err
		}
		r, err := socket.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP, "icmp", nil)
		if err == nil {
			err = r.SetsockoptInt(unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20)
		}
		c = &library{s: s, r: r}
		return err
	})
	if err != nil {
		b.Fatalf("open %s sockets on %s: %v", name, node, err)
	}
	b.Cleanup(c.close)
	return c
}

var libraries = []string{"rawsock", "mdlayher-socket"}

// BenchmarkSend measures sending ICMP echo requests from h0 to h1 of a
// lab chain through each library: the send path's ns/op, allocs/op and
// packets per second (the replies are not read).
func BenchmarkSend(b *testing.B) {
	for _, name := range libraries {
		b.Run(name, func(b *testing.B) {
			ch := upChain(b)
			c := openBench(b, ch.l, "h0", name)
			pkt := echo(b, ch.h0[0], ch.h1[0], 0xbe01, 1, 64, false)
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				if err := c.send(pkt, ch.h1[0]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pkts/s")
		})
	}
}

// BenchmarkRoundTrip measures the prober's path through each library:
// send an echo request from h0 to h1 and read packets until its reply
// arrives, one at a time. allocs/op are those of one send and one or
// more receives; the packet rate is bounded by the kernels' round trip.
func BenchmarkRoundTrip(b *testing.B) {
	for _, name := range libraries {
		b.Run(name, func(b *testing.B) {
			ch := upChain(b)
			c := openBench(b, ch.l, "h0", name)
			pkt := echo(b, ch.h0[0], ch.h1[0], 0xbe02, 0, 64, false)
			buf := make([]byte, 1500)
			b.ReportAllocs()
			start := time.Now()
			seq := uint16(0)
			for b.Loop() {
				seq++
				setSeq(pkt, seq)
				if err := c.send(pkt, ch.h1[0]); err != nil {
					b.Fatal(err)
				}
				for !isReply(buf, c, seq) {
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pkts/s")
		})
	}
}

// setSeq writes seq into the echo request pkt (an IPv4 packet without
// options), fixing its checksum.
func setSeq(pkt []byte, seq uint16) {
	icmp := pkt[wire.IPv4HeaderLen:]
	binary.BigEndian.PutUint16(icmp[6:], seq)
	binary.BigEndian.PutUint16(icmp[2:], 0)
	binary.BigEndian.PutUint16(icmp[2:], wire.Checksum(icmp))
}

// isReply reads one packet and reports whether it is the echo reply with
// identifier 0xbe02 and sequence number seq.
func isReply(buf []byte, c benchConn, seq uint16) bool {
	n, err := c.recv(buf)
	if err != nil || n < wire.IPv4HeaderLen+wire.ICMPHeaderLen {
		return false
	}
	icmp := buf[int(buf[0]&0x0f)*4 : n]
	return icmp[0] == uint8(wire.ICMPv4EchoReply) && binary.BigEndian.Uint16(icmp[4:]) == 0xbe02 && binary.BigEndian.Uint16(icmp[6:]) == seq
}

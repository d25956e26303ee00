package memnet_test

import (
	"errors"
	"net/netip"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/memnet"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/wire"
)

func chain(t *testing.T) (*memnet.Network, *topo.Topology) {
	t.Helper()
	tp, err := topotest.Chain(2)
	if err != nil {
		t.Fatal(err)
	}
	n, err := memnet.New(tp, sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return n, tp
}

func addr(t *testing.T, tp *topo.Topology, name string, v6 bool) netip.Addr {
	t.Helper()
	nd, ok := tp.Node(name)
	if !ok {
		t.Fatalf("no node %s", name)
	}
	return tp.HostAddr(nd.ID, v6)
}

// TestAnswers sends probes built by probe.AppendProbe on a host's raw
// socket and reads the answers the kernels would send: a time exceeded
// from the first router quoting the probe, with its IPv4 header, on
// every ICMP socket; the destination's TCP reset on the TCP socket,
// IPv6 without header; each after the round trip, in virtual time.
func TestAnswers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, tp := chain(t)
		h, err := n.Host("h0")
		if err != nil {
			t.Fatal(err)
		}
		send, _ := h.OpenSend(false)
		icmpA, _ := h.OpenRecv(false, wire.ProtoICMP)
		icmpB, _ := h.OpenRecv(false, wire.ProtoICMP)
		h0, h1 := addr(t, tp, "h0", false), addr(t, tp, "h1", false)
		pkt, err := probe.AppendProbe(nil, probe.Probe{Src: h0, Dst: h1, TTL: 1, Flow: meas.Flow{Proto: meas.UDP, ID: 40000}}, 7, 9)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := send.Send(pkt, h1); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1500)
		for _, c := range []probe.Conn{icmpA, icmpB} {
			k, from, err := c.Recv(buf)
			var ip wire.IPv4
			var te wire.TimeExceeded
			var q wire.Quote
			if err != nil || ip.Decode(buf[:k]) != nil || te.Decode(ip.Payload(buf[:k])) != nil || q.Decode(te.Original()) != nil {
				t.Fatalf("answer %x from %v: %v", buf[:k], from, err)
			}
			if sum, _ := q.Checksum(); ip.Src != from || ip.Dst != h0 || q.Dst() != h1 || sum != 9 || q.IPv4.ID != 7 || q.IPv4.TTL != 1 {
				t.Errorf("time exceeded %+v quoting %+v", ip, q)
			}
		}
		if rtt := time.Since(start); rtt <= 0 {
			t.Errorf("answer read %v after sending", rtt)
		}
		send6, _ := h.OpenSend(true)
		tcp6, _ := h.OpenRecv(true, wire.ProtoTCP)
		h06, h16 := addr(t, tp, "h0", true), addr(t, tp, "h1", true)
		pkt, _ = probe.AppendProbe(nil, probe.Probe{Src: h06, Dst: h16, Flow: meas.Flow{Proto: meas.TCP}}, 7, 9)
		if err := send6.Send(pkt, h16); err != nil {
			t.Fatal(err)
		}
		k, from, err := tcp6.Recv(buf)
		var rst wire.TCP
		if err != nil || from != h16 || rst.Decode(buf[:k]) != nil || !rst.IsRST() || rst.Ack != 7<<16|9+1 {
			t.Errorf("TCP answer %x from %v: %v", buf[:k], from, err)
		}
		if d := n.Drops(); d != (memnet.Drops{}) || n.Err() != nil || len(n.Sent()) != 2 {
			t.Errorf("drops %+v, error %v, %d sent", d, n.Err(), len(n.Sent()))
		}
		for _, c := range []probe.Conn{send, icmpA, icmpB, send6, tcp6} {
			c.Close()
		}
	})
}

// TestMalformed checks that what no prober sends is dropped and counted,
// that a probe with a wrong checksum is answered by a router but not by
// the destination, and that closed sockets and unknown hosts give errors.
func TestMalformed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, tp := chain(t)
		h, _ := n.Host("h0")
		send, _ := h.OpenSend(false)
		recv, _ := h.OpenRecv(false, wire.ProtoICMP)
		h0, h1 := addr(t, tp, "h0", false), addr(t, tp, "h1", false)
		good, _ := probe.AppendProbe(nil, probe.Probe{Src: h0, Dst: h1}, 7, 9)
		bad := append([]byte{}, good...)
		bad[len(bad)-1] ^= 0xff // the echo's checksum no longer holds
		expiring, _ := probe.AppendProbe(nil, probe.Probe{Src: h0, Dst: h1, TTL: 1}, 7, 10)
		expiring[len(expiring)-1] ^= 0xff
		for _, b := range [][]byte{nil, {0x45}, good[:20], bad, expiring} {
			if err := send.Send(b, h1); err != nil {
				t.Fatal(err)
			}
		}
		if err := send.Send(good, h0); err != nil { // not where its header says
			t.Fatal(err)
		}
		buf := make([]byte, 1500)
		k, from, err := recv.Recv(buf)
		var ip wire.IPv4
		if err != nil || ip.Decode(buf[:k]) != nil || ip.Src != from || from == h1 {
			t.Errorf("answer to the expiring probe: %x from %v, %v; want the first router's", buf[:k], from, err)
		}
		synctest.Wait()
		if d := n.Drops(); d.Malformed != 4 || d.Unanswered != 1 {
			t.Errorf("drops %+v, want 4 malformed and 1 unanswered", d)
		}
		recv.Close()
		if _, _, err := recv.Recv(buf); !errors.Is(err, os.ErrClosed) {
			t.Errorf("Recv after Close: %v", err)
		}
		send.Close()
		if err := send.Send(good, h1); !errors.Is(err, os.ErrClosed) {
			t.Errorf("Send after Close: %v", err)
		}
		if _, err := n.Host("r0"); err == nil {
			t.Error("a router has a host stack")
		}
	})
}

package lab

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"

	"github.com/revtr/revtr/topo/topotest"
)

// TestSpoofingFilter sends an echo request from each vantage point of
// topotest.MultiAS with the source's address: the destination's reply reaches
// the source only from the vantage point that may spoof; the first router
// after the other one drops it (strict rp_filter).
func TestSpoofingFilter(t *testing.T) {
	tp, err := topotest.MultiAS()
	if err != nil {
		t.Fatal(err)
	}
	l := upLab(t, tp)
	src := mustAddr(t, l, "h0")
	dst := mustAddr(t, l, "h1")
	for i, tc := range []struct {
		vp   string
		pass bool
	}{{"h2", true}, {"h3", false}} {
		vp := node(t, tp, tc.vp)
		if vp.Role.CanSpoof != tc.pass || !vp.Role.VantagePoint {
			t.Fatalf("MultiAS changed: %s has role %+v", tc.vp, vp.Role)
		}
		id := 0x4200 + i
		got := spoofedEcho(t, l, tc.vp, "h0", src, dst, id)
		if got != tc.pass {
			t.Errorf("spoofed echo from %s (CanSpoof %v) as %s: reply at source %v, want %v", tc.vp, vp.Role.CanSpoof, src, got, tc.pass)
		}
	}
}

// spoofedEcho sends from node vp an ICMP echo request with source src to
// dst, and reports whether the echo reply reaches node at within a second.
func spoofedEcho(t *testing.T, l *Lab, vp, at string, src, dst netip.Addr, id int) bool {
	t.Helper()
	var rx *icmp.PacketConn
	if err := l.Do(at, func() (err error) {
		rx, err = icmp.ListenPacket("ip4:icmp", "0.0.0.0")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	body, err := (&icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: id, Seq: 1, Data: []byte("revtr")}}).Marshal(nil)
	if err != nil {
		t.Fatal(err)
	}
	err = l.Do(vp, func() error {
		c, err := net.ListenPacket("ip4:1", "0.0.0.0")
		if err != nil {
			return err
		}
		defer c.Close()
		raw, err := ipv4.NewRawConn(c)
		if err != nil {
			return err
		}
		h := &ipv4.Header{Version: 4, Len: ipv4.HeaderLen, TotalLen: ipv4.HeaderLen + len(body), TTL: 64,
			Protocol: 1, Src: src.AsSlice(), Dst: dst.AsSlice()}
		return raw.WriteTo(h, body, nil)
	})
	if err != nil {
		t.Fatalf("send spoofed echo from %s: %v", vp, err)
	}
	buf := make([]byte, 1500)
	deadline := time.Now().Add(time.Second)
	if err := rx.SetReadDeadline(deadline); err != nil {
		t.Fatal(err)
	}
	for {
		n, from, err := rx.ReadFrom(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		m, err := icmp.ParseMessage(1, buf[:n])
		if err != nil {
			continue
		}
		if e, ok := m.Body.(*icmp.Echo); ok && m.Type == ipv4.ICMPTypeEchoReply && e.ID == id && from.String() == dst.String() {
			return true
		}
	}
}

package twohost_test

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
	"github.com/revtr/revtr/wire"
)

// TestTOSCopied sends requests with DSCP EF and checks, on the client's
// host, that the responder's UDP probe carries the same TOS (IPv6
// traffic class), source port 1021 and the flow as destination port.
func TestTOSCopied(t *testing.T) {
	tp, err := topotest.Chain(2)
	l := upLab(t, tp, err)
	startResponder(t, l, "h1", twohost.ResponderConfig{})
	cfg := fastClient()
	cfg.TOS = 0xb8
	c := newClient(t, l, "h0", cfg)
	for _, v6 := range []bool{false, true} {
		fd := rawUDP(t, l, "h0", v6)
		a, err := c.Query(context.Background(), hostAddr(t, tp, "h1", v6), twohost.Query{TTL: 64, Proto: wire.ProtoUDP, Flow: 44444})
		if err != nil || a.State != wire.StateSuccess {
			t.Fatalf("v6=%v: %+v, %v", v6, a, err)
		}
		tos, sport, dport := readProbe(t, fd, v6)
		if tos != cfg.TOS || sport != meas.TwoHostSrcPort || dport != 44444 {
			t.Errorf("v6=%v: probe TOS %#x ports %d->%d, want %#x 1021->44444", v6, tos, sport, dport, cfg.TOS)
		}
	}
}

// rawUDP opens a raw UDP socket on node that reports the traffic class
// of IPv6 packets.
func rawUDP(t *testing.T, l *lab.Lab, node string, v6 bool) int {
	t.Helper()
	var fd int
	err := l.Do(node, func() error {
		var err error
		if !v6 {
			fd, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_UDP)
			return err
		}
		if fd, err = unix.Socket(unix.AF_INET6, unix.SOCK_RAW, unix.IPPROTO_UDP); err != nil {
			return err
		}
		return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_RECVTCLASS, 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	tv := unix.NsecToTimeval(int64(2 * time.Second))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	return fd
}

// readProbe reads UDP datagrams until one comes from port 1021 and
// returns its TOS (traffic class) and ports.
func readProbe(t *testing.T, fd int, v6 bool) (tos uint8, sport, dport uint16) {
	t.Helper()
	buf, oob := make([]byte, 2048), make([]byte, 128)
	for {
		n, oobn, _, _, err := unix.Recvmsg(fd, buf, oob, 0)
		if err != nil {
			t.Fatalf("no probe: %v", err)
		}
		b := buf[:n]
		if !v6 {
			tos, b = b[1], b[int(b[0]&0x0f)*4:]
		} else if msgs, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil {
			for _, m := range msgs {
				if m.Header.Type == unix.IPV6_TCLASS && len(m.Data) >= 4 {
					tos = uint8(binary.NativeEndian.Uint32(m.Data))
				}
			}
		}
		if len(b) >= 4 && binary.BigEndian.Uint16(b) == meas.TwoHostSrcPort {
			return tos, binary.BigEndian.Uint16(b), binary.BigEndian.Uint16(b[2:])
		}
	}
}

package rawsock_test

import (
	"errors"
	"net/netip"
	"os"
	"testing"

	"github.com/revtr/revtr/internal/rawsock"
	"github.com/revtr/revtr/wire"
)

func TestMark(t *testing.T) {
	own := errors.New("own sentinel")
	err := rawsock.Mark(rawsock.ErrNeedRoot, own)
	if !errors.Is(err, own) || !errors.Is(err, rawsock.ErrNeedRoot) || err.Error() != rawsock.ErrNeedRoot.Error() {
		t.Errorf("Mark: %q matches own %v, ErrNeedRoot %v", err, errors.Is(err, own), errors.Is(err, rawsock.ErrNeedRoot))
	}
	if rawsock.Mark(nil, own) != nil {
		t.Error("Mark(nil) is not nil")
	}
}

func TestFamily(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want rawsock.Family
		name string
	}{
		{"10.0.0.1", rawsock.IPv4, "IPv4"},
		{"::ffff:10.0.0.1", rawsock.IPv4, "IPv4"},
		{"2001:db8::1", rawsock.IPv6, "IPv6"},
		{"", 0, "family(0)"},
	} {
		a, _ := netip.ParseAddr(tc.addr)
		if f := rawsock.FamilyOf(a); f != tc.want || f.String() != tc.name {
			t.Errorf("FamilyOf(%q) = %v, want %v", tc.addr, f, tc.name)
		}
	}
}

// TestBadInput checks that what no socket can be opened for, and a Conn
// that was never opened, give errors rather than panics. Nothing is
// opened.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		f rawsock.Family
		p wire.Proto
	}{{0, wire.ProtoICMP}, {5, wire.ProtoICMP}, {rawsock.IPv4, 0}, {rawsock.IPv6, 255}} {
		if c, err := rawsock.OpenRecv(tc.f, tc.p, rawsock.Config{}); err == nil {
			c.Close()
			t.Errorf("OpenRecv(%v, %v) succeeded", tc.f, tc.p)
		}
	}
	if _, err := rawsock.OpenSend(0); err == nil {
		t.Error("OpenSend(0) succeeded")
	}
	var c rawsock.Conn
	var pc rawsock.PacketConn
	for i, err := range []error{c.Send(nil, netip.IPv4Unspecified()), c.Close(), pc.Send(nil, rawsock.LinkAddr{}), pc.Close()} {
		if err == nil {
			t.Errorf("call %d on a zero socket succeeded", i)
		}
	}
	if _, _, err := c.Recv(nil); !errors.Is(err, os.ErrClosed) && !errors.Is(err, rawsock.ErrNotSupported) {
		t.Errorf("Recv on a zero Conn: %v", err)
	}
}

package rawsock_test

import (
	"errors"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/revtr/revtr/internal/rawsock"
	"github.com/revtr/revtr/wire"
)

// TestNeedRoot drops every capability on one locked thread (Linux
// capabilities are per thread; the thread exits with its goroutine) and
// checks that every kind of socket then fails with ErrNeedRoot, keeping
// the errno. Nothing is sent: no socket can even be opened.
func TestNeedRoot(t *testing.T) {
	errc := make(chan []error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
		var data [2]unix.CapUserData
		if err := unix.Capset(&hdr, &data[0]); err != nil {
			errc <- []error{err}
			return
		}
		_, e1 := rawsock.OpenSend(rawsock.IPv4)
		_, e2 := rawsock.OpenRecv(rawsock.IPv6, wire.ProtoICMPv6, rawsock.Config{})
		_, e3 := rawsock.OpenPacket(1, rawsock.Config{})
		errc <- []error{e1, e2, e3}
	}()
	for i, err := range <-errc {
		if !errors.Is(err, rawsock.ErrNeedRoot) || !errors.Is(err, unix.EPERM) {
			t.Errorf("socket %d without capabilities: %v, want ErrNeedRoot and EPERM", i, err)
		}
	}
}

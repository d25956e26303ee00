//go:build linux

package twohost_test

import (
	"errors"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/revtr/revtr/twohost"
)

// TestNoPrivilege drops every capability on one locked thread (Linux
// capabilities are per thread; the thread exits with its goroutine) and
// checks that responder and client fail with ErrNeedRoot and a one-line
// message. Nothing is sent: the sockets cannot even be opened.
func TestNoPrivilege(t *testing.T) {
	needRoot(t)
	errc := make(chan [2]error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
		var data [2]unix.CapUserData
		if err := unix.Capset(&hdr, &data[0]); err != nil {
			errc <- [2]error{err, err}
			return
		}
		_, rerr := twohost.NewResponder(twohost.ResponderConfig{Interface: "lo"})
		_, cerr := twohost.NewClient(twohost.ClientConfig{})
		errc <- [2]error{rerr, cerr}
	}()
	errs := <-errc
	for i, err := range errs {
		if !errors.Is(err, twohost.ErrNeedRoot) {
			t.Errorf("%s without capabilities: %v, want ErrNeedRoot", []string{"responder", "client"}[i], err)
		}
	}
	t.Logf("responder: %v; client: %v", errs[0], errs[1])
}

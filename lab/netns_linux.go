package lab

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"

	"github.com/vishvananda/netns"
)

// supported: this platform has network namespaces.
const supported = true

// createNS creates and bind-mounts a named network namespace, runs inside
// in it (on a locked thread) and returns an open handle to it. The calling
// goroutine is not moved.
func createNS(name string, inside func() error) (netns.NsHandle, error) {
	var h netns.NsHandle
	err := onLockedThread(func(orig netns.NsHandle) error {
		var err error
		h, err = netns.NewNamed(name)
		if err == nil && inside != nil {
			err = inside()
		}
		if serr := netns.Set(orig); serr != nil {
			err = errThreadTainted{fmt.Errorf("return to original namespace: %w", serr)}
		}
		if err != nil && h.IsOpen() {
			h.Close()
		}
		return err
	})
	if err != nil {
		return netns.None(), fmt.Errorf("create namespace %s: %w", name, err)
	}
	return h, nil
}

// errThreadTainted marks a failure to switch a thread back to its original
// namespace: such a thread must not be reused.
type errThreadTainted struct{ err error }

func (e errThreadTainted) Error() string { return e.err.Error() }
func (e errThreadTainted) Unwrap() error { return e.err }

// onLockedThread runs fn in a fresh goroutine locked to its OS thread and
// hands it the thread's current namespace, so fn may switch namespaces.
// When fn reports errThreadTainted the thread stays locked and therefore
// dies with the goroutine instead of returning to the scheduler in a foreign
// namespace.
func onLockedThread(fn func(orig netns.NsHandle) error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			done <- fmt.Errorf("get current namespace: %w", err)
			return
		}
		defer orig.Close()
		err = fn(orig)
		var tainted errThreadTainted
		if !errors.As(err, &tainted) {
			runtime.UnlockOSThread()
		}
		done <- err
	}()
	return <-done
}

// inNS runs fn on a locked OS thread switched into ns.
func inNS(ns netns.NsHandle, fn func() error) error {
	return onLockedThread(func(orig netns.NsHandle) error {
		if err := netns.Set(ns); err != nil {
			return fmt.Errorf("enter namespace: %w", err)
		}
		err := fn()
		if serr := netns.Set(orig); serr != nil {
			return errThreadTainted{fmt.Errorf("return to original namespace: %w", serr)}
		}
		return err
	})
}

// openNS opens a node's namespace.
func (l *Lab) openNS(node string) (netns.NsHandle, error) {
	if _, err := l.Node(node); err != nil {
		return netns.None(), err
	}
	if err := checkRoot(); err != nil {
		return netns.None(), fmt.Errorf("lab %s: enter %s: %w", l.name, node, err)
	}
	h, err := netns.GetFromPath(filepath.Join(nsDir, nsName(l.name, node)))
	if err != nil {
		return netns.None(), fmt.Errorf("lab %s: open namespace of %s: %w", l.name, node, err)
	}
	return h, nil
}

// Do runs fn on a locked OS thread inside node's network namespace and
// returns its error. Sockets fn opens stay in that namespace after Do
// returns (this is how probers get their raw sockets). fn must not start
// goroutines that expect to be in the namespace: they run on other threads.
func (l *Lab) Do(node string, fn func() error) error {
	h, err := l.openNS(node)
	if err != nil {
		return err
	}
	defer h.Close()
	return inNS(h, fn)
}

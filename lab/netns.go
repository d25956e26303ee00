package lab

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"

	"github.com/vishvananda/netns"
)

// NSPrefix starts the name of every network namespace this package creates:
// a node's namespace is NSPrefix + lab + "-" + node, e.g. "revtr-t1234-r5".
const NSPrefix = "revtr-"

// nsDir is where named network namespaces are bind-mounted, as iproute2
// does, so that `ip netns exec` finds them.
const nsDir = "/run/netns"

// maxLabName bounds a lab name; with node names it stays far below the
// file name limit.
const maxLabName = 32

var (
	labNameRE  = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	nodeNameRE = regexp.MustCompile(`^[A-Za-z0-9_.]+$`)
)

// checkLabName rejects names that could collide with another lab's
// namespaces: a '-' would make "a" a prefix of "a-b".
func checkLabName(name string) error {
	if len(name) == 0 || len(name) > maxLabName || !labNameRE.MatchString(name) {
		return fmt.Errorf("lab name %q: want 1 to %d letters, digits or '_': %w", name, maxLabName, ErrBadName)
	}
	return nil
}

func checkNodeName(name string) error {
	if len(name) == 0 || len(name) > 64 || !nodeNameRE.MatchString(name) {
		return fmt.Errorf("node name %q: want 1 to 64 letters, digits, '_' or '.': %w", name, ErrBadName)
	}
	return nil
}

// nsName is the namespace name of a node of a lab.
func nsName(lab, node string) string { return NSPrefix + lab + "-" + node }

// labPrefix is the namespace name prefix shared by all nodes of a lab.
func labPrefix(lab string) string { return NSPrefix + lab + "-" }

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

// listNS returns the names of the named namespaces that start with prefix.
func listNS(prefix string) ([]string, error) {
	ents, err := os.ReadDir(nsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list namespaces: %w", err)
	}
	var names []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

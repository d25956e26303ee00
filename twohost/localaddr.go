package twohost

import (
	"net/netip"
	"slices"
	"sync/atomic"
	"time"
)

// localAddrs is the host's own addresses, as the stack last listed them.
// A request to another address is transit traffic — a responder on a
// router must not answer for hosts behind it.
type localAddrs struct {
	list func() ([]netip.Addr, error)
	cur  atomic.Pointer[[]netip.Addr]
	last time.Time // of the last refresh; owned by the sweeper
}

func newLocalAddrs(list func() ([]netip.Addr, error), now time.Time) (*localAddrs, error) {
	l := &localAddrs{list: list}
	return l, l.refresh(now)
}

// refresh rereads the addresses.
func (l *localAddrs) refresh(now time.Time) error {
	as, err := l.list()
	if err != nil {
		return err
	}
	out := make([]netip.Addr, 0, len(as))
	for _, a := range as {
		out = append(out, a.Unmap())
	}
	l.cur.Store(&out)
	l.last = now
	return nil
}

// has reports whether a is one of the host's addresses.
func (l *localAddrs) has(a netip.Addr) bool { return slices.Contains(*l.cur.Load(), a) }

package twohost

import (
	"fmt"
	"net/netip"
	"slices"
	"sync/atomic"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// localAddrs is the host's own addresses, read through a netlink socket
// opened in the responder's namespace (so that any thread may refresh
// them). A request to another address is transit traffic — a responder on
// a router must not answer for hosts behind it.
type localAddrs struct {
	h    *netlink.Handle
	cur  atomic.Pointer[[]netip.Addr]
	last time.Time // of the last refresh; owned by the sweeper
}

func openLocalAddrs() (*localAddrs, error) {
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("open rtnetlink: %w", err)
	}
	l := &localAddrs{h: h}
	if err := l.refresh(time.Now()); err != nil {
		h.Close()
		return nil, err
	}
	return l, nil
}

// refresh rereads the addresses.
func (l *localAddrs) refresh(now time.Time) error {
	as, err := l.h.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("list local addresses: %w", err)
	}
	out := make([]netip.Addr, 0, len(as))
	for _, a := range as {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			out = append(out, ip.Unmap())
		}
	}
	l.cur.Store(&out)
	l.last = now
	return nil
}

// has reports whether a is one of the host's addresses.
func (l *localAddrs) has(a netip.Addr) bool { return slices.Contains(*l.cur.Load(), a) }

func (l *localAddrs) close() { l.h.Close() }

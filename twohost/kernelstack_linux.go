package twohost

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// kernelResponder is the ResponderStack of the network namespace it was
// opened in: its addresses are read through a netlink socket opened
// there, so that any thread may refresh them.
type kernelResponder struct {
	h *netlink.Handle
}

func openKernelResponder() (*kernelResponder, error) {
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("open rtnetlink: %w", err)
	}
	return &kernelResponder{h: h}, nil
}

// Addrs lists the namespace's addresses.
func (k *kernelResponder) Addrs() ([]netip.Addr, error) {
	as, err := k.h.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("list local addresses: %w", err)
	}
	out := make([]netip.Addr, 0, len(as))
	for _, a := range as {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			out = append(out, ip)
		}
	}
	return out, nil
}

// OpenRequests opens the packet socket of iface (openPacket).
func (k *kernelResponder) OpenRequests(iface string) (RequestConn, error) {
	ifc, err := net.InterfaceByName(iface)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNoInterface, iface)
	}
	s, err := openPacket(ifc.Index)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (k *kernelResponder) close() { k.h.Close() }

//go:build !linux

package twohost

import (
	"fmt"
	"net/netip"
)

// The kernel's responder stack needs Linux (packet sockets, raw sockets,
// rtnetlink, nftables): elsewhere NewResponder without a Stack and
// NewClient fail with ErrPlatform.

type echoGuard struct{}

type kernelResponder struct{}

const ethIPv4 = 0x0800

func unsupported(what string) error {
	return fmt.Errorf("open %s: %w", what, ErrPlatform)
}

func installGuard(iface string) (*echoGuard, error)  { return nil, unsupported("nftables") }
func openKernelResponder() (*kernelResponder, error) { return nil, unsupported("rtnetlink") }

func (g *echoGuard) remove() error { return nil }

func (*kernelResponder) Addrs() ([]netip.Addr, error) { return nil, unsupported("rtnetlink") }
func (*kernelResponder) OpenRequests(string) (RequestConn, error) {
	return nil, unsupported("packet socket")
}
func (*kernelResponder) close() {}

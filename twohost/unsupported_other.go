//go:build !linux

package twohost

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/revtr/revtr/internal/rawsock"
)

// The responder and the client need Linux (packet sockets, raw sockets,
// nftables): elsewhere NewResponder and NewClient fail with
// ErrPlatform.

type echoGuard struct{}

type localAddrs struct{ last time.Time }

const ethIPv4 = 0x0800

func unsupported(what string) error {
	return fmt.Errorf("open %s: %w", what, ErrPlatform)
}

func openPacket(ifindex int) (*rawsock.PacketConn, error) { return nil, unsupported("packet socket") }
func installGuard(iface string) (*echoGuard, error)       { return nil, unsupported("nftables") }
func openLocalAddrs() (*localAddrs, error)                { return nil, unsupported("rtnetlink") }

func (g *echoGuard) remove() error            { return nil }
func (l *localAddrs) refresh(time.Time) error { return ErrPlatform }
func (l *localAddrs) has(netip.Addr) bool     { return false }
func (l *localAddrs) close()                  {}

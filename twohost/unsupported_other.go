//go:build !linux

package twohost

import (
	"fmt"
	"net/netip"
	"time"
)

// The responder and the client need Linux (packet sockets, raw sockets,
// nftables): elsewhere NewResponder and NewClient fail with
// ErrPlatform.

type sock struct {
	v6    bool
	proto int
}

type linkAddr struct{ ifindex int }

type peer struct {
	addr netip.Addr
	link linkAddr
}

type echoGuard struct{}

type localAddrs struct{ last time.Time }

const ethIPv4 = 0x0800

func unsupported(what string) error {
	return fmt.Errorf("open %s: %w", what, ErrPlatform)
}

func openRaw(v6 bool, proto int, name string) (*sock, error) {
	return nil, unsupported(name + " socket")
}
func openPacket(ifindex int) (*sock, error)         { return nil, unsupported("packet socket") }
func installGuard(iface string) (*echoGuard, error) { return nil, unsupported("nftables") }
func openLocalAddrs() (*localAddrs, error)          { return nil, unsupported("rtnetlink") }
func icmp6Filter(fd int, types ...uint8) error      { return ErrPlatform }

func (g *echoGuard) remove() error                           { return nil }
func (l *localAddrs) refresh(time.Time) error                { return ErrPlatform }
func (l *localAddrs) has(netip.Addr) bool                    { return false }
func (l *localAddrs) close()                                 {}
func (s *sock) control(fn func(fd int) error) error          { return ErrPlatform }
func (s *sock) recv(b []byte) (int, peer, error)             { return 0, peer{}, ErrPlatform }
func (s *sock) sendIP(b []byte, dst netip.Addr) error        { return ErrPlatform }
func (s *sock) sendIPPayload(b []byte, dst netip.Addr) error { return ErrPlatform }
func (s *sock) sendLink(b []byte, l linkAddr) error          { return ErrPlatform }
func (s *sock) close() error                                 { return nil }
func (s *sock) recvHopLimit(b, oob []byte) (int, peer, uint8, error) {
	return 0, peer{}, 0, ErrPlatform
}

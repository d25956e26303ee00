//go:build !linux

package probe

import (
	"fmt"
	"net/netip"
)

// rawSocket is unavailable off Linux: New fails with ErrNotSupported.
type rawSocket struct {
	v6    bool
	proto int
}

func openSender(v6 bool) (*rawSocket, error) {
	return nil, fmt.Errorf("open %s send socket: %w: raw sockets need Linux", family(v6), ErrNotSupported)
}

func openReceiver(v6 bool, proto int, name string) (*rawSocket, error) {
	return nil, fmt.Errorf("open %s socket: %w: raw sockets need Linux", name, ErrNotSupported)
}

func (s *rawSocket) recv(b []byte) (int, netip.Addr, error) { return 0, netip.Addr{}, ErrNotSupported }
func (s *rawSocket) send(b []byte, dst netip.Addr) error    { return ErrNotSupported }
func (s *rawSocket) close() error                           { return nil }

// Protocol numbers of the receive sockets (IANA).
const (
	protoICMP   = 1
	protoICMPv6 = 58
	protoTCP    = 6
)

func family(v6 bool) string {
	if v6 {
		return "IPv6"
	}
	return "IPv4"
}

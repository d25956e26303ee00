//go:build !linux

package rawsock

import (
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/wire"
)

// Conn is a raw IP socket; off Linux none can be opened.
type Conn struct {
	family Family
	proto  wire.Proto
}

// PacketConn is a packet socket; off Linux none can be opened.
type PacketConn struct{}

// OpenSend fails with ErrNotSupported off Linux.
func OpenSend(f Family) (*Conn, error) {
	return nil, fmt.Errorf("open %s socket: %w", socketName(f, protoRaw), ErrNotSupported)
}

// OpenRecv fails with ErrNotSupported off Linux.
func OpenRecv(f Family, p wire.Proto, cfg Config) (*Conn, error) {
	return nil, fmt.Errorf("open %s socket: %w", socketName(f, p), ErrNotSupported)
}

// OpenPacket fails with ErrNotSupported off Linux.
func OpenPacket(ifindex int, cfg Config) (*PacketConn, error) {
	return nil, fmt.Errorf("open packet socket: %w", ErrNotSupported)
}

// Family returns the socket's IP family.
func (c *Conn) Family() Family { return c.family }

// Proto returns the protocol the socket receives.
func (c *Conn) Proto() wire.Proto { return c.proto }

// Send fails with ErrNotSupported.
func (c *Conn) Send(b []byte, dst netip.Addr) error { return ErrNotSupported }

// Recv fails with ErrNotSupported.
func (c *Conn) Recv(b []byte) (int, netip.Addr, error) { return 0, netip.Addr{}, ErrNotSupported }

// RecvHopLimit fails with ErrNotSupported.
func (c *Conn) RecvHopLimit(b []byte) (int, netip.Addr, uint8, error) {
	return 0, netip.Addr{}, 0, ErrNotSupported
}

// Close does nothing.
func (c *Conn) Close() error { return nil }

// Send fails with ErrNotSupported.
func (c *PacketConn) Send(b []byte, to LinkAddr) error { return ErrNotSupported }

// Recv fails with ErrNotSupported.
func (c *PacketConn) Recv(b []byte) (int, LinkAddr, error) { return 0, LinkAddr{}, ErrNotSupported }

// Close does nothing.
func (c *PacketConn) Close() error { return nil }

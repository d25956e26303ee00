package twohost

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/revtr/revtr/internal/rawsock"
	"github.com/revtr/revtr/wire"
)

// ClientStack is the network stack of the host a Client runs on: its
// addresses and the sockets its requests leave and their answers arrive
// by. The kernel's is the default (ClientConfig.Stack nil); package
// memnet provides an in-memory network whose responders the simulator
// plays, so that a client runs without root.
type ClientStack interface {
	// Addrs returns the host's own addresses, loopback and link-local
	// left out.
	Addrs() ([]netip.Addr, error)
	// OpenEcho opens the socket of a family that echo requests leave by
	// and echo replies addressed to the host arrive on. Send writes an
	// ICMP or ICMPv6 message behind an IP header the stack builds, with
	// TOS (IPv6: traffic class) tos and a source address it picks by its
	// routes. A stack without IPv6 fails with an error wrapping
	// ErrNoIPv6; one that needs a privilege the process lacks, with one
	// wrapping ErrNeedRoot.
	OpenEcho(v6 bool, tos uint8) (EchoConn, error)
}

// EchoConn is a socket of a ClientStack. Recv returns one echo reply:
// IPv4 ones with their IP header, IPv6 ones without, with the hop limit
// they arrived with (0 when unknown). Send may be called concurrently,
// Recv by one reader at a time; Close unblocks a pending Recv, and Recv
// on a closed EchoConn fails with an error wrapping os.ErrClosed.
type EchoConn interface {
	Send(b []byte, dst netip.Addr) error
	Recv(b []byte) (n int, from netip.Addr, hopLimit uint8, err error)
	Close() error
}

// kernelClient is the ClientStack of the calling thread's network
// namespace.
type kernelClient struct{}

// OpenEcho opens a raw ICMP (ICMPv6: echo replies only, with their hop
// limit) socket with a large receive buffer.
func (kernelClient) OpenEcho(v6 bool, tos uint8) (EchoConn, error) {
	if !v6 {
		s, err := openRecv(false, wire.ProtoICMP, rawsock.Config{TrafficClass: tos})
		if err != nil {
			return nil, err
		}
		return echo4{s}, nil
	}
	s, err := openRecv(true, wire.ProtoICMPv6, rawsock.Config{TrafficClass: tos, HopLimit: true,
		ICMPv6Types: []wire.ICMPv6Type{wire.ICMPv6EchoReply}})
	if err != nil {
		return nil, err
	}
	return echo6{s}, nil
}

// Addrs returns the namespace's own addresses, loopback and link-local
// left out: a node that is one of them is the client itself.
func (kernelClient) Addrs() ([]netip.Addr, error) {
	ifas, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("list local addresses: %w", err)
	}
	var out []netip.Addr
	for _, ifa := range ifas {
		if p, err := netip.ParsePrefix(ifa.String()); err == nil && !p.Addr().IsLoopback() && !p.Addr().IsLinkLocalUnicast() {
			out = append(out, p.Addr().Unmap())
		}
	}
	return out, nil
}

// echo4 is a raw ICMP socket as an EchoConn: the TTL is in the header.
type echo4 struct{ *rawsock.Conn }

func (c echo4) Recv(b []byte) (int, netip.Addr, uint8, error) {
	n, from, err := c.Conn.Recv(b)
	return n, from, 0, err
}

// echo6 is a raw ICMPv6 socket as an EchoConn.
type echo6 struct{ *rawsock.Conn }

func (c echo6) Recv(b []byte) (int, netip.Addr, uint8, error) { return c.RecvHopLimit(b) }

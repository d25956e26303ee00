package probe

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/revtr/revtr/internal/rawsock"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/wire"
)

// Stack is the network stack of the host a prober runs on: its addresses
// and the sockets its probes leave and their answers arrive by. The
// kernel's raw sockets are the default (Config.Stack nil); package
// memnet provides an in-memory network whose stacks speak the same
// packets, so that a prober runs without root (tailscale's
// ListenPacketer, netlink's nltest play the same part).
type Stack interface {
	// Addrs returns the host's own addresses, loopback and link-local
	// left out.
	Addrs() ([]netip.Addr, error)
	// OpenSend opens the socket every probe of a family leaves by: Send
	// writes whole IP packets, header included, whatever their source.
	// A stack without IPv6 fails with an error wrapping
	// meas.ErrNotSupported; one that needs a privilege the process lacks,
	// with one wrapping ErrNeedRoot.
	OpenSend(v6 bool) (Conn, error)
	// OpenRecv opens a socket receiving every packet of protocol proto
	// (ICMP, ICMPv6 or TCP) addressed to the host: Recv returns IPv4
	// packets with their header, IPv6 ones without (from is their
	// source).
	OpenRecv(v6 bool, proto wire.Proto) (Conn, error)
}

// Conn is a socket of a Stack. Send may be called concurrently, Recv by
// one reader at a time; Close unblocks a pending Recv, and Recv on a
// closed Conn fails with an error wrapping os.ErrClosed.
type Conn interface {
	Send(b []byte, dst netip.Addr) error
	Recv(b []byte) (n int, from netip.Addr, err error)
	Close() error
}

// rcvBuf is the receive buffer asked of the kernel's reading sockets:
// thousands of replies may arrive between two reads at high rates.
const rcvBuf = 8 << 20

// kernel is the Stack of the calling thread's network namespace: raw
// sockets (package rawsock) and the namespace's interface addresses.
type kernel struct{}

// OpenSend opens the IPPROTO_RAW socket of a family.
func (kernel) OpenSend(v6 bool) (Conn, error) {
	s, err := rawsock.OpenSend(family(v6))
	if err != nil {
		return nil, sockError(err)
	}
	return s, nil
}

// OpenRecv opens a raw socket of proto with a large buffer; ICMPv6
// sockets only pass the error and echo reply types the prober matches.
func (kernel) OpenRecv(v6 bool, proto wire.Proto) (Conn, error) {
	s, err := rawsock.OpenRecv(family(v6), proto, rawsock.Config{RecvBuffer: rcvBuf,
		ICMPv6Types: []wire.ICMPv6Type{wire.ICMPv6DstUnreach, wire.ICMPv6TimeExceeded, wire.ICMPv6EchoReply}})
	if err != nil {
		return nil, sockError(err)
	}
	return s, nil
}

// Addrs returns the addresses of the namespace's interfaces.
func (kernel) Addrs() ([]netip.Addr, error) {
	ifas, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("list local addresses: %w", err)
	}
	var out []netip.Addr
	for _, ifa := range ifas {
		pfx, err := netip.ParsePrefix(ifa.String())
		a := pfx.Addr().Unmap()
		if err != nil || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() {
			continue
		}
		out = append(out, a)
	}
	return out, nil
}

func family(v6 bool) rawsock.Family {
	if v6 {
		return rawsock.IPv6
	}
	return rawsock.IPv4
}

// sockError keeps probe's sentinels on rawsock's errors: no privilege is
// ErrNeedRoot, no IPv6 or no Linux meas.ErrNotSupported.
func sockError(err error) error {
	switch {
	case errors.Is(err, rawsock.ErrNeedRoot):
		return rawsock.Mark(err, ErrNeedRoot)
	case errors.Is(err, rawsock.ErrNoFamily), errors.Is(err, rawsock.ErrNotSupported):
		return rawsock.Mark(err, meas.ErrNotSupported)
	}
	return err
}

package rawsock

import (
	"errors"
	"fmt"
	"net/netip"
	"os"

	"golang.org/x/net/bpf"

	"github.com/revtr/revtr/wire"
)

// Errors callers branch on with errors.Is.
var (
	// ErrNeedRoot means a socket could not be opened for lack of
	// privilege (CAP_NET_RAW).
	ErrNeedRoot = errors.New("raw sockets need root (CAP_NET_RAW)")
	// ErrNoFamily means the kernel does not support the address family
	// (IPv6 disabled at boot).
	ErrNoFamily = errors.New("address family not supported")
	// ErrNotSupported means the platform has no such sockets: only Linux
	// is supported.
	ErrNotSupported = errors.New("raw sockets need Linux")
)

var (
	// errAddr is a destination a socket cannot send to.
	errAddr = errors.New("destination not of the socket's family")
	// errClosed is what calls on a closed socket, or one not made by an
	// Open function, fail with: the poller fails only on closing.
	errClosed = fmt.Errorf("raw socket closed: %w", os.ErrClosed)
)

// Family is an IP version. Its zero value is no family.
type Family uint8

// The two IP families.
const (
	IPv4 Family = 4
	IPv6 Family = 6
)

// FamilyOf returns the family of a, IPv4 for an IPv4-mapped IPv6 address.
func FamilyOf(a netip.Addr) Family {
	switch {
	case a.Unmap().Is4():
		return IPv4
	case a.Is6():
		return IPv6
	}
	return 0
}

func (f Family) String() string {
	switch f {
	case IPv4:
		return "IPv4"
	case IPv6:
		return "IPv6"
	}
	return fmt.Sprintf("family(%d)", uint8(f))
}

// Config tunes a socket as it is opened. The zero value keeps the kernel's
// defaults.
type Config struct {
	// RecvBuffer is the receive buffer asked for, in bytes
	// (SO_RCVBUFFORCE, or SO_RCVBUF capped by net.core.rmem_max without
	// CAP_NET_ADMIN); 0 keeps the default.
	RecvBuffer int
	// ICMPv6Types, when not nil, are the only ICMPv6 types the kernel
	// passes to an ICMPv6 socket (RFC 3542 section 3.2); other sockets
	// ignore it.
	ICMPv6Types []wire.ICMPv6Type
	// HopLimit asks an IPv6 socket for the hop limit of each packet
	// (IPV6_RECVHOPLIMIT), which Conn.RecvHopLimit returns.
	HopLimit bool
	// TrafficClass is the IPv4 TOS or IPv6 traffic class of the packets
	// the kernel builds for a receive socket's sends; 0 keeps the default.
	TrafficClass uint8
	// Filter is a classic BPF program the kernel runs on each packet
	// before queueing it (SO_ATTACH_FILTER); nil passes every packet.
	Filter []bpf.RawInstruction
}

// LinkAddr is where a packet socket's packet came from or goes to
// (packet(7) sockaddr_ll).
type LinkAddr struct {
	Ifindex  int
	Protocol uint16 // EtherType, host order
	Halen    uint8
	Addr     [8]byte
}

// protoRaw is IPPROTO_RAW, the protocol of send sockets.
const protoRaw wire.Proto = 255

// socketName names a raw socket in errors.
func socketName(f Family, p wire.Proto) string {
	if p == protoRaw {
		return f.String() + " send"
	}
	return f.String() + " " + p.String()
}

// Mark returns err with mark added to its chain: errors.Is finds both,
// and the message stays err's. Packages use it to keep their own
// sentinels (probe.ErrNeedRoot) on this package's errors.
func Mark(err, mark error) error {
	if err == nil {
		return nil
	}
	return &marked{err: err, mark: mark}
}

type marked struct{ err, mark error }

func (m *marked) Error() string   { return m.err.Error() }
func (m *marked) Unwrap() []error { return []error{m.err, m.mark} }

package twohost

import (
	"net/netip"

	"github.com/revtr/revtr/internal/rawsock"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/wire"
)

// ResponderStack is the network stack of the host a Responder runs on:
// its addresses, the socket requests arrive on and answers leave by, and
// the raw sockets its probes leave and their replies arrive by (as a
// prober's, probe.Stack). The kernel's is the default
// (ResponderConfig.Stack nil); package memnet provides an in-memory
// network that hosts responders, so that a responder runs without root.
type ResponderStack interface {
	// Addrs returns every address of the host: a request to another is
	// in transit, not the responder's to answer. The responder rereads
	// them every few seconds.
	Addrs() ([]netip.Addr, error)
	// OpenRequests opens the socket of interface iface that two-host
	// requests (echo requests with code 1, malformed ones included)
	// addressed to the host arrive on, whole IP packets of either
	// family, ahead of the host's own ICMP handling; Send writes an
	// answer, a whole IP packet, back the way the request came. An
	// unknown interface fails with an error wrapping ErrNoInterface.
	OpenRequests(iface string) (RequestConn, error)
	// OpenSend opens the socket a family's probes leave by: Send writes
	// whole IP packets. A stack without IPv6 fails with an error
	// wrapping ErrNoIPv6 or meas.ErrNotSupported; one that needs a
	// privilege the process lacks, with one wrapping ErrNeedRoot.
	OpenSend(v6 bool) (probe.Conn, error)
	// OpenRecv opens a socket receiving the packets of protocol proto
	// (ICMP, ICMPv6 or TCP) addressed to the host, as probe.Stack's do:
	// IPv4 packets with their header, IPv6 ones without.
	OpenRecv(v6 bool, proto wire.Proto) (probe.Conn, error)
}

// RequestConn is a ResponderStack's request socket. Send may be called
// concurrently, Recv by one reader at a time; Close unblocks a pending
// Recv, and Recv on a closed RequestConn fails with an error wrapping
// os.ErrClosed. Recv returns where a request came from at the link layer
// (Ifindex 0: unknown, and the request is ignored), which the responder
// gives Send to answer it.
type RequestConn interface {
	Recv(b []byte) (n int, from LinkAddr, err error)
	Send(b []byte, to LinkAddr) error
	Close() error
}

// LinkAddr is a link-layer address of a RequestConn (packet(7)'s
// sockaddr_ll).
type LinkAddr = rawsock.LinkAddr

// OpenSend opens the IPPROTO_RAW socket of a family.
func (*kernelResponder) OpenSend(v6 bool) (probe.Conn, error) {
	s, err := openSend(v6)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// OpenRecv opens a raw reply socket of a family and protocol with a
// large receive buffer; ICMPv6 ones pass only the types replyTypes.
func (*kernelResponder) OpenRecv(v6 bool, proto wire.Proto) (probe.Conn, error) {
	s, err := openRecv(v6, proto, rawsock.Config{ICMPv6Types: replyTypes})
	if err != nil {
		return nil, err
	}
	return s, nil
}

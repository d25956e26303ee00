package twohost

import (
	"errors"

	"github.com/revtr/revtr/internal/rawsock"
	"github.com/revtr/revtr/wire"
)

// rcvBuf is the receive buffer asked of reading sockets.
const rcvBuf = 4 << 20

// replyTypes are the ICMPv6 types the responder's reply sockets read:
// destination unreachable, time exceeded, echo reply.
var replyTypes = []wire.ICMPv6Type{wire.ICMPv6DstUnreach, wire.ICMPv6TimeExceeded, wire.ICMPv6EchoReply}

func familyOf(v6 bool) rawsock.Family {
	if v6 {
		return rawsock.IPv6
	}
	return rawsock.IPv4
}

// openSend opens the IPPROTO_RAW socket probes of a family leave by.
func openSend(v6 bool) (*rawsock.Conn, error) {
	s, err := rawsock.OpenSend(familyOf(v6))
	return s, sockError(err)
}

// openRecv opens a raw socket of protocol p with a large receive buffer.
func openRecv(v6 bool, p wire.Proto, cfg rawsock.Config) (*rawsock.Conn, error) {
	cfg.RecvBuffer = rcvBuf
	s, err := rawsock.OpenRecv(familyOf(v6), p, cfg)
	return s, sockError(err)
}

// sockError keeps twohost's sentinels on rawsock's errors.
func sockError(err error) error {
	switch {
	case errors.Is(err, rawsock.ErrNeedRoot):
		return rawsock.Mark(err, ErrNeedRoot)
	case errors.Is(err, rawsock.ErrNoFamily):
		return rawsock.Mark(err, ErrNoIPv6)
	case errors.Is(err, rawsock.ErrNotSupported):
		return rawsock.Mark(err, ErrPlatform)
	}
	return err
}

package probe

import (
	"errors"

	"github.com/revtr/revtr/internal/rawsock"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/wire"
)

// rcvBuf is the receive buffer asked of reading sockets: thousands of
// replies may arrive between two reads at high rates.
const rcvBuf = 8 << 20

// openSender opens the IPPROTO_RAW socket every probe of a family leaves
// by: the prober writes the whole IP header.
func openSender(f rawsock.Family) (*rawsock.Conn, error) {
	s, err := rawsock.OpenSend(f)
	return s, sockError(err)
}

// openReceiver opens a raw socket receiving every packet of proto
// addressed to the namespace, with a large buffer; ICMPv6 sockets only
// pass the error and echo reply types the prober matches.
func openReceiver(f rawsock.Family, proto wire.Proto) (*rawsock.Conn, error) {
	s, err := rawsock.OpenRecv(f, proto, rawsock.Config{RecvBuffer: rcvBuf,
		ICMPv6Types: []wire.ICMPv6Type{wire.ICMPv6DstUnreach, wire.ICMPv6TimeExceeded, wire.ICMPv6EchoReply}})
	return s, sockError(err)
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

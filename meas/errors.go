package meas

import (
	"errors"
	"fmt"
)

// Errors every prober returns, wrapped with what failed, for callers to
// branch on with errors.Is.
var (
	// ErrBadRequest means a request no prober could send: a missing
	// destination, addresses of different families, an unknown protocol,
	// a TTL, count or probability out of range, Record Route over IPv6.
	ErrBadRequest = errors.New("bad request")
	// ErrNoSource means the prober cannot send from the request's source
	// (or, for a spoofed request, sender) address: no host of the prober
	// owns it, or the source is zero and the prober has no address of the
	// destination's family (or no single address of its own: probers of
	// many hosts need the source named).
	ErrNoSource = errors.New("no host of this prober has the source address")
	// ErrNotSupported means the prober cannot perform this kind of
	// measurement: a prober of one host asked for a spoofed Record Route
	// ping whose reply goes to another host, a namespace without IPv6, a
	// platform without raw sockets.
	ErrNotSupported = errors.New("measurement not supported by this prober")
	// ErrNoResponder means the destination of a two-host request runs no
	// responder the client can use: it echoed the presence check as a
	// plain host does, did not answer it, or refused the client.
	ErrNoResponder = errors.New("no two-host responder")
)

// badRequest wraps ErrBadRequest with what is wrong.
func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadRequest, fmt.Sprintf(format, args...))
}

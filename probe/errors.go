package probe

import (
	"errors"
	"fmt"
)

// Errors callers branch on with errors.Is.
var (
	// ErrNeedRoot means a raw socket could not be opened for lack of
	// privilege (CAP_NET_RAW).
	ErrNeedRoot = errors.New("raw sockets need root (CAP_NET_RAW)")
	// ErrNotSupported means the platform has no raw sockets of the kind
	// needed (only Linux is supported), or the namespace has no IPv6.
	ErrNotSupported = errors.New("not supported")
	// ErrClosed means the prober was closed; probes outstanding at Close
	// fail with it.
	ErrClosed = errors.New("prober closed")
	// ErrSpoofNotAllowed means a probe would carry a source address that is
	// not the host's own and that the prober's Config.AllowSpoof does not
	// list.
	ErrSpoofNotAllowed = errors.New("spoofing this source address is not allowed")
	// ErrFamily means addresses of different families, or a measurement
	// that does not exist in a family (Record Route is IPv4 only).
	ErrFamily = errors.New("bad address family")
	// ErrBadRequest means a request no prober could send: missing
	// destination, unknown protocol, TTL out of range, bad counts.
	ErrBadRequest = errors.New("bad request")
	// ErrBusy means every tag is taken: 65535 probes are outstanding.
	ErrBusy = errors.New("too many probes outstanding")
	// ErrNoProber means a Group has no prober for a request's source or
	// sender address.
	ErrNoProber = errors.New("no prober for this address")
)

// opError names the operation that failed around a sentinel or cause.
func opError(op string, err error) error {
	return fmt.Errorf("probe: %s: %w", op, err)
}

// badRequest wraps ErrBadRequest with what is wrong.
func badRequest(op, format string, args ...any) error {
	return fmt.Errorf("probe: %s: %w: %s", op, ErrBadRequest, fmt.Sprintf(format, args...))
}

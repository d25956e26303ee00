package probe

import (
	"errors"
	"fmt"

	"github.com/revtr/revtr/meas"
)

// Errors callers branch on with errors.Is, besides those every prober
// returns (meas.ErrBadRequest, meas.ErrNoSource, meas.ErrNotSupported).
var (
	// ErrNeedRoot means a raw socket could not be opened for lack of
	// privilege (CAP_NET_RAW).
	ErrNeedRoot = errors.New("raw sockets need root (CAP_NET_RAW)")
	// ErrClosed means the prober was closed; probes outstanding at Close
	// fail with it.
	ErrClosed = errors.New("prober closed")
	// ErrSpoofNotAllowed means a probe would carry a source address that is
	// not the host's own and that the prober's Config.AllowSpoof does not
	// list. Errors carrying it wrap meas.ErrNoSource too.
	ErrSpoofNotAllowed = errors.New("spoofing this source address is not allowed")
	// ErrBusy means every tag is taken: 65535 probes are outstanding.
	ErrBusy = errors.New("too many probes outstanding")
)

// opError names the operation that failed around a sentinel or cause.
func opError(op string, err error) error {
	return fmt.Errorf("probe: %s: %w", op, err)
}

// badRequest wraps meas.ErrBadRequest with what is wrong.
func badRequest(op, format string, args ...any) error {
	return fmt.Errorf("probe: %s: %w: %s", op, meas.ErrBadRequest, fmt.Sprintf(format, args...))
}

package measpb

import (
	"context"
	"errors"
	"fmt"

	"github.com/revtr/revtr/meas"
	agentv1 "github.com/revtr/revtr/rpc/agent/v1"
)

// Errors of the protocol beyond meas's.
var (
	// ErrCanceled: the controller canceled the request.
	ErrCanceled = errors.New("request canceled by the controller")
	// ErrSpoofNotAllowed: a vantage point was asked to spoof an address it
	// may not (not an authorized source, or spoofing is off).
	ErrSpoofNotAllowed = errors.New("spoofing that address is not allowed")
)

var codes = []struct {
	code agentv1.ErrorCode
	err  error
}{
	{agentv1.ErrorCode_ERROR_CODE_BAD_REQUEST, meas.ErrBadRequest},
	{agentv1.ErrorCode_ERROR_CODE_NO_SOURCE, meas.ErrNoSource},
	{agentv1.ErrorCode_ERROR_CODE_NOT_SUPPORTED, meas.ErrNotSupported},
	{agentv1.ErrorCode_ERROR_CODE_NO_RESPONDER, meas.ErrNoResponder},
	{agentv1.ErrorCode_ERROR_CODE_NOT_ALLOWED, ErrSpoofNotAllowed},
	{agentv1.ErrorCode_ERROR_CODE_CANCELED, ErrCanceled},
	{agentv1.ErrorCode_ERROR_CODE_CANCELED, context.Canceled},
}

// Error encodes err with the code of the first error of meas (or this
// package) it wraps; probes counts what the failed measurement sent.
func Error(err error, probes int) *agentv1.Error {
	m := &agentv1.Error{Message: err.Error(), Probes: int32(probes)}
	for _, c := range codes {
		if errors.Is(err, c.err) {
			m.Code = c.code
			break
		}
	}
	return m
}

// FromError decodes m as an error wrapping the error its code names.
func FromError(m *agentv1.Error) error {
	for _, c := range codes {
		if c.code == m.GetCode() {
			return fmt.Errorf("%w: %s", c.err, m.GetMessage())
		}
	}
	return errors.New(m.GetMessage())
}

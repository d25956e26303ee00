package controller

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// Error is every error the API returns: an HTTP status, a stable code a
// client can branch on, and a message for people. Client faults are 4xx.
type Error struct {
	status  int
	Code    string   `json:"code" doc:"Stable, machine-readable: unauthorized, source_not_authorized, source_not_allowed, source_not_onboarded, quota_per_day, quota_parallel, bad_request, invalid_request, bad_address, bad_destination, empty_batch, batch_too_large, body_too_large, too_many, not_found, method_not_allowed, not_acceptable, unsupported_media_type, unavailable, internal."`
	Message string   `json:"message" doc:"What went wrong, for people (the quota errors carry the reference's messages)."`
	Details []string `json:"details,omitempty" doc:"Where the request went wrong, when known."`
}

// Error codes.
const (
	codeUnauthorized        = "unauthorized"
	codeSourceNotAuthorized = "source_not_authorized"
	codeSourceNotAllowed    = "source_not_allowed"
	codeSourceNotOnboarded  = "source_not_onboarded"
	codeQuotaPerDay         = "quota_per_day"
	codeQuotaParallel       = "quota_parallel"
	codeBadRequest          = "bad_request"
	codeInvalidRequest      = "invalid_request"
	codeBadAddress          = "bad_address"
	codeBadDestination      = "bad_destination"
	codeEmptyBatch          = "empty_batch"
	codeBatchTooLarge       = "batch_too_large"
	codeBodyTooLarge        = "body_too_large"
	codeTooMany             = "too_many"
	codeNotFound            = "not_found"
	codeMethodNotAllowed    = "method_not_allowed"
	codeUnavailable         = "unavailable"
	codeInternal            = "internal"
)

// The reference's quota messages.
const (
	msgQuotaPerDay   = "Too many revtr in a day"
	msgQuotaParallel = "Too many revtr in parallel"
)

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// GetStatus is the HTTP status.
func (e *Error) GetStatus() int { return e.status }

// apiError returns an error response.
func apiError(status int, code, format string, args ...any) *Error {
	return &Error{status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// codeOfStatus is the code of an error huma itself raises (bad JSON, a
// schema violation, a body over the limit...).
func codeOfStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return codeBadRequest
	case http.StatusUnprocessableEntity:
		return codeInvalidRequest
	case http.StatusRequestEntityTooLarge:
		return codeBodyTooLarge
	case http.StatusNotFound:
		return codeNotFound
	case http.StatusMethodNotAllowed:
		return codeMethodNotAllowed
	case http.StatusNotAcceptable:
		return "not_acceptable"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case http.StatusUnauthorized:
		return codeUnauthorized
	case http.StatusServiceUnavailable:
		return codeUnavailable
	}
	if status >= 400 && status < 500 {
		return codeBadRequest
	}
	return codeInternal
}

// newHumaError makes huma's own errors ours. huma takes its error type
// from a package variable; every API of this package sets it the same.
func newHumaError(status int, msg string, errs ...error) huma.StatusError {
	if msg == "cannot read request body" { // a broken upload: the client's fault
		status = http.StatusBadRequest
	}
	if status >= 500 {
		// Internal details are logged by the handler, never shown.
		return &Error{status: status, Code: codeInternal, Message: "internal error"}
	}
	if status == http.StatusUnprocessableEntity && strings.HasPrefix(msg, "validation failed") {
		msg = "the request does not match the API's schema (see /openapi.json)"
	}
	e := &Error{status: status, Code: codeOfStatus(status), Message: msg}
	for _, err := range errs {
		if err != nil {
			e.Details = append(e.Details, err.Error())
		}
	}
	if len(e.Details) > 20 {
		e.Details = append(e.Details[:20], fmt.Sprintf("... and %d more", len(e.Details)-20))
	}
	return e
}

func init() { huma.NewError = newHumaError }

package ripe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Errors a caller of the RIPE Atlas provider can branch on.
var (
	// ErrNoCredits: RIPE Atlas refused to schedule the measurement
	// because the key's account lacks credits (or hit a spending limit).
	ErrNoCredits = errors.New("RIPE Atlas: not enough credits")
	// ErrNoResults: the measurement stopped, or the deadline passed,
	// without any probe reporting a usable traceroute.
	ErrNoResults = errors.New("RIPE Atlas: measurement produced no results")
	// ErrMeasurementFailed: RIPE Atlas gave the measurement a failure
	// status ("No suitable probes" or "Failed").
	ErrMeasurementFailed = errors.New("RIPE Atlas: measurement failed")
)

// errRIPETransport marks a request that got no HTTP answer at all.
var errRIPETransport = errors.New("no answer")

// ripeTransient reports whether a failed call may succeed if repeated
// later: no answer, HTTP 429 (rate limited) or a server error. A
// context's end is not transient.
func ripeTransient(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var re *Error
	if errors.As(err, &re) {
		return re.HTTPStatus == http.StatusTooManyRequests || re.HTTPStatus >= 500
	}
	return errors.Is(err, errRIPETransport)
}

// Error is an HTTP error answered by the RIPE Atlas API. Its fields
// mirror the documented error body
// {"error": {"status", "code", "title", "detail", "errors": [...]}}.
type Error struct {
	Op         string // what we were doing: "create measurement", ...
	HTTPStatus int    // the HTTP status code of the response
	Title      string // short summary, e.g. "Bad Request"
	Detail     string // human-readable description
	// Errors are the per-field details: the JSON pointer (or URL
	// parameter) at fault and what is wrong with it.
	Errors []FieldError
	Body   string // the raw body (truncated) when it was not RIPE's JSON
}

// FieldError is one entry of a RIPE Atlas error's "errors" list.
type FieldError struct {
	Pointer   string // RFC 6901 pointer into the request body, e.g. /definitions/0/target
	Parameter string // or the URL parameter at fault
	Detail    string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "RIPE Atlas: %s: HTTP %d", e.Op, e.HTTPStatus)
	if e.Title != "" {
		fmt.Fprintf(&b, " %s", e.Title)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	for _, fe := range e.Errors {
		at := fe.Pointer
		if at == "" {
			at = fe.Parameter
		}
		fmt.Fprintf(&b, "; %s: %s", at, fe.Detail)
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": %q", e.Body)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNoCredits) true for a refusal over
// credits: HTTP 402, or an error text that mentions credits (RIPE Atlas
// answers 400 or 403 with a detail saying so; its wording is not
// specified, so the word is what we match).
func (e *Error) Is(target error) bool {
	if target != ErrNoCredits {
		return false
	}
	if e.HTTPStatus == http.StatusPaymentRequired {
		return true
	}
	text := e.Title + " " + e.Detail + " " + e.Body
	for _, fe := range e.Errors {
		text += " " + fe.Detail
	}
	return strings.Contains(strings.ToLower(text), "credit")
}

// ripeErrorBody is the JSON shape of a RIPE Atlas error response.
type ripeErrorBody struct {
	Error *struct {
		Status int    `json:"status"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Errors []struct {
			Source struct {
				Pointer   string `json:"pointer"`
				Parameter string `json:"parameter"`
			} `json:"source"`
			Detail string `json:"detail"`
		} `json:"errors"`
	} `json:"error"`
}

// newRIPEError decodes an error response body.
func newRIPEError(op string, status int, body []byte) *Error {
	e := &Error{Op: op, HTTPStatus: status}
	var eb ripeErrorBody
	if json.Unmarshal(body, &eb) != nil || eb.Error == nil {
		const max = 512
		if len(body) > max {
			body = body[:max]
		}
		e.Body = strings.TrimSpace(string(body))
		return e
	}
	e.Title, e.Detail = eb.Error.Title, eb.Error.Detail
	for _, fe := range eb.Error.Errors {
		e.Errors = append(e.Errors, FieldError{Pointer: fe.Source.Pointer, Parameter: fe.Source.Parameter, Detail: fe.Detail})
	}
	return e
}

// Size limits on response bodies: results of a large measurement run to
// megabytes; everything else is small.
const (
	ripeMaxBody    = 1 << 20
	ripeMaxResults = 256 << 20
)

// ripeCall performs one API call: method on path (relative to the base
// URL), in as the JSON body when non-nil, and returns the response body
// of a 2xx answer. Any other status becomes a *Error.
func (r *Provider) ripeCall(ctx context.Context, op, method, path string, in any, limit int64) ([]byte, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("RIPE Atlas: %s: encode request: %w", op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.baseURL()+path, body)
	if err != nil {
		return nil, fmt.Errorf("RIPE Atlas: %s: %w", op, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Key != "" {
		req.Header.Set("Authorization", "Key "+r.Key)
	}
	resp, err := r.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("RIPE Atlas: %s: %w: %w", op, errRIPETransport, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("RIPE Atlas: %s: read response: %w", op, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newRIPEError(op, resp.StatusCode, b)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("RIPE Atlas: %s: response larger than %d bytes", op, limit)
	}
	return b, nil
}

// ripeDefinition is one measurement definition of a creation request
// (documented fields of a traceroute definition).
type ripeDefinition struct {
	Target      string `json:"target"`
	AF          int    `json:"af"`
	Type        string `json:"type"`
	Description string `json:"description"`
	Protocol    string `json:"protocol"`
	Paris       int    `json:"paris"`
	Packets     int    `json:"packets,omitempty"`
	MaxHops     int    `json:"max_hops,omitempty"`
}

// ripeProbeRequest is one probe selection of a creation request.
type ripeProbeRequest struct {
	Requested int    `json:"requested"`
	Type      string `json:"type"`
	Value     string `json:"value"`
}

// ripeCreate is the body of POST /measurements/.
type ripeCreate struct {
	Definitions []ripeDefinition   `json:"definitions"`
	Probes      []ripeProbeRequest `json:"probes"`
	IsOneoff    bool               `json:"is_oneoff"`
}

// ripeCreated is the answer to a creation: the new measurement IDs.
type ripeCreated struct {
	Measurements []uint64 `json:"measurements"`
}

// ripeStatus is the part of a measurement object we poll.
type ripeStatus struct {
	ID     uint64 `json:"id"`
	Status struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	} `json:"status"`
	ProbesScheduled  int `json:"probes_scheduled"`
	ParticipantCount int `json:"participant_count"`
}

// Measurement status IDs (the API's status filter values).
const (
	ripeSpecified  = 0
	ripeScheduled  = 1
	ripeOngoing    = 2
	ripeStopped    = 4
	ripeForcedStop = 5
	ripeNoSuitable = 6
	ripeFailed     = 7
	ripeArchived   = 8
)

// stopped reports whether no more results will come.
func (s ripeStatus) stopped() bool {
	return s.Status.ID == ripeStopped || s.Status.ID == ripeForcedStop || s.Status.ID == ripeArchived
}

// failed reports whether the measurement will never run.
func (s ripeStatus) failed() bool {
	return s.Status.ID == ripeNoSuitable || s.Status.ID == ripeFailed
}

// expected is how many probes should report, 0 when not known yet.
func (s ripeStatus) expected() int {
	return max(s.ProbesScheduled, s.ParticipantCount)
}

// createMeasurement posts c and returns the new measurement's ID.
func (r *Provider) createMeasurement(ctx context.Context, c ripeCreate) (uint64, error) {
	const op = "create measurement"
	b, err := r.ripeCall(ctx, op, http.MethodPost, "/measurements/", c, ripeMaxBody)
	if err != nil {
		return 0, err
	}
	var created ripeCreated
	if err := json.Unmarshal(b, &created); err != nil {
		return 0, fmt.Errorf("RIPE Atlas: %s: decode answer: %w", op, err)
	}
	if len(created.Measurements) != 1 {
		return 0, fmt.Errorf("RIPE Atlas: %s: want 1 measurement ID, got %v", op, created.Measurements)
	}
	return created.Measurements[0], nil
}

// status fetches measurement id's status.
func (r *Provider) status(ctx context.Context, id uint64) (ripeStatus, error) {
	op := fmt.Sprintf("status of measurement %d", id)
	var s ripeStatus
	b, err := r.ripeCall(ctx, op, http.MethodGet, fmt.Sprintf("/measurements/%d/", id), nil, ripeMaxBody)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("RIPE Atlas: %s: decode answer: %w", op, err)
	}
	return s, nil
}

// results fetches measurement id's results so far, as raw JSON.
func (r *Provider) results(ctx context.Context, id uint64) ([]byte, error) {
	op := fmt.Sprintf("results of measurement %d", id)
	return r.ripeCall(ctx, op, http.MethodGet, fmt.Sprintf("/measurements/%d/results/?format=json", id), nil, ripeMaxResults)
}

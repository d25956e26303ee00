package revtr

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
)

// Errors for bad input, which callers branch on. Engine.Run returns them
// wrapped, together with a FAILED result carrying the matching FailReason.
var (
	ErrSourceNotConfigured = errors.New("source is not configured")
	ErrBogonDestination    = errors.New("destination is a private or bogon address outside the allow-list")
	ErrUnknownVantagePoint = errors.New("unknown vantage point")
	ErrBadAddress          = errors.New("invalid address")
	ErrNoProber            = errors.New("no prober configured")
	errBudget              = errors.New("probe budget exhausted")
	errLoop                = errors.New("loop detected")
	errNoHops              = errors.New("no technique revealed the next hop")
)

// failError couples an error with the fail reason it records.
type failError struct {
	reason FailReason
	err    error
}

func (e *failError) Error() string { return e.err.Error() }
func (e *failError) Unwrap() error { return e.err }

func fail(reason FailReason, err error) error { return &failError{reason, err} }

// reasonOf returns the fail reason an error records.
func reasonOf(err error) FailReason {
	var fe *failError
	if errors.As(err, &fe) {
		return fe.reason
	}
	return FailProber
}

// checkRequest validates a request before any probe.
func (e *Engine) checkRequest(req Request) error {
	if !req.Src.IsValid() || !req.Dst.IsValid() || req.Src.Is4() != req.Dst.Is4() {
		return fail(FailBadAddress, fmt.Errorf("revtr %v to %v: %w", req.Src, req.Dst, ErrBadAddress))
	}
	if !req.Src.Is4() {
		return fail(FailBadAddress, fmt.Errorf("revtr %v to %v: %w: Record Route is IPv4 only", req.Src, req.Dst, ErrBadAddress))
	}
	if !e.sources[req.Src] {
		return fail(FailSourceNotConfigured, fmt.Errorf("revtr from %v: %w", req.Src, ErrSourceNotConfigured))
	}
	if e.bogon(req.Dst) {
		return fail(FailBogonDestination, fmt.Errorf("revtr to %v: %w", req.Dst, ErrBogonDestination))
	}
	return nil
}

// bogon reports whether addr may not be probed.
func (e *Engine) bogon(addr netip.Addr) bool {
	if slices.ContainsFunc(e.cfg.Allow, func(p netip.Prefix) bool { return p.Contains(addr) }) {
		return false
	}
	return e.cfg.Bogons.IsBogon(addr)
}

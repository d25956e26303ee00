package wire

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, so callers branch with errors.Is.
var (
	// ErrTruncated means the buffer ends before the structure it should hold.
	ErrTruncated = errors.New("truncated")
	// ErrMalformed means a length, offset, version or pointer field is
	// inconsistent with the format.
	ErrMalformed = errors.New("malformed")
	// ErrType means the message is well formed but of another type than the
	// one the decoder handles (e.g. a time exceeded given to Echo.Decode).
	ErrType = errors.New("unexpected message type")
	// ErrInvalid means a value cannot be encoded: an address of the wrong
	// family, a field out of range, options longer than the header allows.
	ErrInvalid = errors.New("invalid value")
	// ErrChecksum means no value of the free field yields the wanted
	// checksum, or a checksum does not verify.
	ErrChecksum = errors.New("checksum")
)

// errf wraps a sentinel with the operation and what is wrong. It allocates,
// which is fine: errors are off the hot path.
func errf(op string, sentinel error, format string, args ...any) error {
	return fmt.Errorf("wire: %s: %s: %w", op, fmt.Sprintf(format, args...), sentinel)
}

// short reports a truncated buffer for op.
func short(op string, have, want int) error {
	return errf(op, ErrTruncated, "have %d bytes, need %d", have, want)
}

// Error messages format addresses with Addr.String() rather than %v: an
// Addr passed to fmt would make escape analysis move every buffer the
// struct holding it points to (Options, Data) to the heap.

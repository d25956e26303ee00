package twohost

import "errors"

// Errors callers branch on.
var (
	// ErrNeedRoot means a raw or packet socket could not be opened for
	// lack of privilege (CAP_NET_RAW, and CAP_NET_ADMIN for the nftables
	// rule).
	ErrNeedRoot = errors.New("raw sockets need root (CAP_NET_RAW)")
	// ErrNoIPv6 means the namespace has no IPv6.
	ErrNoIPv6 = errors.New("IPv6 not available")
	// ErrNoInterface means the named interface does not exist.
	ErrNoInterface = errors.New("no such interface")
)

// ErrPlatform means the platform cannot run the responder or the client
// (they need Linux).
var ErrPlatform = errors.New("two-host responder and client need Linux")

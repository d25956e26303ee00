package twohost

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of ResponderConfig. MaxSessions and Timeout are the reference
// server's defaults (-n 5000, -t 5 s).
const (
	DefaultMaxSessions    = 5000
	DefaultSessionTimeout = 5 * time.Second
	DefaultRate           = 1000 // answers per second, all requesters together
	DefaultBurst          = 200
	DefaultRequesterRate  = 100 // answers per second to one requester address
	DefaultRequesterBurst = 50
	DefaultMaxRequesters  = 10000 // requester rate limiters kept at once
)

// ErrConfig is returned for a ResponderConfig the responder cannot run with.
var ErrConfig = errors.New("bad responder configuration")

// ResponderConfig tunes a Responder. The zero value (plus an interface
// name) is a responder with the reference server's behaviour and this
// package's rate limits.
type ResponderConfig struct {
	// Interface is the name of the interface requests arrive on and
	// answers leave by. Required.
	Interface string
	// MaxSessions bounds the probes awaiting their answer; a request that
	// finds the table full is dropped and counted. 0 means
	// DefaultMaxSessions.
	MaxSessions int
	// Timeout is how long a probe waits for its answer before the session
	// is dropped (the requester gets no answer). 0 means DefaultSessionTimeout.
	Timeout time.Duration
	// Rate and Burst bound the answers (and probes) per second over all
	// requesters; 0 means DefaultRate and DefaultBurst; negative means
	// unlimited.
	Rate  float64
	Burst int
	// RequesterRate and RequesterBurst bound them per requester address;
	// 0 means the defaults; negative means unlimited.
	RequesterRate  float64
	RequesterBurst int
	// MaxRequesters bounds the per-requester limiters kept in memory; when
	// full, the idlest is forgotten. 0 means DefaultMaxRequesters.
	MaxRequesters int
	// MinRequestLen, when not 0, is the smallest ICMP message (header
	// included) the responder answers; shorter requests are refused. At
	// wire.TwoHostSuccessLen (36) or more, no answer is ever larger than
	// its request. 0 accepts the reference clients' 12-byte requests.
	MinRequestLen int
	// Allow, when not empty, lists the only requester prefixes served;
	// Deny lists prefixes never served (it wins over Allow), as
	// requesters and as indirect targets.
	Allow, Deny []netip.Prefix
	// Indirect serves requests of the newer revision that name another
	// target for the probe (indirect tracing), from requesters in
	// IndirectAllow (empty: every requester served). Off by default, as
	// in the reference server: the probe then goes to a host that did not
	// ask for it. Refused indirect requests are answered
	// wire.StateRefused with the object's class and type in the reserved
	// field, as the reference answers them.
	Indirect      bool
	IndirectAllow []netip.Prefix
	// KeepKernelEcho, when set, installs no nftables rule: the operator
	// filters echo requests with code 1 from the kernel otherwise (or
	// accepts that the kernel echoes them too). Only the kernel's stack
	// gets the rule.
	KeepKernelEcho bool
	// Stack is the network stack the responder serves on; nil means the
	// kernel's, in the calling thread's network namespace.
	Stack ResponderStack
	// Registry receives the responder's metrics; nil means none are
	// registered (they are still counted, see Responder.Stats).
	Registry prometheus.Registerer
	// Logger receives structured logs; nil means slog.Default().
	Logger *slog.Logger
}

func (c ResponderConfig) withDefaults() (ResponderConfig, error) {
	if c.Interface == "" {
		return c, fmt.Errorf("%w: no interface given", ErrConfig)
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	deff := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.MaxSessions, DefaultMaxSessions)
	def(&c.Burst, DefaultBurst)
	def(&c.RequesterBurst, DefaultRequesterBurst)
	def(&c.MaxRequesters, DefaultMaxRequesters)
	deff(&c.Rate, DefaultRate)
	deff(&c.RequesterRate, DefaultRequesterRate)
	if c.Timeout == 0 {
		c.Timeout = DefaultSessionTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	switch {
	case c.MaxSessions < 1 || c.MaxSessions > maxSessionIDs:
		return c, fmt.Errorf("%w: max sessions %d not in 1..%d", ErrConfig, c.MaxSessions, maxSessionIDs)
	case c.Timeout < 0:
		return c, fmt.Errorf("%w: negative timeout %v", ErrConfig, c.Timeout)
	case c.MinRequestLen < 0 || c.MinRequestLen > 1400:
		return c, fmt.Errorf("%w: minimum request length %d not in 0..1400", ErrConfig, c.MinRequestLen)
	case c.Burst < 0 || c.RequesterBurst < 0 || c.MaxRequesters < 0:
		return c, fmt.Errorf("%w: negative burst or requester count", ErrConfig)
	}
	return c, nil
}

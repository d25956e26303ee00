package twohost

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limits holds the rate limiters and the requester policy of a responder.
// Its methods are safe for concurrent use.
type limits struct {
	global      *rate.Limiter
	perRate     rate.Limit
	perBurst    int
	maxEntries  int
	allow, deny []netip.Prefix

	mu  sync.Mutex
	per map[netip.Addr]*rate.Limiter
}

func newLimits(c ResponderConfig) *limits {
	l := &limits{global: limiter(c.Rate, c.Burst), perBurst: c.RequesterBurst,
		maxEntries: c.MaxRequesters, allow: c.Allow, deny: c.Deny,
		per: make(map[netip.Addr]*rate.Limiter)}
	l.perRate = rate.Inf
	if c.RequesterRate > 0 {
		l.perRate = rate.Limit(c.RequesterRate)
	}
	return l
}

// limiter returns a token bucket; a negative rate means no limit.
func limiter(r float64, burst int) *rate.Limiter {
	if r < 0 {
		return rate.NewLimiter(rate.Inf, 0)
	}
	return rate.NewLimiter(rate.Limit(r), max(burst, 1))
}

// permitted reports whether the policy serves requester a: not denied,
// and allowed when an allow list is given.
func (l *limits) permitted(a netip.Addr) bool {
	for _, p := range l.deny {
		if p.Contains(a) {
			return false
		}
	}
	if len(l.allow) == 0 {
		return true
	}
	for _, p := range l.allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// probeable reports whether a requester address may receive a probe: a
// unicast address outside loopback, link-local and the unspecified
// address (a spoofed request cannot aim the probe at a group).
func probeable(a netip.Addr) bool {
	return a.IsValid() && a.IsGlobalUnicast() && !a.Is4In6()
}

// take spends one token of the global and of requester a's bucket at now;
// it returns the reason when one of them is empty.
func (l *limits) take(a netip.Addr, now time.Time) (Reason, bool) {
	if l.perRate != rate.Inf {
		if !l.requester(a).AllowN(now, 1) {
			return ReasonRequesterRate, false
		}
	}
	if !l.global.AllowN(now, 1) {
		return ReasonGlobalRate, false
	}
	return 0, true
}

// requester returns a's limiter, creating it; when maxEntries are kept, an
// arbitrary one is forgotten first, so memory stays bounded whatever the
// number of (possibly spoofed) requesters. The global limit still bounds
// the total.
func (l *limits) requester(a netip.Addr) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lim, ok := l.per[a]; ok {
		return lim
	}
	if len(l.per) >= l.maxEntries {
		for k := range l.per {
			delete(l.per, k)
			break
		}
	}
	lim := rate.NewLimiter(l.perRate, max(l.perBurst, 1))
	l.per[a] = lim
	return lim
}

// requesters returns how many per-requester limiters are kept.
func (l *limits) requesters() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.per)
}

package revtr

import (
	"net/netip"
	"sync"
	"time"
)

// DefaultMemory is how many addresses the engine remembers at most as
// known not to run a two-host responder: at most ~55 MiB (~110 bytes an
// address).
const DefaultMemory = 1 << 19

// addrMemory remembers addresses with the time each was marked, for at
// most ttl and at most limit of them. It keeps two generations: when the
// current one holds limit/2 addresses it becomes the previous one, and the
// older generation is forgotten whole. Forgetting early only costs a
// repeated check; memory never grows past limit entries. Safe for
// concurrent use.
type addrMemory struct {
	mu        sync.Mutex
	ttl       time.Duration
	half      int
	cur, prev map[netip.Addr]time.Time
}

func newAddrMemory(limit int, ttl time.Duration) *addrMemory {
	half := max(limit/2, 1)
	return &addrMemory{ttl: ttl, half: half, cur: make(map[netip.Addr]time.Time)}
}

// has reports whether a was marked less than ttl before now.
func (m *addrMemory) has(a netip.Addr, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	at, ok := m.cur[a]
	if !ok {
		at, ok = m.prev[a]
	}
	return ok && now.Sub(at) < m.ttl
}

// mark remembers a as of now.
func (m *addrMemory) mark(a netip.Addr, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.cur[a]; !ok && len(m.cur) >= m.half {
		m.prev, m.cur = m.cur, make(map[netip.Addr]time.Time, m.half)
	}
	m.cur[a] = now
}

// len is how many addresses are held, expired ones included.
func (m *addrMemory) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.cur) + len(m.prev)
}

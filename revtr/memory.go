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

// bounded is a map of at most limit keys in two generations: when the
// current one holds limit/2 keys it becomes the previous one, and the
// older generation is forgotten whole; a key found in the previous one
// moves back into the current one. Forgetting early only costs a repeated
// measurement; memory never grows past limit keys. Not safe for
// concurrent use.
type bounded[K comparable, V any] struct {
	half      int
	cur, prev map[K]V
	forgotten int // keys forgotten so far
}

func newBounded[K comparable, V any](limit int) bounded[K, V] {
	half := max(limit/2, 1)
	return bounded[K, V]{half: half, cur: make(map[K]V)}
}

// get returns k's value.
func (b *bounded[K, V]) get(k K) (V, bool) {
	if v, ok := b.cur[k]; ok {
		return v, true
	}
	v, ok := b.prev[k]
	if ok {
		delete(b.prev, k)
		b.put(k, v)
	}
	return v, ok
}

// put sets k's value.
func (b *bounded[K, V]) put(k K, v V) {
	if _, ok := b.cur[k]; !ok && len(b.cur) >= b.half {
		b.forgotten += len(b.prev)
		b.prev, b.cur = b.cur, make(map[K]V, b.half)
	}
	b.cur[k] = v
}

// len is how many keys are held.
func (b *bounded[K, V]) len() int { return len(b.cur) + len(b.prev) }

// addrMemory remembers addresses with the time each was marked, for at
// most ttl and at most limit of them (bounded). Safe for concurrent use.
type addrMemory struct {
	mu  sync.Mutex
	ttl time.Duration
	m   bounded[netip.Addr, time.Time]
}

func newAddrMemory(limit int, ttl time.Duration) *addrMemory {
	return &addrMemory{ttl: ttl, m: newBounded[netip.Addr, time.Time](limit)}
}

// has reports whether a was marked less than ttl before now.
func (m *addrMemory) has(a netip.Addr, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	at, ok := m.m.get(a)
	return ok && now.Sub(at) < m.ttl
}

// mark remembers a as of now.
func (m *addrMemory) mark(a netip.Addr, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m.put(a, now)
}

// len is how many addresses are held, expired ones included.
func (m *addrMemory) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m.len()
}

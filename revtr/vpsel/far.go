package vpsel

import (
	"net/netip"
	"time"
)

// Defaults of Learned's memory of targets out of a source's Record Route
// range (Learned.LimitFar).
const (
	DefaultFarEntries = 1 << 19        // at most ~80 MiB (~160 bytes a pair)
	DefaultFarAge     = 24 * time.Hour // as long as the atlas is fresh
)

// pair is a (source, target) pair.
type pair [2]netip.Addr

// farMemory remembers (source, target) pairs for at most age and at most
// limit of them, in two generations: when the current one holds limit/2
// pairs it becomes the previous one and the older generation is forgotten
// whole. Time is the latest observation's (SkipSource has no clock of its
// own). Not safe for concurrent use: Learned's lock guards it.
type farMemory struct {
	age       time.Duration
	half      int
	now       time.Time
	cur, prev map[pair]time.Time
}

func newFarMemory(limit int, age time.Duration) farMemory {
	half := max(limit/2, 1)
	return farMemory{age: age, half: half, cur: make(map[pair]time.Time)}
}

// has reports whether k was marked less than age before the latest
// observation.
func (m *farMemory) has(k pair) bool {
	at, ok := m.cur[k]
	if !ok {
		at, ok = m.prev[k]
	}
	return ok && m.now.Sub(at) < m.age
}

// mark remembers k as of at.
func (m *farMemory) mark(k pair, at time.Time) {
	if _, ok := m.cur[k]; !ok && len(m.cur) >= m.half {
		m.prev, m.cur = m.cur, make(map[pair]time.Time, m.half)
	}
	m.cur[k] = at
}

// observe moves the memory's clock to at, if later.
func (m *farMemory) observe(at time.Time) {
	if at.After(m.now) {
		m.now = at
	}
}

// len is how many pairs are held, expired ones included.
func (m *farMemory) len() int { return len(m.cur) + len(m.prev) }

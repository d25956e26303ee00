package vpsel

import "net/netip"

// DefaultOwedTargets bounds the targets Learned holds uncharged silences
// for (~10 MiB at most).
const DefaultOwedTargets = 1 << 16

// maxOwed bounds the silences held per target: past it, more vantage
// points' silence toward one target is not charged.
const maxOwed = 32

// owedSilences holds, per target, the vantage points whose spoofed pings
// toward it got no reply while no ping toward it was known to have one,
// for at most limit targets in two generations (as farMemory): a target
// that never answers is forgotten in time. Not safe for concurrent use:
// Learned's lock guards it.
type owedSilences struct {
	half      int
	cur, prev map[netip.Addr][]netip.Addr
}

func newOwedSilences(limit int) owedSilences {
	return owedSilences{half: max(limit/2, 1), cur: make(map[netip.Addr][]netip.Addr)}
}

// add holds vp's silence toward target.
func (m *owedSilences) add(target, vp netip.Addr) {
	vps, ok := m.cur[target]
	if !ok {
		if vps, ok = m.prev[target]; ok {
			delete(m.prev, target)
		} else if len(m.cur) >= m.half {
			m.prev, m.cur = m.cur, make(map[netip.Addr][]netip.Addr, m.half)
		}
	}
	if len(vps) < maxOwed {
		vps = append(vps, vp)
	}
	m.cur[target] = vps
}

// take returns and forgets the silences held toward target.
func (m *owedSilences) take(target netip.Addr) []netip.Addr {
	vps, ok := m.cur[target]
	if ok {
		delete(m.cur, target)
		return vps
	}
	vps = m.prev[target]
	delete(m.prev, target)
	return vps
}

// len is how many targets silences are held for.
func (m *owedSilences) len() int { return len(m.cur) + len(m.prev) }

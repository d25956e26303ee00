package vpsel

import (
	"net/netip"
	"testing"
)

// TestOwedSilencesBounded: at most maxOwed silences are held per target,
// a target's are given once, and past the bound on targets the oldest
// generation is forgotten while the newest is kept.
func TestOwedSilencesBounded(t *testing.T) {
	m := newOwedSilences(8)
	tg, vp := netip.MustParseAddr("10.9.0.1"), netip.MustParseAddr("10.1.0.1")
	for range maxOwed + 5 {
		m.add(tg, vp)
	}
	if got := len(m.take(tg)); got != maxOwed {
		t.Errorf("%d silences held for one target, want %d", got, maxOwed)
	}
	if got := m.take(tg); got != nil {
		t.Errorf("silences given twice: %v", got)
	}
	m.add(tg, vp)
	var last netip.Addr
	for i := range 20 {
		last = netip.AddrFrom4([4]byte{10, 6, 0, byte(i)})
		m.add(last, vp)
	}
	if m.len() > 8 || len(m.take(last)) != 1 || m.take(tg) != nil {
		t.Errorf("past the bound: %d targets held, the latest or the oldest wrong", m.len())
	}
}

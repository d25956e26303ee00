package vpsel

import (
	"net/netip"
	"testing"
	"time"
)

// TestFarMemoryBound: however many pairs are marked, at most the limit
// are held.
func TestFarMemoryBound(t *testing.T) {
	m := newFarMemory(10, time.Hour)
	s := netip.MustParseAddr("10.0.0.1")
	for i := range 1000 {
		m.mark(pair{s, netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})}, time.Time{})
		if m.len() > 10 {
			t.Fatalf("%d pairs held after %d marks, limit 10", m.len(), i+1)
		}
	}
}

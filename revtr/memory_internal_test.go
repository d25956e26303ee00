package revtr

import (
	"net/netip"
	"testing"
	"time"
)

// TestAddrMemory: an address is remembered for the ttl only, and however
// many are marked, at most the limit are held, the latest among them.
func TestAddrMemory(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	m := newAddrMemory(8, time.Hour)
	a := netip.MustParseAddr("10.0.0.1")
	m.mark(a, t0)
	if !m.has(a, t0.Add(59*time.Minute)) || m.has(a, t0.Add(time.Hour)) {
		t.Error("remembered for other than the ttl")
	}
	if m.has(netip.MustParseAddr("10.0.0.2"), t0) {
		t.Error("remembers an address never marked")
	}
	var last netip.Addr
	for i := range 1000 {
		last = netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		m.mark(last, t0)
		if m.len() > 8 {
			t.Fatalf("%d addresses held after %d marks, limit 8", m.len(), i+1)
		}
	}
	if !m.has(last, t0) || m.has(a, t0) {
		t.Error("the latest address forgotten, or the oldest kept")
	}
	m.mark(last, t0.Add(2*time.Hour)) // marking again refreshes
	if !m.has(last, t0.Add(2*time.Hour+time.Minute)) {
		t.Error("a re-mark did not refresh the time")
	}
}

// TestRTTMemory: the largest RTT per key is kept, also across a
// generation change, and at most the limit of keys are held.
func TestRTTMemory(t *testing.T) {
	m := newRTTMemory(4)
	k := rttKey{netip.MustParseAddr("10.0.0.1"), netip.MustParsePrefix("10.5.0.0/16")}
	m.note(k, 3*time.Millisecond)
	m.note(k, time.Millisecond)
	if d, ok := m.get(k); !ok || d != 3*time.Millisecond {
		t.Errorf("rtt %v %v, want the largest, 3ms", d, ok)
	}
	for i := range 2 { // k moves to the previous generation
		m.note(rttKey{k.sender, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 9, byte(i), 0}), 24)}, time.Millisecond)
	}
	m.note(k, 2*time.Millisecond)
	if d, _ := m.get(k); d != 3*time.Millisecond {
		t.Errorf("rtt %v after a generation change, want 3ms kept", d)
	}
	for i := range 100 {
		m.note(rttKey{k.sender, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 8, byte(i), 0}), 24)}, time.Millisecond)
		if n := m.m.len(); n > 4 {
			t.Fatalf("%d keys held, limit 4", n)
		}
	}
}

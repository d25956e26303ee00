package twohost_test

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
	"github.com/revtr/revtr/wire"
)

// TestDuplicateQuery sends two requests with the same query id back to
// back while the first's probe is unanswered (the requester ignores
// echo requests), then one with another id: the second is dropped and
// counted as a duplicate, as the reference server drops it; the others
// each get a session and a probe (docs/twohost.md, "Back-to-back
// requests").
func TestDuplicateQuery(t *testing.T) {
	tp, err := topotest.Chain(2)
	l := upLab(t, tp, err)
	r := startResponder(t, l, "h1", twohost.ResponderConfig{Timeout: 10 * time.Second})
	ignoreEcho(t, l, "h0")
	fd := rawICMP(t, l, "h0")
	target := hostAddr(t, tp, "h1", false)
	for _, id := range []uint16{7, 7, 8} {
		req := wire.TwoHostRequest{ID: id, TTL: 64, Proto: wire.ProtoICMP, Flow: 4242}
		req.SetChecksum(target, target)
		b, _ := req.AppendBinary(nil)
		if err := unix.Sendto(fd, b, 0, &unix.SockaddrInet4{Addr: target.As4()}); err != nil {
			t.Fatal(err)
		}
	}
	// A snapshot is not atomic (Stats reads the open sessions before the
	// counters): wait until each request has its outcome, then look again.
	waitStats(t, r, func(s twohost.Stats) bool { return s.Requests == 3 && s.Probes+total(s.Refused) >= 3 })
	st := r.Stats()
	if st.Refused[twohost.ReasonDuplicate] != 1 || st.Probes != 2 || st.Sessions != 2 {
		t.Errorf("refused %v, %d probes, %d sessions; want one duplicate, 2 probes, 2 sessions", st.Refused, st.Probes, st.Sessions)
	}
}

// waitStats polls r's counters until ok holds for them (the responder
// serves on its own goroutines), failing after 5 s.
func waitStats(t *testing.T, r *twohost.Responder, ok func(twohost.Stats) bool) twohost.Stats {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := r.Stats()
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("responder counters never got there: %+v", st)
		}
		time.Sleep(time.Millisecond)
	}
}

// total sums counts by reason.
func total(m map[twohost.Reason]uint64) uint64 {
	var n uint64
	for _, c := range m {
		n += c
	}
	return n
}

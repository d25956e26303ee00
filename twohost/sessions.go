package twohost

import (
	"net/netip"
	"sync"
	"time"

	"github.com/revtr/revtr/internal/rawsock"
	"github.com/revtr/revtr/wire"
)

// maxSessionIDs is how many session ids exist: 16 bits, zero excluded (a
// UDP checksum cannot be zero).
const maxSessionIDs = 1<<16 - 1

// session is one probe awaiting its answer: who asked, how to answer, and
// what the answer to the probe must show.
type session struct {
	id        uint16
	requester netip.Addr // the probe's destination and the answer's
	local     netip.Addr // the address the request was sent to: the answer's source
	proto     wire.Proto // of the probe: ICMP, ICMPv6, UDP or TCP
	dport     uint16     // UDP/TCP destination port (the flow)
	queryID   uint16     // echoed in the answer
	seq       uint16
	link      rawsock.LinkAddr // where the request came from, to answer the same way
	sent      time.Time
}

// sessions is the bounded table of sessions by id. Its methods are safe
// for concurrent use.
type sessions struct {
	mu      sync.Mutex
	byID    map[uint16]session
	max     int
	next    uint16
	highest int // the most sessions ever held at once
}

func newSessions(max int, start uint16) *sessions {
	return &sessions{byID: make(map[uint16]session, min(max, 1024)), max: max, next: start}
}

// add stores s under a fresh nonzero id and returns it; false when the
// table is full.
func (t *sessions) add(s session) (uint16, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.byID) >= t.max {
		return 0, false
	}
	for {
		t.next++
		if _, taken := t.byID[t.next]; t.next != 0 && !taken {
			break
		}
	}
	s.id = t.next
	t.byID[s.id] = s
	t.highest = max(t.highest, len(t.byID))
	return s.id, true
}

// setSent records when the probe of session id left.
func (t *sessions) setSent(id uint16, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.byID[id]; ok {
		s.sent = at
		t.byID[id] = s
	}
}

// take removes and returns session id if ok(s) holds for it.
func (t *sessions) take(id uint16, ok func(*session) bool) (session, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, found := t.byID[id]
	if !found || !ok(&s) {
		return session{}, false
	}
	delete(t.byID, id)
	return s, true
}

// expire removes the sessions sent before deadline and returns how many.
func (t *sessions) expire(deadline time.Time) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for id, s := range t.byID {
		if s.sent.Before(deadline) {
			delete(t.byID, id)
			n++
		}
	}
	return n
}

// len returns the sessions held now and the most ever held at once.
func (t *sessions) len() (now, highest int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byID), t.highest
}

// full reports whether the table is full.
func (t *sessions) full() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byID) >= t.max
}

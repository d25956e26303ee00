package twohost

import (
	"net/netip"
	"sync"
	"time"

	"github.com/revtr/revtr/wire"
)

// maxSessionIDs is how many session ids exist: 16 bits, zero excluded (a
// UDP checksum cannot be zero).
const maxSessionIDs = 1<<16 - 1

// session is one probe awaiting its answer: who asked, how to answer, and
// what the answer to the probe must show.
type session struct {
	id        uint16
	requester netip.Addr // the answer's destination
	target    netip.Addr // the probe's: the requester, or an indirect target
	local     netip.Addr // the address the request was sent to: the answer's source
	proto     wire.Proto // of the probe: ICMP, ICMPv6, UDP or TCP
	dport     uint16     // UDP/TCP destination port (the flow)
	queryID   uint16     // echoed in the answer
	seq       uint16
	link      LinkAddr // where the request came from, to answer the same way
	sent      time.Time
}

// sessions is the bounded table of sessions by id. Its methods are safe
// for concurrent use.
type sessions struct {
	mu      sync.Mutex
	byID    map[uint16]session
	live    map[query]uint16 // the session of each (requester, query id)
	max     int
	next    uint16
	highest int // the most sessions ever held at once
}

// query names a request as its requester does: by the requester's
// address and the query id it chose.
type query struct {
	requester netip.Addr
	id        uint16
}

func newSessions(max int, start uint16) *sessions {
	return &sessions{byID: make(map[uint16]session, min(max, 1024)), live: make(map[query]uint16, min(max, 1024)),
		max: max, next: start}
}

// add stores s under a fresh nonzero id and returns it. It refuses, with
// the reason, a request whose (requester, query id) already has a live
// session — its answer could not be told from the first's, as the
// reference server refuses it — and any request when the table is full.
func (t *sessions) add(s session) (uint16, Reason, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	q := query{s.requester, s.queryID}
	if _, dup := t.live[q]; dup {
		return 0, ReasonDuplicate, false
	}
	if len(t.byID) >= t.max {
		return 0, ReasonTableFull, false
	}
	for {
		t.next++
		if _, taken := t.byID[t.next]; t.next != 0 && !taken {
			break
		}
	}
	s.id = t.next
	t.byID[s.id] = s
	t.live[q] = s.id
	t.highest = max(t.highest, len(t.byID))
	return s.id, 0, true
}

// remove deletes session s; t.mu is held.
func (t *sessions) remove(s *session) {
	delete(t.byID, s.id)
	delete(t.live, query{s.requester, s.queryID})
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
	t.remove(&s)
	return s, true
}

// expire removes the sessions sent before deadline and returns how many.
func (t *sessions) expire(deadline time.Time) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, s := range t.byID {
		if s.sent.Before(deadline) {
			t.remove(&s)
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

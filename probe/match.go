package probe

import (
	"net/netip"
	"sync"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/wire"
)

// Result is what came back for one probe.
type Result struct {
	// Reply is the kind of answer; meas.NoReply when the probe timed out.
	Reply meas.Reply
	// From is the address that answered (zero on timeout).
	From netip.Addr
	// RTT is the time from sending the probe to reading its answer. For an
	// expectation (see ExpectRR) it counts from the registration.
	RTT time.Duration
	// Code is the ICMP code of an error reply.
	Code uint8
	// ReplyTTL is the TTL or hop limit the answer arrived with (IPv4
	// only; 0 for IPv6, whose raw sockets do not deliver the header).
	ReplyTTL uint8
	// Recorded holds the addresses of the answer's Record Route option,
	// nil when it carried none.
	Recorded []netip.Addr
	// At is when the answer was read (zero on timeout).
	At time.Time
}

// key is what a reply must show to be attributed to a probe: the tag
// locates it, the rest must agree.
type key struct {
	proto        wire.Proto // of the probe: ICMP, ICMPv6, UDP or TCP
	src, dst     netip.Addr
	sport, dport uint16
}

// pending is one outstanding probe. Exactly one of match, expiry, cancel
// and Close resolves it, by removing it from the table under its lock.
type pending struct {
	tag   uint16
	k     key
	sent  time.Time
	timer *time.Timer
	done  chan struct{}
	res   Result
	err   error
}

// table holds the outstanding probes of a prober by tag.
type table struct {
	mu     sync.Mutex
	byTag  map[uint16]*pending
	next   uint16
	closed bool
	stats  Stats
	// readFault, when set, says why the answers of a family cannot be
	// read now: a probe that times out then fails with it.
	readFault func(v6 bool) error
	// timers counts the timeouts armed and not yet stopped or run out,
	// so that closeAll returns only once no expiry can still be running.
	timers sync.WaitGroup
}

// Stats counts what happened to a prober's probes and the replies it read.
type Stats struct {
	Sent       uint64 // probes sent
	Matched    uint64 // probes answered
	TimedOut   uint64 // probes unanswered within their timeout, while their answers could be read
	Unmatched  uint64 // replies carrying this prober's mark that matched no outstanding probe (late, or duplicated)
	ReadErrors uint64 // reads of a receive socket that failed (not counting Close)
}

func newTable(start uint16) *table {
	return &table{byTag: make(map[uint16]*pending), next: start}
}

// add registers a probe under a fresh nonzero tag (UDP cannot carry a zero
// checksum); ErrBusy when all are taken.
func (t *table) add(k key) (*pending, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, ErrClosed
	}
	if len(t.byTag) >= 1<<16-1 {
		return nil, ErrBusy
	}
	for {
		t.next++
		if _, taken := t.byTag[t.next]; t.next != 0 && !taken {
			break
		}
	}
	p := &pending{tag: t.next, k: k, done: make(chan struct{})}
	t.byTag[p.tag] = p
	return p, nil
}

// stamp records when p leaves, just before it is sent, so that a reply
// read before arm still gets its round-trip time.
func (t *table) stamp(p *pending, sent time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p.sent = sent
}

// arm starts the probe's timeout, unless it was already resolved.
func (t *table) arm(p *pending, timeout time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byTag[p.tag] == p {
		t.timers.Add(1)
		p.timer = time.AfterFunc(timeout, func() {
			defer t.timers.Done()
			t.expire(p)
		})
	}
}

// expire resolves p as unanswered or, when its answers cannot be read,
// with the read error.
func (t *table) expire(p *pending) {
	var err error
	if t.readFault != nil {
		err = t.readFault(p.k.dst.Is6())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.resolveLocked(p, Result{}, err) && err == nil {
		t.stats.TimedOut++
	}
}

// resolve completes p with res or err if it is still outstanding.
func (t *table) resolve(p *pending, res Result, err error) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.resolveLocked(p, res, err)
}

func (t *table) resolveLocked(p *pending, res Result, err error) bool {
	if t.byTag[p.tag] != p {
		return false
	}
	delete(t.byTag, p.tag)
	if p.timer != nil && p.timer.Stop() {
		t.timers.Done() // its expiry will not run
	}
	if err == nil && res.Reply != meas.NoReply {
		res.RTT = res.At.Sub(p.sent)
	}
	p.res, p.err = res, err
	close(p.done)
	return true
}

// match resolves the probe with tag whose key is k, if any, with res
// (From, Reply, Code, At set; Recorded read from rr's Record Route option
// only on a match, so that unmatched packets cost no allocation). It
// reports whether a probe matched.
func (t *table) match(tag uint16, k key, res Result, rr *wire.IPv4) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.byTag[tag]
	if !ok || !p.k.matches(k) {
		t.stats.Unmatched++
		return false
	}
	t.stats.Matched++
	if rr != nil {
		res.Recorded = recorded(rr)
	}
	return t.resolveLocked(p, res, nil)
}

// matches compares a probe's key with what a reply shows. An invalid
// source in the reply's view means the socket could not tell (IPv6 raw
// sockets do not give the destination of what they receive).
func (k key) matches(r key) bool {
	return k.proto == r.proto && k.dst == r.dst && (!r.src.IsValid() || k.src == r.src) &&
		k.sport == r.sport && k.dport == r.dport
}

// closeAll fails every outstanding probe with err, refuses new ones and
// waits for the expiries already running.
func (t *table) closeAll(err error) {
	t.mu.Lock()
	t.closed = true
	for _, p := range t.byTag {
		t.resolveLocked(p, Result{}, err)
	}
	t.mu.Unlock()
	t.timers.Wait()
}

func (t *table) snapshot() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stats
}

// outstanding returns how many probes wait for an answer.
func (t *table) outstanding() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byTag)
}

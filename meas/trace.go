package meas

import (
	"fmt"
	"net/netip"
	"time"
)

// TraceRequest asks for a Paris traceroute from Src to Dst along one flow.
type TraceRequest struct {
	// Src is the sending host's address; zero means the prober's own
	// address of Dst's family (ErrNoSource for probers of many hosts).
	Src netip.Addr `json:"src"`
	Dst netip.Addr `json:"dst"`
	// Flow is the probes' flow; the zero Flow is ICMP echo with checksum
	// DefaultICMPChecksum.
	Flow Flow `json:"flow"`
	// FirstTTL and MaxTTL bound the TTLs probed; 0 means DefaultFirstTTL
	// (1) and DefaultMaxTTL (30).
	FirstTTL int `json:"first_ttl,omitempty"`
	MaxTTL   int `json:"max_ttl,omitempty"`
	// GapLimit stops the trace after this many silent TTLs in a row; 0
	// means DefaultGapLimit (5).
	GapLimit int `json:"gap_limit,omitempty"`
	// Attempts is how many probes a TTL gets before it is silent, each
	// sent after the previous one timed out; 0 means 1.
	Attempts int `json:"attempts,omitempty"`
	// Window is how many TTLs are in flight at once; 0 means
	// DefaultWindow (16). It changes how long a trace takes and how many
	// probes leave beyond the TTL that ends it, not its hops.
	Window int `json:"window,omitempty"`
	// Timeout is how long each probe waits for its answer; 0 means the
	// prober's (DefaultTimeout unless configured).
	Timeout time.Duration `json:"timeout_ns,omitempty"`
}

// Normalize returns r with its defaults applied (its flow's included) and
// its addresses unmapped, or an error wrapping ErrBadRequest.
func (r TraceRequest) Normalize() (TraceRequest, error) {
	var err error
	if r.Src, r.Dst, err = addrs("traceroute", r.Src, r.Dst); err != nil {
		return r, err
	}
	if r.Flow, err = r.Flow.Normalize(); err != nil {
		return r, err
	}
	t := ttls{first: r.FirstTTL, max: r.MaxTTL, gap: r.GapLimit, window: r.Window}
	if err := t.normalize("traceroute", r.Timeout); err != nil {
		return r, err
	}
	r.FirstTTL, r.MaxTTL, r.GapLimit, r.Window = t.first, t.max, t.gap, t.window
	switch {
	case r.Attempts < 0:
		return r, badRequest("traceroute: attempts %d", r.Attempts)
	case r.Attempts == 0:
		r.Attempts = 1
	}
	return r, nil
}

// ttls are the TTL range, gap limit and window of a trace.
type ttls struct{ first, max, gap, window int }

// normalize applies the defaults and checks the ranges.
func (t *ttls) normalize(op string, timeout time.Duration) error {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&t.first, DefaultFirstTTL)
	def(&t.max, DefaultMaxTTL)
	def(&t.gap, DefaultGapLimit)
	def(&t.window, DefaultWindow)
	switch {
	case t.first < 1 || t.max < t.first || t.max > MaxTTL:
		return badRequest("%s: TTLs %d..%d not within 1..%d", op, t.first, t.max, MaxTTL)
	case t.gap < 1:
		return badRequest("%s: gap limit %d", op, t.gap)
	case t.window < 1:
		return badRequest("%s: window %d", op, t.window)
	case timeout < 0:
		return badRequest("%s: timeout %v", op, timeout)
	}
	return nil
}

// Reply classifies what came back for one probe.
type Reply uint8

// Reply kinds.
const (
	NoReply      Reply = iota // the probe timed out
	TimeExceeded              // ICMP time exceeded (TTL expired in transit)
	EchoReply                 // ICMP echo reply from the destination
	DestUnreach               // ICMP destination unreachable (port unreachable from a destination)
	TCPReset                  // TCP RST from the destination
	TCPSynAck                 // TCP SYN-ACK from the destination
)

var replyNames = [...]string{"none", "time-exceeded", "echo-reply", "dest-unreach", "tcp-rst", "tcp-synack"}

func (r Reply) String() string {
	if int(r) < len(replyNames) {
		return replyNames[r]
	}
	return fmt.Sprintf("reply(%d)", uint8(r))
}

// FromDestination reports whether the reply kind comes from the destination
// itself, which ends a traceroute.
func (r Reply) FromDestination() bool {
	return r == EchoReply || r == TCPReset || r == TCPSynAck || r == DestUnreach
}

// Hop is one answer (or silence) at one TTL of a traceroute.
type Hop struct {
	TTL   int           `json:"ttl"`
	Addr  netip.Addr    `json:"addr"` // zero (JSON "") when silent
	RTT   time.Duration `json:"rtt_ns"`
	Reply Reply         `json:"reply"`
	// Code is the ICMP (ICMPv6) code of a TimeExceeded or DestUnreach
	// reply as it arrived: for DestUnreach it says why (RFC 792: 0 net, 1
	// host, 3 port unreachable, 13 administratively prohibited, ...; RFC
	// 4443: 0 no route, 1 prohibited, 3 address, 4 port unreachable, ...).
	// A destination answering a UDP probe sends port unreachable. Hops a
	// two-host responder reports carry no code: 0.
	Code uint8 `json:"code,omitempty"`
}

// StopReason says why a traceroute ended.
type StopReason uint8

// Traceroute stop reasons, named as scamper names them.
const (
	StopCompleted   StopReason = iota // the destination answered
	StopGapLimit                      // GapLimit consecutive silent hops
	StopMaxTTL                        // MaxTTL reached without the destination
	StopUnreachable                   // a router answered destination unreachable
	StopLoop                          // an address repeated along the path
)

var stopNames = [...]string{"COMPLETED", "GAPLIMIT", "MAXTTL", "UNREACH", "LOOP"}

func (s StopReason) String() string {
	if int(s) < len(stopNames) {
		return stopNames[s]
	}
	return fmt.Sprintf("stop(%d)", uint8(s))
}

// Trace is the result of a TraceRequest.
type Trace struct {
	Src    netip.Addr `json:"src"`
	Dst    netip.Addr `json:"dst"`
	Flow   Flow       `json:"flow"` // defaults applied: what the probes carried
	Hops   []Hop      `json:"hops"` // index i holds TTL FirstTTL+i, the first answer at that TTL
	Stop   StopReason `json:"stop_reason"`
	Probes int        `json:"probes"` // probes sent, including any beyond the TTL that ended the trace
}

// Path returns the addresses of the responding hops in order, skipping
// silent ones.
func (t Trace) Path() []netip.Addr {
	var p []netip.Addr
	for _, h := range t.Hops {
		if h.Addr.IsValid() {
			p = append(p, h.Addr)
		}
	}
	return p
}

// TraceEnd decides where a traceroute ends, as scamper does, from its
// hops given in TTL order: at the destination's answer, at a router's
// destination unreachable, at an address seen before (a loop), or after
// GapLimit silent TTLs in a row. Every prober ends its traces by it, the
// caller ending at MaxTTL when it says nothing sooner. The zero value is
// not usable; use NewTraceEnd.
type TraceEnd struct {
	dst      netip.Addr
	gapLimit int
	gap      int
	seen     map[netip.Addr]bool
}

// NewTraceEnd returns the decider of a trace toward dst with the given
// (normalised) gap limit.
func NewTraceEnd(dst netip.Addr, gapLimit int) *TraceEnd {
	return &TraceEnd{dst: dst, gapLimit: gapLimit, seen: make(map[netip.Addr]bool)}
}

// Next takes the next TTL's hop and reports whether the trace stops with
// it, and why.
func (e *TraceEnd) Next(h Hop) (StopReason, bool) {
	switch {
	case h.Reply == NoReply:
		e.gap++
		return StopGapLimit, e.gap >= e.gapLimit
	case h.Reply == DestUnreach && h.Addr != e.dst:
		return StopUnreachable, true
	case h.Reply.FromDestination():
		return StopCompleted, true
	case e.seen[h.Addr]:
		return StopLoop, true
	}
	e.gap = 0
	e.seen[h.Addr] = true
	return 0, false
}

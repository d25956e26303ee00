package twohost

import "github.com/revtr/revtr/wire"

// Stats is a snapshot of a responder's counters, the same figures its
// Prometheus metrics export.
type Stats struct {
	Requests    uint64                       // well-formed requests received
	Refused     map[Reason]uint64            // refused or dropped, by reason (malformed included)
	Answers     map[wire.TwoHostState]uint64 // answers sent, by state
	Probes      uint64                       // probes sent
	Timeouts    uint64                       // sessions dropped unanswered
	Unmatched   uint64                       // replies to our probes that matched no session
	Sessions    int                          // sessions open now
	MaxSessions int                          // the most sessions ever open at once
	Requesters  int                          // per-requester rate limiters kept
}

// Stats returns the responder's counters.
func (r *Responder) Stats() Stats {
	s := Stats{Refused: make(map[Reason]uint64), Answers: make(map[wire.TwoHostState]uint64),
		Timeouts: uint64(value(r.m.timeouts)), Unmatched: uint64(value(r.m.unmatched)),
		Requesters: r.lim.requesters()}
	s.Sessions, s.MaxSessions = r.tbl.len()
	for _, f := range []string{"ipv4", "ipv6"} {
		s.Requests += uint64(value(r.m.requests.WithLabelValues(f)))
	}
	for _, p := range []string{"icmp", "udp", "tcp"} {
		s.Probes += uint64(value(r.m.probes.WithLabelValues(p)))
	}
	for reason, c := range r.m.refused {
		if v := uint64(value(c)); v > 0 {
			s.Refused[Reason(reason)] = v
		}
	}
	for state, c := range r.m.answers {
		if v := uint64(value(c)); v > 0 {
			s.Answers[wire.TwoHostState(state)] = v
		}
	}
	return s
}

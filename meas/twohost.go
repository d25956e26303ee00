package meas

import (
	"net/netip"
	"time"
)

// TwoHostRequest asks the two-host responder on Dst for the path from Dst
// back to Src (draft-heiwin-intarea-reverse-traceroute): a presence check,
// then, TTL after TTL, requests that make the responder send one probe of
// Flow toward Src and report who answered it.
type TwoHostRequest struct {
	// Src is the client's address, where the path ends; zero means the
	// prober's own address of Dst's family (ErrNoSource for probers of
	// many hosts).
	Src netip.Addr `json:"src"`
	// Dst is the host running the responder, where the path starts.
	Dst netip.Addr `json:"dst"`
	// Flow is the flow of the responder's probes, as for any prober: ID
	// is their destination port (ICMP: checksum), 0 the protocol's
	// default; SrcPort must be 0 or TwoHostSrcPort, the only port a
	// responder sends from.
	Flow Flow `json:"flow"`
	// FirstTTL, MaxTTL, GapLimit and Window are as in TraceRequest.
	FirstTTL int `json:"first_ttl,omitempty"`
	MaxTTL   int `json:"max_ttl,omitempty"`
	GapLimit int `json:"gap_limit,omitempty"`
	Window   int `json:"window,omitempty"`
	// Queries is how many requests each TTL gets, all sent, every answer
	// kept (traceroute's -q); 0 means 1.
	Queries int `json:"queries,omitempty"`
	// Timeout is how long each request waits for its answer; 0 means the
	// prober's (DefaultTimeout unless configured).
	Timeout time.Duration `json:"timeout_ns,omitempty"`
}

// Normalize returns r with its defaults applied (its flow's with source
// port TwoHostSrcPort) and its addresses unmapped, or an error wrapping
// ErrBadRequest.
func (r TwoHostRequest) Normalize() (TwoHostRequest, error) {
	var err error
	if r.Src, r.Dst, err = addrs("two-host trace", r.Src, r.Dst); err != nil {
		return r, err
	}
	switch {
	case r.Flow.SrcPort != 0 && r.Flow.SrcPort != TwoHostSrcPort:
		return r, badRequest("two-host trace: source port %d: a responder sends from port %d only", r.Flow.SrcPort, TwoHostSrcPort)
	case r.Flow.Proto != ICMP:
		r.Flow.SrcPort = TwoHostSrcPort
	}
	if r.Flow, err = r.Flow.Normalize(); err != nil {
		return r, err
	}
	t := ttls{first: r.FirstTTL, max: r.MaxTTL, gap: r.GapLimit, window: r.Window}
	if err := t.normalize("two-host trace", r.Timeout); err != nil {
		return r, err
	}
	r.FirstTTL, r.MaxTTL, r.GapLimit, r.Window = t.first, t.max, t.gap, t.window
	switch {
	case r.Queries < 0:
		return r, badRequest("two-host trace: queries %d", r.Queries)
	case r.Queries == 0:
		r.Queries = 1
	}
	return r, nil
}

// TwoHostTrace is the result of a TwoHostRequest: the path in the
// direction the responder's probes went, so that it compares directly with
// a traceroute from Dst. Trace.Src is the request's Dst (the responder),
// Trace.Dst the client; Trace.Flow is the responder probes' flow, source
// port TwoHostSrcPort; Trace.Hops holds each TTL's first answer, the RTT
// being the one the responder measured for its probe; Trace.Probes counts
// every request sent, presence checks included. Queries holds every answer
// of every TTL, in the order sent.
type TwoHostTrace struct {
	Trace
	Queries [][]Hop `json:"queries"`
}

package meas

import (
	"net/netip"
	"time"
)

// MultipathRequest asks for a multipath traceroute (MDA, Diamond-Miner
// stopping rule) from Src to Dst: every next hop of every hop is
// enumerated with failure probability at most Epsilon per hop, with flows
// of Proto whose IDs count up from MultipathFlowBase (destination ports,
// or ICMP checksums) from the default source port.
type MultipathRequest struct {
	// Src is the sending host's address; zero means the prober's own
	// address of Dst's family (ErrNoSource for probers of many hosts).
	// For a two-host multipath trace, Src is the client and Dst the
	// responder the paths are traced back from.
	Src   netip.Addr `json:"src"`
	Dst   netip.Addr `json:"dst"`
	Proto Proto      `json:"proto"`
	// Epsilon is the failure probability per hop, in (0, 1); 0 means
	// DefaultEpsilon (0.05).
	Epsilon float64 `json:"epsilon,omitempty"`
	// FirstTTL, MaxTTL and GapLimit are as in TraceRequest.
	FirstTTL int `json:"first_ttl,omitempty"`
	MaxTTL   int `json:"max_ttl,omitempty"`
	GapLimit int `json:"gap_limit,omitempty"`
	// Timeout is how long each probe waits for its answer; 0 means the
	// prober's (DefaultTimeout unless configured).
	Timeout time.Duration `json:"timeout_ns,omitempty"`
	// Attempts is how many times the probe of a flow at a TTL is sent
	// until one is answered (the two-host reference client's --retry
	// plus one); 0 means 1.
	Attempts int `json:"attempts,omitempty"`
}

// MultipathFlowBase is the flow ID of a multipath traceroute's first flow;
// flow i has ID MultipathFlowBase+i (the two-host reference client draws
// its flows from 10000-65535).
const MultipathFlowBase = 10000

// Normalize returns r with its defaults applied and its addresses
// unmapped, or an error wrapping ErrBadRequest.
func (r MultipathRequest) Normalize() (MultipathRequest, error) {
	var err error
	if r.Src, r.Dst, err = addrs("multipath", r.Src, r.Dst); err != nil {
		return r, err
	}
	if !r.Proto.Valid() {
		return r, badRequest("multipath: protocol %v: want icmp, udp or tcp", r.Proto)
	}
	if r.Epsilon == 0 {
		r.Epsilon = DefaultEpsilon
	}
	if !(r.Epsilon > 0 && r.Epsilon < 1) {
		return r, badRequest("multipath: epsilon %v not in (0, 1)", r.Epsilon)
	}
	t := ttls{first: r.FirstTTL, max: r.MaxTTL, gap: r.GapLimit, window: 1}
	if err := t.normalize("multipath", r.Timeout); err != nil {
		return r, err
	}
	switch {
	case r.Attempts < 0:
		return r, badRequest("multipath: attempts %d", r.Attempts)
	case r.Attempts == 0:
		r.Attempts = 1
	}
	r.FirstTTL, r.MaxTTL, r.GapLimit = t.first, t.max, t.gap
	return r, nil
}

// Interface is one address seen at one TTL of a multipath traceroute.
type Interface struct {
	TTL  int        `json:"ttl"`
	Addr netip.Addr `json:"addr"`
}

// MPLink is an edge of the multipath graph: a flow saw From at TTL and To at
// TTL+1.
type MPLink struct {
	TTL  int        `json:"ttl"`
	From netip.Addr `json:"from"`
	To   netip.Addr `json:"to"`
}

// Multipath is the result of a MultipathRequest: the load-balanced path
// graph and what it cost. For a two-host multipath trace, Src is the
// responder and Dst the client: the direction the probes went.
type Multipath struct {
	Src        netip.Addr  `json:"src"`
	Dst        netip.Addr  `json:"dst"`
	Proto      Proto       `json:"proto"`
	Interfaces []Interface `json:"interfaces"` // sorted by TTL, then address
	Links      []MPLink    `json:"links"`      // sorted by TTL, then From, then To
	Probes     int         `json:"probes"`     // probes (two-host requests) sent
	Stop       StopReason  `json:"stop_reason"`
}

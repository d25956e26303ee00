package sim

import "sync/atomic"

// Counts is how many probes the network has carried, per kind of
// measurement, how many ICMP errors routers' rate limits suppressed and how
// many replies arrived after their probe's timeout.
type Counts struct {
	Ping        uint64 // ICMP echo requests of Ping
	RR          uint64 // Record Route pings sent by their source
	SpoofedRR   uint64 // Record Route pings sent by a vantage point as a source
	Trace       uint64 // traceroute probes
	Multipath   uint64 // multipath traceroute probes
	TwoHost     uint64 // two-host requests, presence checks included
	RateLimited uint64 // ICMP errors a router's rate limit suppressed
	Late        uint64 // replies lost for arriving after their probe's timeout
}

// Total is the number of probes of every kind.
func (c Counts) Total() uint64 {
	return c.Ping + c.RR + c.SpoofedRR + c.Trace + c.Multipath + c.TwoHost
}

type counters struct {
	ping, rr, spoofedRR, trace, multipath, twoHost, rateLimited, late atomic.Uint64
}

// Counts returns the probes sent so far.
func (n *Network) Counts() Counts {
	c := &n.counts
	return Counts{
		Ping:        c.ping.Load(),
		RR:          c.rr.Load(),
		SpoofedRR:   c.spoofedRR.Load(),
		Trace:       c.trace.Load(),
		Multipath:   c.multipath.Load(),
		TwoHost:     c.twoHost.Load(),
		RateLimited: c.rateLimited.Load(),
		Late:        c.late.Load(),
	}
}

package meas

import (
	"net/netip"
	"time"
)

// PingRequest asks for Count ICMP echo requests (ICMPv6 over IPv6) from
// Src to Dst, one after the other.
type PingRequest struct {
	// Src is the sending host's address; zero means the prober's own
	// address of Dst's family (ErrNoSource for probers of many hosts).
	Src netip.Addr `json:"src"`
	Dst netip.Addr `json:"dst"`
	// Count is how many echo requests to send; 0 means 1.
	Count int `json:"count,omitempty"`
	// Timeout is how long each waits for its reply; 0 means the prober's
	// (DefaultTimeout unless configured).
	Timeout time.Duration `json:"timeout_ns,omitempty"`
}

// Normalize returns r with its defaults applied and its addresses
// unmapped, or an error wrapping ErrBadRequest.
func (r PingRequest) Normalize() (PingRequest, error) {
	var err error
	if r.Src, r.Dst, err = addrs("ping", r.Src, r.Dst); err != nil {
		return r, err
	}
	switch {
	case r.Count < 0:
		return r, badRequest("ping: count %d", r.Count)
	case r.Timeout < 0:
		return r, badRequest("ping: timeout %v", r.Timeout)
	case r.Count == 0:
		r.Count = 1
	}
	return r, nil
}

// Ping is the result of a PingRequest.
type Ping struct {
	Src  netip.Addr      `json:"src"`
	Dst  netip.Addr      `json:"dst"`
	Sent int             `json:"sent"`
	RTTs []time.Duration `json:"rtts_ns"` // one per reply received, in order
}

// Replied reports whether any echo reply came back.
func (p Ping) Replied() bool { return len(p.RTTs) > 0 }

// addrs checks a request's source and destination and returns them
// unmapped: the destination is required, a source must be of its family.
func addrs(op string, src, dst netip.Addr) (netip.Addr, netip.Addr, error) {
	src, dst = src.Unmap(), dst.Unmap()
	switch {
	case !dst.IsValid():
		return src, dst, badRequest("%s: missing destination", op)
	case src.IsValid() && src.Is4() != dst.Is4():
		return src, dst, badRequest("%s from %v to %v: address families differ", op, src, dst)
	}
	return src, dst, nil
}

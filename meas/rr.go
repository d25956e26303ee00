package meas

import (
	"context"
	"net/netip"
	"time"
)

// RRSlots is the number of addresses an IPv4 Record Route option can hold.
const RRSlots = 9

// RRRequest asks for an ICMP echo request carrying an empty 9-slot IPv4
// Record Route option from Src to Dst. When Sender is set and differs from
// Src, the probe is spoofed: the host owning Sender transmits it with Src
// as its source address, and the host owning Src captures the reply. A
// prober needs both hosts for that (ErrNotSupported otherwise); the two
// halves are RRSender and RRCapturer.
type RRRequest struct {
	// Src is the source address, the host that receives the reply; zero
	// means the prober's own IPv4 address (not for a spoofed request).
	Src netip.Addr `json:"src"`
	Dst netip.Addr `json:"dst"`
	// Sender is the host that transmits the probe; zero or Src: not
	// spoofed.
	Sender netip.Addr `json:"sender,omitempty"`
	// Timeout is how long the reply is waited for; 0 means the prober's
	// (DefaultTimeout unless configured).
	Timeout time.Duration `json:"timeout_ns,omitempty"`
}

// Spoofed reports whether the request is sent by another host than Src.
func (r RRRequest) Spoofed() bool { return r.Sender.IsValid() && r.Sender != r.Src }

// Normalize returns r with its addresses unmapped and a Sender equal to
// Src cleared, or an error wrapping ErrBadRequest.
func (r RRRequest) Normalize() (RRRequest, error) {
	var err error
	if r.Src, r.Dst, err = addrs("record route", r.Src, r.Dst); err != nil {
		return r, err
	}
	r.Sender = r.Sender.Unmap()
	switch {
	case !r.Dst.Is4():
		return r, badRequest("record route to %v: Record Route is IPv4 only", r.Dst)
	case r.Sender.IsValid() && !r.Sender.Is4():
		return r, badRequest("record route: sender %v is not IPv4", r.Sender)
	case r.Sender.IsValid() && !r.Src.IsValid():
		return r, badRequest("spoofed record route from %v: name the source it is spoofed as", r.Sender)
	case r.Timeout < 0:
		return r, badRequest("record route: timeout %v", r.Timeout)
	case r.Sender == r.Src:
		r.Sender = netip.Addr{}
	}
	return r, nil
}

// RRPing is the result of an RRRequest.
type RRPing struct {
	Src     netip.Addr `json:"src"`
	Dst     netip.Addr `json:"dst"`
	Sender  netip.Addr `json:"sender"` // the host that transmitted the probe (Src unless spoofed)
	Replied bool       `json:"replied"`
	// RTT runs from the probe's transmission to the reply's capture; for
	// a spoofed probe the two happen on different hosts, and for a
	// capture alone (RRCapture) it runs from the expectation.
	RTT time.Duration `json:"rtt_ns"`
	// Recorded is every address in the reply's Record Route option, in order.
	Recorded []netip.Addr `json:"recorded"`
	// Forward holds the slots stamped before the destination's own stamp;
	// Reverse holds those after the destination's last stamp. When the
	// destination is not among the slots (they filled up on the way out),
	// Forward is all of Recorded and Reverse is empty.
	Forward []netip.Addr `json:"forward"`
	Reverse []netip.Addr `json:"reverse"`
}

// SplitRecorded splits recorded Record Route slots at the destination's own
// stamps: forward hops are those before its first occurrence, reverse hops
// those after its last. ok is false when dst does not occur.
func SplitRecorded(recorded []netip.Addr, dst netip.Addr) (forward, reverse []netip.Addr, ok bool) {
	first, last := -1, -1
	for i, a := range recorded {
		if a == dst {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return recorded, nil, false
	}
	return recorded[:first], recorded[last+1:], true
}

// RRProbe identifies one spoofed Record Route echo request: the addresses
// it carries and the echo identifier and sequence number the capturer at
// Src registered, so that it recognises the reply. The capturer hands it
// out (RRCapture.Probe); the sender puts exactly this on the wire
// (RRSender.SendRR).
type RRProbe struct {
	Src netip.Addr `json:"src"`
	Dst netip.Addr `json:"dst"`
	ID  uint16     `json:"id"`
	Seq uint16     `json:"seq"`
}

// RRExpectRequest asks the host owning Src to expect the reply to a
// spoofed Record Route echo from Src to Dst that another host will send.
type RRExpectRequest struct {
	Src netip.Addr `json:"src"`
	Dst netip.Addr `json:"dst"`
	// Timeout is how long the reply is waited for, from the expectation;
	// 0 means the prober's (DefaultTimeout unless configured).
	Timeout time.Duration `json:"timeout_ns,omitempty"`
}

// Normalize returns r with its addresses unmapped, or an error wrapping
// ErrBadRequest: both are needed and IPv4.
func (r RRExpectRequest) Normalize() (RRExpectRequest, error) {
	q, err := RRRequest{Src: r.Src, Dst: r.Dst, Timeout: r.Timeout}.Normalize()
	if err == nil && !q.Src.IsValid() {
		err = badRequest("expect record route to %v: missing source", r.Dst)
	}
	return RRExpectRequest{Src: q.Src, Dst: q.Dst, Timeout: q.Timeout}, err
}

// RRCapture is a spoofed Record Route reply a source waits for.
type RRCapture interface {
	// Probe is what the sender must send.
	Probe() RRProbe
	// Wait returns the reply captured (Replied false after the
	// timeout), or ctx's error.
	Wait(ctx context.Context) (RRPing, error)
}

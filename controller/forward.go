package controller

import (
	"context"
	"encoding/json"
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/eval"
)

// Forwarder is a backend that also measures forward traceroutes, for the
// requests that ask for one (the reference's is_run_forward_traceroute):
// the path from the source to the destination, shown beside the reverse
// path so that asymmetry can be seen.
type Forwarder interface {
	// Forward measures a Paris traceroute (ICMP) from src to dst.
	Forward(ctx context.Context, src, dst netip.Addr) (meas.Trace, error)
	// ASMap is the IP-to-AS map the backend's results are annotated
	// with.
	ASMap() revtr.ASMap
}

// ForwardTrace is a forward traceroute as the API serves it.
type ForwardTrace struct {
	Src    string       `json:"src"`
	Dst    string       `json:"dst"`
	Stop   string       `json:"stopReason" enum:"COMPLETED,GAPLIMIT,MAXTTL,UNREACH,LOOP" doc:"Why the traceroute ended, as scamper names it."`
	Probes int          `json:"probes"`
	Hops   []ForwardHop `json:"hops" doc:"One per TTL from 1; a silent TTL has no address."`
}

// ForwardHop is one TTL of a forward traceroute.
type ForwardHop struct {
	TTL   int    `json:"ttl"`
	Addr  string `json:"addr,omitempty" doc:"The address that answered; absent when the TTL was silent."`
	RTT   int64  `json:"rtt,omitempty" doc:"Microseconds."`
	Reply string `json:"reply,omitempty" doc:"The kind of reply (time exceeded, echo reply, ...)."`
	CIDR  string `json:"cidr,omitempty"`
	ASN   uint32 `json:"asn,omitempty"`
}

// Forward measures on the world, on its own timeline on the simulator.
func (b *worldBackend) Forward(ctx context.Context, src, dst netip.Addr) (meas.Trace, error) {
	if b.sim {
		ctx = eval.Timeline(ctx, time.Since(b.start))
	}
	return b.w.Prober.Traceroute(ctx, meas.TraceRequest{Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.ICMP}})
}

// ASMap is the world's IP-to-AS map.
func (b *worldBackend) ASMap() revtr.ASMap { return b.w.ASMap }

// forward measures the forward traceroute from src to dst if opts ask
// for one, and returns it as JSON: nil if it asked for none, the backend cannot
// measure one or the measurement failed (logged): the reverse path stands
// without it.
func (c *Controller) forward(ctx context.Context, src, dst netip.Addr, opts RevtrRequest) []byte {
	f, ok := c.backend.(Forwarder)
	if !ok || !opts.IsRunForwardTraceroute {
		return nil
	}
	tr, err := f.Forward(ctx, src, dst)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("forward traceroute failed", "src", src, "dst", dst, "err", err)
		}
		return nil
	}
	m := c.asmap
	if m == nil {
		m = f.ASMap()
	}
	b, err := json.Marshal(forwardTrace(tr, m))
	if err != nil { // cannot happen: plain fields
		c.log.Error("forward traceroute unwritable", "err", err)
		return nil
	}
	return b
}

// forwardTrace is tr as the API serves it, its hops annotated with m.
func forwardTrace(tr meas.Trace, m revtr.ASMap) ForwardTrace {
	out := ForwardTrace{Src: tr.Src.String(), Dst: tr.Dst.String(), Stop: tr.Stop.String(), Probes: tr.Probes,
		Hops: make([]ForwardHop, len(tr.Hops))}
	for i, h := range tr.Hops {
		fh := ForwardHop{TTL: h.TTL}
		if h.Addr.IsValid() {
			fh.Addr, fh.RTT, fh.Reply = h.Addr.String(), h.RTT.Microseconds(), h.Reply.String()
			if p, asn, ok := m.Lookup(h.Addr); ok {
				fh.CIDR, fh.ASN = p.String(), asn
			}
		}
		out.Hops[i] = fh
	}
	return out
}

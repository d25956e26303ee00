package topo

import (
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/meas"
)

// TraceHop is what a traceroute of a flow should show at one TTL: the
// address the hop answers from, and whether it may stay silent instead (a
// router that never sends time exceeded or rate-limits its errors; a
// destination that ignores pings, for ICMP probes).
type TraceHop struct {
	Addr        netip.Addr
	MayBeSilent bool
}

// TraceTruth returns the ground truth of a traceroute of flow f from src to
// dst (both addresses of hosts or routers of t, of one family): one
// TraceHop per TTL, the destination last. It is what every prober's
// traceroute must show (sim/, probe/ in the lab): the packets of f take
// FlowPath, routers answer from their inbound interface (TraceAddrs).
func (t *Topology) TraceTruth(src, dst netip.Addr, f meas.Flow) ([]TraceHop, error) {
	p, err := t.FlowPath(FlowKey{Src: src, Dst: dst, Flow: f})
	if err != nil {
		return nil, err
	}
	addrs := t.TraceAddrs(p, dst.Is6())
	hops := make([]TraceHop, len(addrs))
	for i, a := range addrs {
		n := &t.Nodes[p[i+1].Node]
		silent := n.Behaviour.NoTimeExceeded || n.Behaviour.ICMPRateLimitMS > 0
		if i == len(addrs)-1 {
			silent = n.Kind == Host && n.Role.NoEcho && f.Proto == meas.ICMP
		}
		hops[i] = TraceHop{Addr: a, MayBeSilent: silent}
	}
	return hops, nil
}

// CheckTrace compares a measured traceroute with the ground truth of its
// flow (TraceTruth): every answering TTL must show the true address,
// every silent one be allowed to stay silent, and the trace must reach
// the destination's TTL; beyond it, only silence (a destination that
// ignores pings). It returns nil when the trace agrees, otherwise an error
// saying where it does not.
func (t *Topology) CheckTrace(tr meas.Trace) error {
	want, err := t.TraceTruth(tr.Src, tr.Dst, tr.Flow)
	if err != nil {
		return err
	}
	last := 0
	for _, h := range tr.Hops {
		i := h.TTL - 1
		last = max(last, h.TTL)
		switch {
		case i < 0:
			return fmt.Errorf("TTL %d", h.TTL)
		case i >= len(want):
			if h.Addr.IsValid() {
				return fmt.Errorf("TTL %d: %v answered beyond the destination (%d hops)", h.TTL, h.Addr, len(want))
			}
		case h.Addr.IsValid() && h.Addr != want[i].Addr:
			return fmt.Errorf("TTL %d: %v answered, the truth is %v", h.TTL, h.Addr, want[i].Addr)
		case !h.Addr.IsValid() && !want[i].MayBeSilent:
			return fmt.Errorf("TTL %d: silent, the truth is %v, which answers", h.TTL, want[i].Addr)
		}
	}
	if last < len(want) {
		return fmt.Errorf("ended (%v) at TTL %d, the destination is %d hops away", tr.Stop, last, len(want))
	}
	return nil
}

// RecordRouteTruth returns what the source src reads in the reply to a
// Record Route echo from src to dst transmitted by the host owning sender
// (src itself, or a vantage point spoofing src): the stamping routers out
// (RRAddrs of the sender's path), the destination twice (on receipt, and
// as the reply's source), the stamping routers back, src on receipt, cut
// at the option's 9 slots. The sender does not stamp itself (its prober
// writes the header). Whether a reply comes at all (options dropped,
// echoes ignored) is the caller's business.
func (t *Topology) RecordRouteTruth(sender, src, dst netip.Addr) ([]netip.Addr, error) {
	from, ok := t.Owner(sender)
	if !ok {
		return nil, fmt.Errorf("record route from %s: no node owns the address: %w", sender, ErrUnknownNode)
	}
	k := FlowKey{Src: src, Dst: dst}
	fwd, err := t.Path(from.Node, k)
	if err != nil {
		return nil, err
	}
	rev, err := t.ReversePath(k)
	if err != nil {
		return nil, err
	}
	all := append(t.RRAddrs(fwd), dst, dst)
	all = append(append(all, t.RRAddrs(rev)...), src)
	return all[:min(len(all), meas.RRSlots)], nil
}

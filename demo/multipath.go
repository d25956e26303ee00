package demo

import (
	"context"
	"fmt"
	"net/netip"
	"slices"

	"github.com/revtr/revtr/meas"
)

// multipath runs a multipath traceroute toward the first destination whose
// true paths differ between flows, and checks that it found every branch.
func (s *scenario) multipath(ctx context.Context, src netip.Addr, dsts []netip.Addr) error {
	for _, dst := range dsts {
		want, err := s.trueInterfaces(src, dst)
		if err != nil {
			return err
		}
		if want == nil {
			continue
		}
		m, err := s.cfg.Prober.Multipath(ctx, meas.MultipathRequest{Src: src, Dst: dst, Proto: meas.UDP})
		if err != nil {
			return err
		}
		found := 0
		for _, ifc := range m.Interfaces {
			if want[ifc] {
				found++
			}
		}
		s.rep.MultipathBranches, s.rep.MultipathProbes = len(m.Interfaces), m.Probes
		fmt.Fprintf(s.w, "\n== multipath %s (%s) -> %s (%s): %d interfaces in %d probes, %d of the %d seen over 64 flows in the ground truth\n",
			src, s.name(src), dst, s.name(dst), len(m.Interfaces), m.Probes, found, len(want))
		return nil
	}
	fmt.Fprintln(s.w, "\n== multipath: no destination behind a load balancer")
	return nil
}

// trueInterfaces returns the interfaces (TTL, address) that 64 UDP flows
// from src to dst traverse in the ground truth, or nil when they all take
// one path.
func (s *scenario) trueInterfaces(src, dst netip.Addr) (map[meas.Interface]bool, error) {
	set := make(map[meas.Interface]bool)
	var first []netip.Addr
	diverse := false
	for id := uint16(0); id < 64; id++ {
		as, err := s.truth.traceAddrs(src, dst, meas.Flow{Proto: meas.UDP, ID: meas.MultipathFlowBase + id})
		if err != nil {
			return nil, err
		}
		for i, a := range as {
			set[meas.Interface{TTL: i + 1, Addr: a}] = true
		}
		if first == nil {
			first = as
		} else if !slices.Equal(first, as) {
			diverse = true
		}
	}
	if !diverse {
		return nil, nil
	}
	return set, nil
}

func (s *scenario) summary() {
	r := s.rep
	fmt.Fprintf(s.w, "\n== summary\n")
	fmt.Fprintf(s.w, "Paris traceroutes equal to the ground truth: %d of %d\n", r.TracesRight, r.Traces)
	fmt.Fprintf(s.w, "RR pings from the source with reverse hops: %d of %d\n", r.RRWithReverse, r.RR)
	fmt.Fprintf(s.w, "spoofed RR pings with reverse hops: %d of %d sent\n", r.SpoofedRev, r.Spoofed)
	fmt.Fprintf(s.w, "reverse hops equal to the ground truth: %d of %d answers\n", r.RRRight, r.RRChecked)
	if r.TwoHost > 0 {
		fmt.Fprintf(s.w, "two-host reverse paths equal to the ground truth: %d of %d\n", r.TwoHostRight, r.TwoHost)
	}
	if r.Revtrs > 0 {
		fmt.Fprintf(s.w, "reverse traceroutes reaching the source: %d of %d; no wrong hop: %d; exactly the true path: %d\n",
			r.RevtrsReached, r.Revtrs, r.RevtrsConsistent, r.RevtrsExact)
	}
}

// Package demo runs the project's demonstration scenario on an emulated
// Internet — the network-namespace lab or the in-memory simulator — and
// checks every answer against the topology's ground truth: Paris
// traceroutes, Record Route pings from the source, spoofed Record Route
// pings from vantage points when the destination is out of the source's RR
// range, a multipath traceroute across a load-balanced diamond, reverse
// paths traced by the destinations' two-host responders, and reverse
// traceroutes by the engine (revtr/) with every hop's technique.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// Prober is what the scenario measures with: probe.Group in the lab,
// sim.Network in memory.
type Prober interface {
	meas.Prober
	meas.MultipathTracer
}

// Config says what to run.
type Config struct {
	Topology     *topo.Topology
	Prober       Prober
	Out          io.Writer
	Destinations int // how many destinations to measure; 0 means 6
	MaxSpoofers  int // vantage points tried per destination; 0 means 10
	// Revtrs is how many reverse traceroutes the engine measures; 0 means
	// 6, negative none.
	Revtrs int
	// Simulated says Prober is the simulator: the engine's part then runs
	// on a simulator of its own, on virtual time.
	Simulated bool
	// TwoHost, if set, asks the destinations' two-host responders for the
	// path back (eval.LabTwoHost in the lab, the sim.Network in memory).
	TwoHost meas.TwoHostTracer
}

// Report counts how many answers agreed with the ground truth.
type Report struct {
	Traces, TracesRight int // Paris traceroutes, and those equal to the truth
	RR, RRWithReverse   int // RR pings from the source, and those showing reverse hops
	Spoofed, SpoofedRev int // spoofed RR pings sent, and those showing reverse hops
	RRRight, RRChecked  int // RR answers with reverse hops checked, and right
	MultipathBranches   int // interfaces the multipath traceroute found
	MultipathProbes     int
	Revtrs              int // reverse traceroutes the engine ran
	RevtrsReached       int // of which reached the source
	RevtrsConsistent    int // of which had no wrong hop, in the true order
	RevtrsExact         int // of which were exactly the true path
	TwoHost             int // reverse paths traced by responders
	TwoHostRight        int // of which equal to the ground truth
}

// ErrNoHosts means the topology lacks a source or destinations.
var ErrNoHosts = errors.New("topology has no source or no destinations")

// Run runs the scenario and writes what it sees to cfg.Out.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if cfg.Destinations == 0 {
		cfg.Destinations = 6
	}
	if cfg.MaxSpoofers == 0 {
		cfg.MaxSpoofers = 10
	}
	if cfg.Revtrs == 0 {
		cfg.Revtrs = 6
	}
	s := scenario{cfg: cfg, t: cfg.Topology, truth: truth{cfg.Topology}, w: cfg.Out}
	return s.run(ctx)
}

type scenario struct {
	cfg   Config
	t     *topo.Topology
	truth truth
	w     io.Writer
	rep   Report
}

func (s *scenario) run(ctx context.Context) (Report, error) {
	src, dsts, vps := s.hosts()
	if !src.IsValid() || len(dsts) == 0 {
		return s.rep, ErrNoHosts
	}
	if len(dsts) > s.cfg.Destinations {
		dsts = dsts[:s.cfg.Destinations]
	}
	for _, dst := range dsts {
		if err := s.destination(ctx, src, dst, vps); err != nil {
			return s.rep, err
		}
	}
	if err := s.multipath(ctx, src, dsts); err != nil {
		return s.rep, err
	}
	if err := s.twoHost(ctx, src); err != nil {
		return s.rep, err
	}
	if err := s.reverseTraceroutes(ctx); err != nil {
		return s.rep, err
	}
	s.summary()
	return s.rep, nil
}

// hosts returns the first source, the destinations that answer ping, and
// the vantage points.
func (s *scenario) hosts() (src netip.Addr, dsts, vps []netip.Addr) {
	for _, id := range s.t.Hosts() {
		r, a := s.t.Nodes[id].Role, s.t.HostAddr(id, false)
		switch {
		case r.Source && !src.IsValid():
			src = a
		case r.Destination && !r.NoEcho:
			dsts = append(dsts, a)
		case r.VantagePoint:
			vps = append(vps, a)
		}
	}
	return src, dsts, vps
}

func (s *scenario) name(a netip.Addr) string {
	if ep, ok := s.t.Owner(a); ok {
		return s.t.Nodes[ep.Node].Name
	}
	return "?"
}

// destination traceroutes to dst, RR-pings it from src and, when that shows
// no reverse hop, from vantage points spoofing as src.
func (s *scenario) destination(ctx context.Context, src, dst netip.Addr, vps []netip.Addr) error {
	fmt.Fprintf(s.w, "\n== %s (%s) -> %s (%s)\n", src, s.name(src), dst, s.name(dst))
	if err := s.trace(ctx, src, dst); err != nil {
		return err
	}
	r, err := s.cfg.Prober.RecordRoute(ctx, meas.RRRequest{Src: src, Dst: dst})
	if err != nil {
		return err
	}
	s.rep.RR++
	if ok, err := s.showRR("RR from source", r); err != nil || ok {
		return err
	}
	for i, vp := range vps {
		if i == s.cfg.MaxSpoofers {
			break
		}
		r, err := s.cfg.Prober.RecordRoute(ctx, meas.RRRequest{Src: src, Dst: dst, Sender: vp})
		if err != nil {
			return err
		}
		s.rep.Spoofed++
		if ok, err := s.showRR(fmt.Sprintf("spoofed RR from %s (%s)", vp, s.name(vp)), r); err != nil || ok {
			return err
		}
	}
	fmt.Fprintln(s.w, "   no vantage point within Record Route range")
	return nil
}

func (s *scenario) trace(ctx context.Context, src, dst netip.Addr) error {
	tr, err := s.cfg.Prober.Traceroute(ctx, meas.TraceRequest{Src: src, Dst: dst, Flow: meas.Flow{Proto: meas.UDP}})
	if err != nil {
		return err
	}
	right, err := s.truth.traceMatches(tr)
	if err != nil {
		return err
	}
	s.rep.Traces++
	if right {
		s.rep.TracesRight++
	}
	fmt.Fprintf(s.w, "   traceroute (%d hops, %d probes) %s: ", len(tr.Hops), tr.Probes, verdict(right))
	for _, h := range tr.Hops {
		if h.Addr.IsValid() {
			fmt.Fprintf(s.w, "%s ", s.name(h.Addr))
		} else {
			fmt.Fprint(s.w, "* ")
		}
	}
	fmt.Fprintln(s.w)
	return nil
}

// showRR prints an RR answer and reports whether it revealed reverse hops.
func (s *scenario) showRR(what string, r meas.RRPing) (bool, error) {
	if !r.Replied {
		fmt.Fprintf(s.w, "   %s: no reply\n", what)
		return false, nil
	}
	if len(r.Reverse) == 0 {
		fmt.Fprintf(s.w, "   %s: %d forward slots, no reverse hop (out of range)\n", what, len(r.Forward))
		return false, nil
	}
	right, err := s.truth.rrMatches(r)
	if err != nil {
		return false, err
	}
	if r.Sender.IsValid() && r.Sender != r.Src {
		s.rep.SpoofedRev++
	} else {
		s.rep.RRWithReverse++
	}
	s.rep.RRChecked++
	if right {
		s.rep.RRRight++
	}
	fmt.Fprintf(s.w, "   %s: %d reverse hops %s:", what, len(r.Reverse), verdict(right))
	for _, a := range r.Reverse {
		fmt.Fprintf(s.w, " %s(%s)", a, s.name(a))
	}
	fmt.Fprintln(s.w)
	return true, nil
}

func verdict(right bool) string {
	if right {
		return "= ground truth"
	}
	return "DIFFERS from ground truth"
}

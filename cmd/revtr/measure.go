package main

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/spf13/cobra"

	"github.com/revtr/revtr/meas"
)

// prober is what the ping and traceroute commands measure with.
type prober interface {
	meas.Prober
	meas.MultipathTracer
}

// session is an open prober, the addresses probes leave from, and how to
// turn a command-line target into an address.
type session struct {
	p       prober
	addrs   []netip.Addr // the sending host's own addresses
	resolve func(s string) (netip.Addr, error)
	close   func() error
}

// srcFor returns the sending host's address of dst's family.
func (s *session) srcFor(dst netip.Addr) (netip.Addr, error) {
	for _, a := range s.addrs {
		if a.Is4() == dst.Is4() {
			return a, nil
		}
	}
	fam := "IPv6"
	if dst.Is4() {
		fam = "IPv4"
	}
	return netip.Addr{}, fmt.Errorf("the sending host has no %s address to reach %s from", fam, dst)
}

// openRequest says where a command sends from: from names the sending node
// where the backend has nodes (lab, sim); spoofAs names the host whose
// address a spoofed probe carries, whose prober must receive the reply.
type openRequest struct {
	from, spoofAs string
}

// opener opens a session for a command.
type opener func(cmd *cobra.Command, req openRequest) (*session, error)

// withSession opens a session, runs fn on it and closes it.
func withSession(cmd *cobra.Command, open opener, req openRequest, fn func(*session) error) error {
	s, err := open(cmd, req)
	if err != nil {
		return err
	}
	defer s.close()
	return fn(s)
}

// parseAddr resolves a target given as an address literal.
func parseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("bad address %q: want an IPv4 or IPv6 literal", s)
	}
	return a.Unmap(), nil
}

type pingFlags struct {
	from, spoofAs string
	rr, json      bool
	count         int
	timeout       time.Duration
}

func newPingCmd(open opener) *cobra.Command {
	var f pingFlags
	cmd := &cobra.Command{
		Use:   "ping [-R] [--spoof-as ADDR] DST",
		Short: "Ping, optionally with IP Record Route, optionally spoofed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withSession(cmd, open, openRequest{from: f.from, spoofAs: f.spoofAs}, func(s *session) error {
				return runPing(cmd, s, f, args[0])
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.from, "from", "", "sending node (lab and sim)")
	fs.BoolVarP(&f.rr, "record-route", "R", false, "carry the IP Record Route option (9 slots) and split forward and reverse hops")
	fs.StringVar(&f.spoofAs, "spoof-as", "", "send as this source address (Record Route only); the reply is captured at that host")
	fs.IntVarP(&f.count, "count", "c", 3, "echo requests to send (without -R)")
	fs.DurationVarP(&f.timeout, "timeout", "W", 0, "per-probe timeout (0: the prober's default)")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	return cmd
}

func runPing(cmd *cobra.Command, s *session, f pingFlags, target string) error {
	dst, err := s.resolve(target)
	if err != nil {
		return err
	}
	src, err := s.srcFor(dst)
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if !f.rr {
		if f.spoofAs != "" {
			return fmt.Errorf("--spoof-as needs -R: only Record Route pings are spoofed")
		}
		if f.count < 1 {
			return fmt.Errorf("--count must be at least 1, not %d", f.count)
		}
		p, err := s.p.Ping(cmd.Context(), meas.PingRequest{Src: src, Dst: dst, Count: f.count, Timeout: f.timeout})
		if err != nil {
			return err
		}
		if f.json {
			return writeJSON(w, p)
		}
		printPing(w, p)
		return nil
	}
	if !dst.Is4() {
		return fmt.Errorf("-R needs an IPv4 destination: IPv6 has no Record Route option")
	}
	req := meas.RRRequest{Src: src, Dst: dst, Timeout: f.timeout}
	if f.spoofAs != "" {
		if req.Src, err = s.resolve(f.spoofAs); err != nil {
			return err
		}
		req.Sender = src
	}
	r, err := s.p.RecordRoute(cmd.Context(), req)
	if err != nil {
		return err
	}
	if f.json {
		return writeJSON(w, r)
	}
	printRR(w, r)
	return nil
}

type traceFlags struct {
	from, proto     string
	flow            uint16
	multipath, json bool
	maxTTL, gap     int
	epsilon         float64
	timeout         time.Duration
}

func newTracerouteCmd(open opener) *cobra.Command {
	var f traceFlags
	cmd := &cobra.Command{
		Use:   "traceroute [-P icmp|udp|tcp] [--flow N] [--multipath] DST",
		Short: "Paris traceroute (one flow) or multipath traceroute (MDA)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withSession(cmd, open, openRequest{from: f.from}, func(s *session) error {
				return runTraceroute(cmd, s, f, args[0])
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.from, "from", "", "sending node (lab and sim)")
	fs.StringVarP(&f.proto, "proto", "P", "udp", "probe protocol: icmp, udp or tcp")
	fs.Uint16Var(&f.flow, "flow", 0, "flow: destination port of the probes (ICMP: checksum); 0 = protocol default (UDP 53, TCP 80, ICMP 0xbeaf)")
	fs.BoolVar(&f.multipath, "multipath", false, "enumerate every load-balanced path (MDA, Diamond-Miner stopping rule)")
	fs.Float64Var(&f.epsilon, "epsilon", 0.05, "multipath: failure probability per hop")
	fs.IntVarP(&f.maxTTL, "max-ttl", "m", 30, "largest TTL")
	fs.IntVar(&f.gap, "gap", 5, "stop after this many consecutive silent hops")
	fs.DurationVarP(&f.timeout, "timeout", "w", 0, "per-probe timeout (0: the prober's default)")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	return cmd
}

func runTraceroute(cmd *cobra.Command, s *session, f traceFlags, target string) error {
	dst, err := s.resolve(target)
	if err != nil {
		return err
	}
	src, err := s.srcFor(dst)
	if err != nil {
		return err
	}
	proto, err := meas.ParseProto(f.proto)
	if err != nil {
		return err
	}
	if f.maxTTL < 1 || f.maxTTL > 255 {
		return fmt.Errorf("--max-ttl must be 1..255, not %d", f.maxTTL)
	}
	if f.gap < 1 {
		return fmt.Errorf("--gap must be at least 1, not %d", f.gap)
	}
	w := cmd.OutOrStdout()
	if f.multipath {
		if f.epsilon <= 0 || f.epsilon >= 1 {
			return fmt.Errorf("--epsilon must be in (0, 1), not %g", f.epsilon)
		}
		m, err := s.p.Multipath(cmd.Context(), meas.MultipathRequest{
			Src: src, Dst: dst, Proto: proto, Epsilon: f.epsilon,
			MaxTTL: f.maxTTL, GapLimit: f.gap, Timeout: f.timeout})
		if err != nil {
			return err
		}
		if f.json {
			return writeJSON(w, m)
		}
		printMultipath(w, m)
		return nil
	}
	t, err := s.p.Traceroute(cmd.Context(), meas.TraceRequest{
		Src: src, Dst: dst, Flow: meas.Flow{Proto: proto, ID: f.flow},
		MaxTTL: f.maxTTL, GapLimit: f.gap, Timeout: f.timeout})
	if err != nil {
		return err
	}
	if f.json {
		return writeJSON(w, t)
	}
	printTrace(w, t)
	return nil
}

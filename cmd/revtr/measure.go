package main

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/spf13/cobra"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/twohost"
)

// prober is what the ping and traceroute commands measure with.
type prober interface {
	meas.Prober
	meas.MultipathTracer
}

// twoHostProber traces back from two-host responders: the client of the
// sending host (twohost.Client), or the simulator.
type twoHostProber interface {
	meas.TwoHostTracer
	meas.TwoHostMultipathTracer
}

// session is an open prober, the addresses probes leave from, how to turn
// a command-line target into an address, and how to open the sending
// host's two-host client when a command needs one.
type session struct {
	p       prober
	addrs   []netip.Addr // the sending host's own addresses
	resolve func(s string, v6 bool) (netip.Addr, error)
	// dns says that names may be looked up in this host's DNS: false in a
	// lab or the simulator, whose addresses exist there only.
	dns bool
	// openTwoHost opens the two-host client of the sending host; the
	// closer it returns runs when the session closes.
	openTwoHost func() (twoHostProber, func() error, error)
	closers     []func() error
}

// twoHost opens the sending host's two-host client.
func (s *session) twoHost() (twoHostProber, error) {
	if s.openTwoHost == nil {
		return nil, errors.New("no two-host client here")
	}
	th, closer, err := s.openTwoHost()
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, closer)
	return th, nil
}

// close closes what the session opened, last first.
func (s *session) close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	return errors.Join(errs...)
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
// address a spoofed probe carries, whose prober must receive the reply;
// names allows targets given as host names (resolved through DNS on this
// host, never in a lab); client configures the two-host client.
type openRequest struct {
	from, spoofAs string
	names         bool
	rate          float64 // packets (requests) per second of real probers; 0: their defaults
	client        twohost.ClientConfig
}

// opener opens a session for a command.
type opener func(cmd *cobra.Command, req openRequest) (*session, error)

// withSession opens a session, runs fn on it and closes it.
func withSession(cmd *cobra.Command, open opener, req openRequest, fn func(*session) error) (err error) {
	s, err := open(cmd, req)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, s.close()) }()
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
	fs.DurationVarP(&f.timeout, "timeout", "W", meas.DefaultTimeout, "how long each echo request waits for its reply")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	return cmd
}

func runPing(cmd *cobra.Command, s *session, f pingFlags, target string) error {
	dst, err := s.resolve(target, false)
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
		if req.Src, err = s.resolve(f.spoofAs, false); err != nil {
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

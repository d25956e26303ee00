package main

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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
	resolve func(s string, fam family) (netip.Addr, error)
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
	rate          float64       // packets (requests) per second of real probers; 0: their defaults
	lateWait      time.Duration // probe.Config.LateWait of the sending host's prober
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

// family is the address family a command is limited to: -4, -6 or
// neither (any: a name resolves to IPv4 first, as traceroute(8) does).
type family uint8

const (
	anyFamily family = iota
	ipv4
	ipv6
)

// familyFlags are -4 and -6, as traceroute(8) and iputils ping read them.
type familyFlags struct{ v4, v6 bool }

func (f *familyFlags) add(fs *pflag.FlagSet, v6Help string) {
	fs.BoolVarP(&f.v4, "ipv4", "4", false, "use IPv4 only")
	fs.BoolVarP(&f.v6, "ipv6", "6", false, v6Help)
}

// family returns the family the flags ask for.
func (f familyFlags) family() (family, error) {
	switch {
	case f.v4 && f.v6:
		return anyFamily, errors.New("-4 and -6 exclude each other")
	case f.v4:
		return ipv4, nil
	case f.v6:
		return ipv6, nil
	}
	return anyFamily, nil
}

// parseAddr parses a target given as an address literal: refused when of
// the other family than fam asks for, as traceroute(8) refuses
// 'traceroute -6 192.0.2.1'.
func parseAddr(s string, fam family) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("bad address %q: want an IPv4 or IPv6 literal", s)
	}
	a = a.Unmap()
	switch {
	case fam == ipv6 && a.Is4():
		return a, fmt.Errorf("-6 asks for IPv6, but %s is an IPv4 address", a)
	case fam == ipv4 && a.Is6():
		return a, fmt.Errorf("-4 asks for IPv4, but %s is an IPv6 address", a)
	}
	return a, nil
}

type pingFlags struct {
	from, spoofAs string
	rr, json      bool
	count         int
	timeout       time.Duration
	fam           familyFlags
}

func newPingCmd(open opener) *cobra.Command {
	var f pingFlags
	cmd := &cobra.Command{
		Use:   "ping [-R] [--spoof-as ADDR] [-c N] [-4|-6] DST",
		Short: "Ping, optionally with IP Record Route, optionally spoofed",
		Long: `ping sends ICMP echo requests to DST, a name or an address (a node name
in a lab or the simulator). As iputils ping, it exits 0 when a reply came,
1 when none did, 2 on any other error.`,
		Args: cobra.ExactArgs(1),
		// Exit status 2 on errors, as iputils ping: 1 means no reply.
		Annotations: map[string]string{errorExitKey: "2"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(cmd); err != nil {
				return err
			}
			return withSession(cmd, open, openRequest{from: f.from, spoofAs: f.spoofAs, names: true}, func(s *session) error {
				return runPing(cmd, s, f, args[0])
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.from, "from", "", "sending node (lab and sim)")
	fs.BoolVarP(&f.rr, "record-route", "R", false, "one echo request carrying the IP Record Route option (9 slots): forward and reverse hops")
	fs.StringVar(&f.spoofAs, "spoof-as", "", "send as this source address (Record Route only); the reply is captured at that host")
	fs.IntVarP(&f.count, "count", "c", 3, "echo requests to send, one after the other (not with -R)")
	fs.DurationVarP(&f.timeout, "timeout", "W", meas.DefaultTimeout, "how long each echo request waits for its reply")
	fs.BoolVar(&f.json, "json", false, "print JSON (docs/cli-json.md)")
	f.fam.add(fs, "use IPv6 only (node names stand for their IPv6 address)")
	return cmd
}

// check refuses flags that contradict each other, one line each.
func (f pingFlags) check(cmd *cobra.Command) error {
	fam, err := f.fam.family()
	switch {
	case err != nil:
		return err
	case f.spoofAs != "" && !f.rr:
		return errors.New("--spoof-as needs -R: only Record Route pings are spoofed")
	case f.rr && f.count != 1 && cmd.Flags().Changed("count"):
		return fmt.Errorf("-R sends one echo request: --count %d does not apply", f.count)
	case f.rr && fam == ipv6:
		return errors.New("-R needs IPv4: IPv6 has no Record Route option")
	case f.count < 1:
		return fmt.Errorf("--count must be at least 1, not %d", f.count)
	case f.timeout <= 0:
		return fmt.Errorf("--timeout must be positive, not %v", f.timeout)
	}
	return nil
}

// errNoReply is ping's exit status 1: nothing answered (reported already).
var errNoReply = exitError{code: 1}

func runPing(cmd *cobra.Command, s *session, f pingFlags, target string) error {
	fam, _ := f.fam.family()
	dst, err := s.resolve(target, fam)
	if err != nil {
		return err
	}
	if f.rr && !dst.Is4() {
		return errors.New("-R needs an IPv4 destination: IPv6 has no Record Route option")
	}
	src, err := s.srcFor(dst)
	if err != nil {
		return err
	}
	if f.rr {
		return runRRPing(cmd, s, f, src, dst)
	}
	p, err := s.p.Ping(cmd.Context(), meas.PingRequest{Src: src, Dst: dst, Count: f.count, Timeout: f.timeout})
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if f.json {
		err = writeJSON(w, pingJSON(p))
	} else {
		printPing(w, target, p)
	}
	if err == nil && !p.Replied() {
		return errNoReply
	}
	return err
}

func runRRPing(cmd *cobra.Command, s *session, f pingFlags, src, dst netip.Addr) error {
	req := meas.RRRequest{Src: src, Dst: dst, Timeout: f.timeout}
	if f.spoofAs != "" {
		var err error
		if req.Src, err = s.resolve(f.spoofAs, ipv4); err != nil {
			return fmt.Errorf("--spoof-as: %w", err)
		}
		req.Sender = src
	}
	r, err := s.p.RecordRoute(cmd.Context(), req)
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if f.json {
		err = writeJSON(w, rrPingJSON(r))
	} else {
		printRR(w, r)
	}
	if err == nil && !r.Replied {
		return errNoReply
	}
	return err
}

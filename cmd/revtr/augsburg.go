package main

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/revtr/revtr/meas"
)

// probingControls are the probing options of the two-host reference
// client (Augsburg Traceroute) that traceroute's own flags lack, with
// the reference's meaning.
type probingControls struct {
	inter        float64 // seconds between two packets; 0: --rate decides
	retry        int     // multipath: resends of an unanswered probe
	minBurst     int     // multipath burst bounds, checked as the reference checks them
	maxBurst     int
	singleVertex bool // --opt-single-vertex-hop (what our MDA always does)
}

// Reference client defaults that differ from traceroute's own.
const (
	refMaxTTL   = 15
	refTimeout  = 2.0 // seconds
	refInter    = 0.1 // seconds
	refAbort    = 3
	refQueries  = 3
	refRetry    = 3
	refMinBurst = 20
	refMaxBurst = 500
	refFormat   = "pdf"
	refOutput   = "trace"
)

// addProbingFlags adds the reference client's probing controls to
// traceroute's flags. --min-ttl, --abort and --confidence are other names
// of --first-ttl, --gap and --epsilon.
func (f *traceFlags) addProbingFlags(fs *pflag.FlagSet) {
	p := &f.probing
	fs.IntVar(&f.req.FirstTTL, "min-ttl", meas.DefaultFirstTTL, "first TTL (the reference client's name of --first-ttl)")
	fs.IntVar(&f.req.GapLimit, "abort", meas.DefaultGapLimit, "stop after this many silent TTLs in a row (a repeated vertex, a loop, stops the trace too); --gap")
	fs.Float64Var(&f.epsilon, "confidence", meas.DefaultEpsilon, "multipath: probability of missing a vertex of a hop; --epsilon")
	fs.Float64Var(&p.inter, "inter", 0, "seconds between any two packets (sets --rate to 1/INTER, one at a time)")
	fs.IntVar(&p.retry, "retry", 0, "multipath: resend an unanswered probe up to this many times")
	fs.IntVar(&p.minBurst, "min-burst", refMinBurst, "multipath: smallest burst (accepted for the reference client; our MDA sends each probe when the stopping rule asks for it)")
	fs.IntVar(&p.maxBurst, "max-burst", refMaxBurst, "multipath: largest burst (as --min-burst)")
	fs.BoolVar(&p.singleVertex, "opt-single-vertex-hop", false, "multipath: do not probe a previous hop that has a single vertex (our MDA never does)")
}

// apply checks the controls and applies --inter.
func (p *probingControls) apply(f *traceFlags) error {
	switch {
	case p.inter < 0:
		return fmt.Errorf("--inter must not be negative, not %g", p.inter)
	case p.retry < 0:
		return fmt.Errorf("--retry must not be negative, not %d", p.retry)
	case p.minBurst < 1 || p.minBurst >= p.maxBurst:
		return fmt.Errorf("--min-burst must be at least 1 and below --max-burst (%d), not %d", p.maxBurst, p.minBurst)
	}
	if p.inter > 0 {
		f.open.rate, f.open.client.Burst = 1/p.inter, 1
	}
	return nil
}

// attempts is the multipath request's Attempts.
func (p *probingControls) attempts() int { return p.retry + 1 }

// Reference-syntax positional arguments.
var (
	refDirections = []string{"two-way", "forward", "reverse"}
	refProtocols  = []string{"tcp", "udp", "icmp"}
	refEngines    = []string{"singlepath", "multipath"}
)

// refFlags are the reference client's flags that are not traceroute
// flags of the same name, held until the positional arguments are known.
type refFlags struct {
	timeout     float64
	probes      int
	v4, yes     bool
	logLevel    string
	engineFlags map[string]string // flag name -> the engine it belongs to
	changed     func(string) bool
}

// addReferenceFlags defines the reference client's command line, its
// defaults included, filling f as traceroute's own flags would.
func (f *traceFlags) addReferenceFlags(fs *pflag.FlagSet, rf *refFlags) {
	r, p := &f.req, &f.probing
	r.Window = meas.DefaultWindow
	fs.BoolVarP(&rf.v4, "ipv4", "4", false, "resolve TARGET to an IPv4 address (the default)")
	fs.BoolVarP(&f.v6, "ipv6", "6", false, "resolve TARGET to an IPv6 address")
	fs.Float64Var(&rf.timeout, "timeout", refTimeout, "seconds to wait for a probe's answer")
	fs.Float64Var(&p.inter, "inter", refInter, "seconds between any two packets")
	fs.IntVar(&r.GapLimit, "abort", refAbort, "stop after this many silent TTLs in a row (or a loop)")
	fs.IntVar(&r.FirstTTL, "min-ttl", meas.DefaultFirstTTL, "first TTL")
	fs.IntVar(&r.MaxTTL, "max-ttl", refMaxTTL, "last TTL")
	fs.BoolVarP(&rf.yes, "assume-yes", "y", false, "ask nothing (revtr never asks)")
	fs.BoolVarP(&f.numeric, "no-resolve", "n", false, "no reverse DNS of hops")
	fs.StringVarP(&rf.logLevel, "log-level", "l", "info", "debug, info or warning (revtr logs nothing while tracing)")
	fs.StringVarP(&f.graph.format, "format", "f", refFormat, fmt.Sprintf("graph file format: %v", graphFormats))
	fs.StringVarP(&f.graph.base, "output", "o", refOutput, "base name of the graph and JSON files")
	fs.BoolVarP(&f.graph.storeJSON, "store-json", "s", false, "also write the result as JSON into BASENAME.json")
	f.graph.addAliasFlags(fs)
	f.addForwardTo(fs)
	f.transmit.addFlags(fs)
	fs.Uint16Var(&f.id, "flow", 0, "singlepath: the flow (UDP/TCP destination port, ICMP checksum)")
	fs.IntVar(&rf.probes, "probes", refQueries, "singlepath: probes per hop")
	fs.IntVar(&p.retry, "retry", refRetry, "multipath: resends of an unanswered probe")
	fs.Float64Var(&f.epsilon, "confidence", meas.DefaultEpsilon, "multipath: probability of missing a vertex of a hop")
	fs.BoolVar(&p.singleVertex, "opt-single-vertex-hop", false, "multipath: do not probe a previous hop that has a single vertex (our MDA never does)")
	fs.IntVar(&p.minBurst, "min-burst", refMinBurst, "multipath: smallest burst")
	fs.IntVar(&p.maxBurst, "max-burst", refMaxBurst, "multipath: largest burst")
	rf.engineFlags = map[string]string{"flow": "singlepath", "probes": "singlepath", "retry": "multipath",
		"confidence": "multipath", "opt-single-vertex-hop": "multipath", "min-burst": "multipath", "max-burst": "multipath"}
	rf.changed = func(name string) bool { return fs.Changed(name) }
}

// fromReference sets f from the reference syntax's positional arguments
// {two-way,forward,reverse} {tcp,udp,icmp} {singlepath|multipath} TARGET
// and the flags held in rf; it returns TARGET.
func (f *traceFlags) fromReference(args []string, rf *refFlags) (string, error) {
	if len(args) != 4 {
		return "", fmt.Errorf("want {%v} {%v} {%v} TARGET, got %d arguments", join(refDirections), join(refProtocols), join(refEngines), len(args))
	}
	dir, proto, engine, target := args[0], args[1], args[2], args[3]
	for _, c := range []struct {
		what, v string
		of      []string
	}{{"direction", dir, refDirections}, {"protocol", proto, refProtocols}, {"mode", engine, refEngines}} {
		if !slices.Contains(c.of, c.v) {
			return "", fmt.Errorf("%s %q: want one of %v", c.what, c.v, c.of)
		}
	}
	for name, of := range rf.engineFlags {
		if rf.changed(name) && of != engine {
			return "", fmt.Errorf("--%s belongs to %s, not %s", name, of, engine)
		}
	}
	switch {
	case engine == "singlepath" && !rf.changed("flow"):
		return "", errors.New("singlepath needs --flow N")
	case rf.v4 && f.v6:
		return "", errors.New("-4 and -6 exclude each other")
	case rf.timeout <= 0:
		return "", fmt.Errorf("--timeout must be positive, not %g", rf.timeout)
	}
	f.reverse, f.twoWay, f.multipath, f.proto = dir == "reverse", dir == "two-way", engine == "multipath", proto
	f.v4 = !f.v6 // the reference resolves names to IPv4 unless -6
	f.req.Queries, f.req.Timeout = rf.probes, time.Duration(rf.timeout*float64(time.Second))
	return target, nil
}

func join(s []string) string { return strings.Join(s, ",") }

// newAugsburgCmd is the reference client's command line on revtr's
// measurements: `revtr augsburg ARGS`, or revtr run under the name
// augsburg-traceroute, accepts what `augsburg-traceroute ARGS` accepts.
func newAugsburgCmd() *cobra.Command {
	var f traceFlags
	var rf refFlags
	var labName string
	open := hostOpener(&labName)
	cmd := &cobra.Command{
		Use:     "augsburg [options] {two-way,forward,reverse} {tcp,udp,icmp} {singlepath --flow N [--probes N] | multipath [--confidence P] [--retry N] ...} TARGET",
		Aliases: []string{"augsburg-traceroute"},
		Short:   "traceroute with the command line of the two-host reference client (Augsburg Traceroute)",
		Long: `augsburg accepts the command line of the reference two-host client,
augsburg-traceroute, with its defaults (TTL 1..15, 2 s timeout, 0.1 s between
packets, abort after 3 silent hops, 3 probes per hop, trace.pdf), and runs
the same measurements as 'revtr traceroute': a user of the reference client
can switch by replacing the program name (revtr run as augsburg-traceroute
takes this command line directly). Unlike the reference, it also prints the
paths as a table and fails with a non-zero status.`,
		Args: cobra.ExactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			target, err := f.fromReference(args, &rf)
			if err != nil {
				return err
			}
			if err := f.complete(cmd.Flags()); err != nil {
				return err
			}
			f.open.from, f.open.names = f.from, true
			return withSession(cmd, open, f.open, func(s *session) error {
				return runTraceroute(cmd, s, f, target)
			})
		},
	}
	f.addReferenceFlags(cmd.Flags(), &rf)
	cmd.Flags().StringVar(&f.from, "from", "", "sending node (with --lab)")
	return labFlag(cmd, &labName)
}

// addForwardTo adds the reference client's --forward-to: an indirect
// trace from TARGET's responder toward another host (the newer
// revision; the responder must allow it).
func (f *traceFlags) addForwardTo(fs *pflag.FlagSet) {
	fs.StringVar(&f.forwardTo, "forward-to", "", "with --reverse: ask TARGET's responder to trace toward this address instead of back to you (indirect tracing, if the responder serves it)")
}

// checkForwardTo parses --forward-to into the client's configuration.
func (f *traceFlags) checkForwardTo() error {
	if f.forwardTo == "" {
		return nil
	}
	a, err := netip.ParseAddr(f.forwardTo)
	switch {
	case err != nil:
		return fmt.Errorf("--forward-to: %w", err)
	case !f.reverse:
		return errors.New("--forward-to traces from TARGET's responder to another host: it needs --reverse")
	case a.Is6() != f.v6:
		return fmt.Errorf("--forward-to %s: not of the family traced (-6 for IPv6)", a)
	}
	f.open.client.ForwardTo = a
	return nil
}

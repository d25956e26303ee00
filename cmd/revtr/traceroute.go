package main

import (
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/revtr/revtr/ipasn"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/twohost"
)

// flowFlags select a flow: the protocol and its identifier, as every
// command that names one (traceroute, truth) reads them.
type flowFlags struct {
	proto string
	id    uint16
	v6    bool
}

// flowHelp says what --flow puts on the wire.
const flowHelp = "flow: the probes' UDP/TCP destination port or ICMP checksum, in both directions; " +
	"0: the protocol's default (UDP 53, TCP 80, ICMP 0xbeaf). Forward probes leave from port 33456, " +
	"a two-host responder's from port 1021"

func (f *flowFlags) add(fs *pflag.FlagSet) {
	fs.StringVarP(&f.proto, "proto", "P", "udp", "probe protocol: udp, tcp or icmp")
	fs.Uint16Var(&f.id, "flow", 0, flowHelp)
	fs.BoolVarP(&f.v6, "ipv6", "6", false, "use IPv6 (node names stand for their IPv6 address)")
}

// flow returns the flow the flags name.
func (f flowFlags) flow() (meas.Flow, error) {
	p, err := meas.ParseProto(f.proto)
	if err != nil {
		return meas.Flow{}, err
	}
	fl := meas.Flow{Proto: p, ID: f.id}
	if _, err := fl.Normalize(); err != nil {
		return fl, fmt.Errorf("--flow %d: %v has no such flow (0xffff is no ICMP checksum)", f.id, p)
	}
	return fl, nil
}

// traceFlags are the flags of every traceroute command: 'revtr
// traceroute' on this host or in a lab, 'revtr sim traceroute'. They mean
// the same everywhere; real adds the flags of real probers (rate, the
// two-host client's requests).
type traceFlags struct {
	flowFlags
	from                       string
	req                        meas.TwoHostRequest // TTLs, queries, gap, window, timeout
	epsilon                    float64
	reverse, twoWay, multipath bool
	numeric, json, dot         bool
	pfx2as                     string
	open                       openRequest // rate, client
	text                       textOptions
}

func newTracerouteCmd(open opener, real bool) *cobra.Command {
	var f traceFlags
	cmd := &cobra.Command{
		Use:   "traceroute [--reverse | --two-way] [-P udp|tcp|icmp] [--flow N | --multipath] [-6] TARGET",
		Short: "Paris traceroute forward, or back from a host running the two-host responder",
		Long: `traceroute measures the forward path to TARGET (Paris traceroute: the
fields load balancers hash stay fixed for the flow). With --reverse it asks
TARGET's two-host responder to send the probes back toward you, hop by hop,
and shows the path from TARGET to you; --two-way shows both. --multipath
enumerates every load-balanced path with the MDA (Diamond-Miner stopping
rule). Without a responder on TARGET, --reverse says so and exits 1.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.complete(); err != nil {
				return err
			}
			f.open.from, f.open.names = f.from, true
			return withSession(cmd, open, f.open, func(s *session) error {
				return runTraceroute(cmd, s, f, args[0])
			})
		},
	}
	f.addFlags(cmd.Flags(), real)
	return cmd
}

func (f *traceFlags) addFlags(fs *pflag.FlagSet, real bool) {
	r := &f.req
	f.flowFlags.add(fs)
	fs.StringVar(&f.from, "from", "", "sending node (lab and sim)")
	fs.BoolVar(&f.reverse, "reverse", false, "trace from TARGET back to the sending host (TARGET runs the two-host responder)")
	fs.BoolVar(&f.twoWay, "two-way", false, "trace both directions")
	fs.BoolVar(&f.multipath, "multipath", false, "enumerate every load-balanced path (MDA, Diamond-Miner stopping rule)")
	fs.Float64Var(&f.epsilon, "epsilon", meas.DefaultEpsilon, "multipath: failure probability per hop")
	fs.IntVarP(&r.FirstTTL, "first-ttl", "f", meas.DefaultFirstTTL, "first TTL")
	fs.IntVarP(&r.MaxTTL, "max-ttl", "m", meas.DefaultMaxTTL, "largest TTL")
	fs.IntVarP(&r.Queries, "queries", "q", 3, "probes per TTL: forward, up to N, each after the previous one timed out, until one is answered; reverse, N requests, every answer shown")
	fs.IntVar(&r.GapLimit, "gap", meas.DefaultGapLimit, "stop after this many silent TTLs in a row")
	fs.IntVar(&r.Window, "window", meas.DefaultWindow, "TTLs in flight at once")
	fs.DurationVarP(&r.Timeout, "timeout", "w", meas.DefaultTimeout, "how long each probe (two-host request) waits for its answer")
	fs.BoolVarP(&f.numeric, "numeric", "n", false, "print addresses only, no reverse DNS (lab and sim never resolve)")
	fs.StringVar(&f.pfx2as, "pfx2as", "", "prefix-to-AS file (CAIDA format) to show each hop's AS")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	fs.BoolVar(&f.dot, "dot", false, "print the path graph in Graphviz DOT")
	if real {
		c := &f.open.client
		fs.Float64Var(&f.open.rate, "rate", twohost.DefaultClientRate, "probes and two-host requests per second, sustained (a trace's first window leaves at once)")
		fs.IntVar(&c.RequestLen, "request-len", 0, "pad two-host requests to this many ICMP bytes (responders with a minimum size)")
		fs.Uint8Var(&c.TOS, "tos", 0, "TOS / traffic class of two-host requests, copied onto the responder's probes")
	}
}

// complete checks the flags, one clear message per mistake.
func (f *traceFlags) complete() error {
	r := &f.req
	var err error
	switch {
	case f.reverse && f.twoWay:
		return errors.New("--reverse and --two-way exclude each other")
	case f.json && f.dot:
		return errors.New("--json and --dot exclude each other")
	case f.multipath && (f.epsilon <= 0 || f.epsilon >= 1):
		return fmt.Errorf("--epsilon must be in (0, 1), not %g", f.epsilon)
	case r.MaxTTL < 1 || r.MaxTTL > meas.MaxTTL:
		return fmt.Errorf("--max-ttl must be 1..255, not %d", r.MaxTTL)
	case r.FirstTTL < 1 || r.FirstTTL > r.MaxTTL:
		return fmt.Errorf("--first-ttl must be 1..--max-ttl (%d), not %d", r.MaxTTL, r.FirstTTL)
	case r.Queries < 1 || r.GapLimit < 1 || r.Window < 1:
		return errors.New("--queries, --gap and --window must be at least 1")
	case r.Timeout <= 0:
		return fmt.Errorf("--timeout must be positive, not %v", r.Timeout)
	case f.open.rate < 0:
		return fmt.Errorf("--rate must not be negative, not %g", f.open.rate)
	}
	if r.Flow, err = f.flow(); err != nil {
		return err
	}
	if f.pfx2as != "" {
		m, err := loadPfx2AS(f.pfx2as)
		if err != nil {
			return err
		}
		f.text.as = ipasnLookup{m}
	}
	return nil
}

// forwardRequest is the forward traceroute of the flags: the same flow,
// TTLs, gap limit, window and timeout as the reverse, the queries as
// attempts.
func forwardRequest(r meas.TwoHostRequest) meas.TraceRequest {
	return meas.TraceRequest{Src: r.Src, Dst: r.Dst, Flow: r.Flow, FirstTTL: r.FirstTTL, MaxTTL: r.MaxTTL,
		GapLimit: r.GapLimit, Attempts: r.Queries, Window: r.Window, Timeout: r.Timeout}
}

func loadPfx2AS(path string) (*ipasn.Map, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--pfx2as: %w", err)
	}
	defer fh.Close()
	m, err := ipasn.Load(fh)
	if err != nil {
		return nil, fmt.Errorf("--pfx2as %s: %w", path, err)
	}
	return m, nil
}

// runTraceroute measures what the flags ask for and writes it out.
func runTraceroute(cmd *cobra.Command, s *session, f traceFlags, target string) error {
	dst, err := s.resolve(target, f.v6)
	if err != nil {
		return err
	}
	if f.req.Src, err = s.srcFor(dst); err != nil {
		return err
	}
	f.req.Dst = dst
	if s.dns && !f.numeric {
		f.text.resolver = net.DefaultResolver
	}
	if f.multipath {
		return runMultipath(cmd, s, f)
	}
	var paths []path
	if f.reverse || f.twoWay { // first: a missing responder is reported before any forward probe
		th, err := s.twoHost()
		if err != nil {
			return err
		}
		r, err := th.TwoHostTrace(cmd.Context(), f.req)
		if err != nil {
			return err
		}
		paths = append(paths, reversePath(r))
	}
	if !f.reverse {
		t, err := s.p.Traceroute(cmd.Context(), forwardRequest(f.req))
		if err != nil {
			return err
		}
		paths = append([]path{forwardPath(t)}, paths...)
	}
	return writePaths(cmd, f, paths)
}

// writePaths writes single-path results in the format asked for: JSON is
// an object keyed by direction holding the meas values (meas.Trace
// forward, meas.TwoHostTrace reverse).
func writePaths(cmd *cobra.Command, f traceFlags, paths []path) error {
	w := cmd.OutOrStdout()
	switch {
	case f.dot:
		return writeDOT(w, paths...)
	case f.json:
		out := map[string]any{}
		for _, p := range paths {
			if p.dir == reverse {
				out[p.dir.String()] = meas.TwoHostTrace{Trace: p.Trace, Queries: p.queries}
			} else {
				out[p.dir.String()] = p.Trace
			}
		}
		return writeJSON(w, out)
	}
	return writeText(cmd.Context(), w, f.text, paths...)
}

// runMultipath enumerates the load-balanced paths in the directions the
// flags ask for.
func runMultipath(cmd *cobra.Command, s *session, f traceFlags) error {
	r := f.req
	req := meas.MultipathRequest{Src: r.Src, Dst: r.Dst, Proto: r.Flow.Proto, Epsilon: f.epsilon,
		FirstTTL: r.FirstTTL, MaxTTL: r.MaxTTL, GapLimit: r.GapLimit, Timeout: r.Timeout}
	var dirs []direction
	var ms []meas.Multipath
	if f.reverse || f.twoWay {
		th, err := s.twoHost()
		if err != nil {
			return err
		}
		m, err := th.TwoHostMultipath(cmd.Context(), req)
		if err != nil {
			return err
		}
		dirs, ms = append(dirs, reverse), append(ms, m)
	}
	if !f.reverse {
		m, err := s.p.Multipath(cmd.Context(), req)
		if err != nil {
			return err
		}
		dirs, ms = append([]direction{forward}, dirs...), append([]meas.Multipath{m}, ms...)
	}
	w := cmd.OutOrStdout()
	switch {
	case f.dot:
		return writeMultipathDOT(w, dirs, ms...)
	case f.json:
		out := map[string]meas.Multipath{}
		for i, d := range dirs {
			out[d.String()] = ms[i]
		}
		return writeJSON(w, out)
	}
	return writeMultipathText(cmd.Context(), w, f.text, dirs, ms...)
}

package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"

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
	familyFlags
}

// flowHelp says what --flow puts on the wire.
const flowHelp = "flow (not with --multipath): the probes' UDP/TCP destination port or ICMP checksum, in both directions; " +
	"0: the protocol's default (UDP 53, TCP 80, ICMP 0xbeaf). Forward probes leave from port 33456, " +
	"a two-host responder's from port 1021"

func (f *flowFlags) add(fs *pflag.FlagSet) {
	fs.StringVarP(&f.proto, "proto", "P", "udp", "probe protocol: udp, tcp or icmp")
	fs.Uint16Var(&f.id, "flow", 0, flowHelp)
	f.familyFlags.add(fs, "use IPv6 only (node names stand for their IPv6 address)")
}

// flow returns the flow the flags name.
func (f flowFlags) flow() (meas.Flow, error) {
	p, err := meas.ParseProto(f.proto)
	if err != nil {
		return meas.Flow{}, err
	}
	return meas.Flow{Proto: p, ID: f.id}, nil
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
	open                       openRequest // rate, late wait, client
	text                       textOptions
	fam                        family          // of -4, -6
	graph                      graphOutput     // --format, -o, -s
	probing                    probingControls // the reference client's probing options
	forwardTo                  string          // --forward-to: indirect trace target
	transmit                   transmitOptions // --transmit
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
			if err := f.complete(cmd.Flags()); err != nil {
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
	fs.IntVarP(&r.Queries, "queries", "q", 3, "probes per TTL, 1..10: forward, up to N, each after the previous one timed out, until one is answered; reverse, N requests, every answer shown")
	fs.IntVar(&r.GapLimit, "gap", meas.DefaultGapLimit, "stop after this many silent TTLs in a row")
	fs.IntVar(&r.Window, "window", meas.DefaultWindow, "TTLs in flight at once")
	fs.DurationVarP(&r.Timeout, "timeout", "w", meas.DefaultTimeout, "how long each probe (two-host request) waits for its answer")
	fs.BoolVarP(&f.numeric, "numeric", "n", false, "print addresses only, no reverse DNS (lab and sim never resolve)")
	fs.StringVar(&f.pfx2as, "pfx2as", "", "prefix-to-AS file (CAIDA format) to show each hop's AS")
	fs.BoolVar(&f.json, "json", false, "print JSON (docs/cli-json.md)")
	fs.BoolVar(&f.dot, "dot", false, "print the path graph in Graphviz DOT")
	f.graph.addFlags(fs)
	f.addProbingFlags(fs)
	if real {
		c := &f.open.client
		fs.Float64Var(&f.open.rate, "rate", twohost.DefaultClientRate, "probes and two-host requests per second, sustained (a trace's first window leaves at once)")
		fs.DurationVar(&f.open.lateWait, "max-wait", defaultLateWait, "forward: how long a TTL beyond every answered one listens for a late answer, from its first probe "+
			"(traceroute(8)'s -w max: a router that cannot resolve the next hop answers !H after ~3 s); 0: --timeout only")
		fs.IntVar(&c.RequestLen, "request-len", 0, "pad two-host requests to this many ICMP bytes (responders with a minimum size)")
		fs.Uint8Var(&c.TOS, "tos", 0, "TOS / traffic class of two-host requests, copied onto the responder's probes")
		f.addForwardTo(fs)
		f.transmit.addFlags(fs)
	}
}

// defaultLateWait is --max-wait's default: traceroute(8)'s maximum wait.
const defaultLateWait = 5 * time.Second

// complete checks the flags, one clear message per mistake, refusing
// flags that do not apply to what the others ask for.
func (f *traceFlags) complete(fs *pflag.FlagSet) error {
	if err := f.refuse(fs); err != nil {
		return err
	}
	r := &f.req
	var err error
	switch {
	case f.multipath && (f.epsilon <= 0 || f.epsilon >= 1):
		return fmt.Errorf("--epsilon must be in (0, 1), not %g", f.epsilon)
	case r.MaxTTL < 1 || r.MaxTTL > meas.MaxTTL:
		return fmt.Errorf("--max-ttl must be 1..255, not %d", r.MaxTTL)
	case r.FirstTTL < 1 || r.FirstTTL > r.MaxTTL:
		return fmt.Errorf("--first-ttl must be 1..--max-ttl (%d), not %d", r.MaxTTL, r.FirstTTL)
	case r.Queries < 1 || r.Queries > maxQueries:
		return fmt.Errorf("--queries must be 1..%d, not %d", maxQueries, r.Queries)
	case r.GapLimit < 1 || r.Window < 1:
		return errors.New("--gap and --window must be at least 1")
	case r.Timeout <= 0:
		return fmt.Errorf("--timeout must be positive, not %v", r.Timeout)
	case f.open.rate < 0:
		return fmt.Errorf("--rate must not be negative, not %g", f.open.rate)
	case f.open.lateWait < 0:
		return fmt.Errorf("--max-wait must not be negative, not %v", f.open.lateWait)
	}
	if f.fam, err = f.family(); err != nil {
		return err
	}
	if r.Flow, err = f.flow(); err != nil {
		return err
	}
	if err := f.graph.check(); err != nil {
		return err
	}
	if err := f.probing.apply(f); err != nil {
		return err
	}
	if err := f.checkAliases(); err != nil {
		return err
	}
	if err := f.checkForwardTo(); err != nil {
		return err
	}
	if err := f.transmit.check(f); err != nil {
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

// maxQueries bounds -q, as traceroute(8) allows at most 10 probes per hop.
const maxQueries = 10

// refuse rejects flags that exclude each other or do not apply to what
// the others ask for, rather than ignore them.
func (f *traceFlags) refuse(fs *pflag.FlagSet) error {
	twoHost := f.reverse || f.twoWay
	switch {
	case f.reverse && f.twoWay:
		return errors.New("--reverse and --two-way exclude each other")
	case f.json && f.dot:
		return errors.New("--json and --dot exclude each other")
	case f.multipath && fs.Changed("flow"):
		return errors.New("--multipath varies the flow from probe to probe: --flow does not apply")
	case f.multipath && fs.Changed("queries"):
		return errors.New("--multipath sends as many probes per TTL as the MDA needs: --queries does not apply")
	case f.multipath && fs.Changed("window"):
		return errors.New("--multipath probes TTL by TTL: --window does not apply")
	case !f.multipath && fs.Changed("epsilon"):
		return errors.New("--epsilon is the failure probability of --multipath: add --multipath")
	case f.pfx2as != "" && (f.json || f.dot):
		return errors.New("--pfx2as annotates the text table: not with --json or --dot")
	case !twoHost && (fs.Changed("request-len") || fs.Changed("tos")):
		return errors.New("--request-len and --tos shape two-host requests: add --reverse or --two-way")
	case f.reverse && fs.Changed("max-wait"):
		return errors.New("--max-wait applies to forward probes: not with --reverse")
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
	dst, err := s.resolve(target, f.fam)
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
		paths = append([]path{forwardPath(t, f.req.Queries)}, paths...)
	}
	return writePaths(cmd, f, paths)
}

// writePaths writes single-path results in the format asked for.
func writePaths(cmd *cobra.Command, f traceFlags, paths []path) error {
	w := cmd.OutOrStdout()
	out := tracerouteOut{Version: jsonVersion, Traces: []any{}}
	for _, p := range paths {
		out.Traces = append(out.Traces, traceJSON(p, f.req.FirstTTL))
	}
	g, err := f.graph.graphOfPaths(paths)
	if err != nil {
		return err
	}
	if err := f.graph.write(g, out); err != nil {
		return err
	}
	if err := f.transmit.send(cmd.Context(), cmd.ErrOrStderr(), paths); err != nil {
		return err
	}
	switch {
	case f.dot:
		return g.write(w)
	case f.json:
		return writeJSON(w, out)
	}
	return writeText(cmd.Context(), w, f.text, paths...)
}

// runMultipath enumerates the load-balanced paths in the directions the
// flags ask for.
func runMultipath(cmd *cobra.Command, s *session, f traceFlags) error {
	r := f.req
	req := meas.MultipathRequest{Src: r.Src, Dst: r.Dst, Proto: r.Flow.Proto, Epsilon: f.epsilon,
		FirstTTL: r.FirstTTL, MaxTTL: r.MaxTTL, GapLimit: r.GapLimit, Timeout: r.Timeout, Attempts: f.probing.attempts()}
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
	out := tracerouteOut{Version: jsonVersion, Traces: []any{}}
	for i, d := range dirs {
		out.Traces = append(out.Traces, tracelbJSON(d, ms[i], req))
	}
	g, err := f.graph.graphOfMultipath(dirs, ms)
	if err != nil {
		return err
	}
	if err := f.graph.write(g, out); err != nil {
		return err
	}
	switch {
	case f.dot:
		return g.write(w)
	case f.json:
		return writeJSON(w, out)
	}
	return writeMultipathText(cmd.Context(), w, f.text, dirs, ms...)
}

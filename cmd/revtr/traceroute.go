package main

import (
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/spf13/cobra"

	"github.com/revtr/revtr/ipasn"
	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/twohost"
)

// hostTraceFlags are the flags of 'revtr traceroute' on this host.
type hostTraceFlags struct {
	reverse, twoWay, v6, numeric, json, dot, multipath bool
	proto, pfx2as, labName, from                       string
	cfg                                                twohost.TracerouteConfig
}

func newHostTracerouteCmd() *cobra.Command {
	var f hostTraceFlags
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
			if err := needRoot(); err != nil {
				return err
			}
			if f.labName != "" {
				return f.runInLab(cmd, args[0])
			}
			return f.runHere(cmd, args[0])
		},
	}
	f.addFlags(cmd)
	return cmd
}

func (f *hostTraceFlags) addFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	c := &f.cfg
	fs.BoolVar(&f.reverse, "reverse", false, "trace from TARGET back to this host (TARGET runs the two-host responder)")
	fs.BoolVar(&f.twoWay, "two-way", false, "trace both directions")
	fs.StringVarP(&f.proto, "proto", "P", "udp", "probe protocol: udp, tcp or icmp")
	fs.Uint16Var(&c.Trace.Flow.ID, "flow", 0, "flow: destination port of the probes (ICMP: checksum); 0 = protocol default (UDP 53, TCP 80, ICMP 0xbeaf)")
	fs.BoolVar(&f.multipath, "multipath", false, "enumerate every load-balanced path (MDA)")
	fs.Float64Var(&c.Epsilon, "epsilon", meas.DefaultEpsilon, "multipath: failure probability per hop")
	fs.IntVarP(&c.Trace.FirstTTL, "first-ttl", "f", 1, "first TTL")
	fs.IntVarP(&c.Trace.MaxTTL, "max-ttl", "m", meas.DefaultMaxTTL, "largest TTL")
	fs.IntVarP(&c.Trace.Queries, "queries", "q", 3, "probes per hop")
	fs.IntVar(&c.Trace.GapLimit, "gap", 3, "stop after this many silent hops in a row")
	fs.IntVar(&c.Trace.Window, "window", 8, "TTLs in flight at once")
	fs.Float64Var(&c.Client.Rate, "rate", twohost.DefaultClientRate, "probes and two-host requests per second, sustained (a trace's first window leaves at once)")
	fs.DurationVarP(&c.Trace.Timeout, "timeout", "w", meas.DefaultTimeout, "per-probe timeout")
	fs.IntVar(&c.Client.RequestLen, "request-len", 0, "pad two-host requests to this many ICMP bytes (responders with a minimum size)")
	fs.Uint8Var(&c.Client.TOS, "tos", 0, "TOS / traffic class of requests, copied onto the responder's probes")
	fs.BoolVarP(&f.v6, "ipv6", "6", false, "use IPv6")
	fs.BoolVarP(&f.numeric, "numeric", "n", false, "print addresses only, no reverse DNS")
	fs.StringVar(&f.pfx2as, "pfx2as", "", "prefix-to-AS file (CAIDA format) to show each hop's AS")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	fs.BoolVar(&f.dot, "dot", false, "print the path graph in Graphviz DOT")
	fs.StringVar(&f.labName, "lab", "", "trace from a node of this running lab (with --from NODE)")
	fs.StringVar(&f.from, "from", "", "lab node to trace from")
}

// complete checks the flags and fills the configuration.
func (f *hostTraceFlags) complete() error {
	c := &f.cfg
	switch {
	case f.reverse && f.twoWay:
		return errors.New("--reverse and --two-way exclude each other")
	case f.reverse:
		c.Mode = twohost.ModeReverse
	case f.twoWay:
		c.Mode = twohost.ModeTwoWay
	default:
		c.Mode = twohost.ModeForward
	}
	switch {
	case f.json && f.dot:
		return errors.New("--json and --dot exclude each other")
	case f.json:
		c.Format = twohost.FormatJSON
	case f.dot:
		c.Format = twohost.FormatDOT
	}
	p, err := meas.ParseProto(f.proto)
	if err != nil {
		return err
	}
	c.Trace.Flow.Proto, c.Multipath = p, f.multipath
	if f.multipath && (c.Epsilon <= 0 || c.Epsilon >= 1) {
		return fmt.Errorf("--epsilon must be in (0, 1), not %g", c.Epsilon)
	}
	if c.Trace.FirstTTL < 1 || c.Trace.MaxTTL > 255 || c.Trace.FirstTTL > c.Trace.MaxTTL {
		return fmt.Errorf("want 1 ≤ --first-ttl ≤ --max-ttl ≤ 255, not %d and %d", c.Trace.FirstTTL, c.Trace.MaxTTL)
	}
	if c.Trace.Queries < 1 || c.Trace.GapLimit < 1 || c.Trace.Window < 1 {
		return errors.New("--queries, --gap and --window must be at least 1")
	}
	if c.Client.Rate <= 0 {
		return fmt.Errorf("--rate must be positive, not %g", c.Client.Rate)
	}
	if f.pfx2as != "" {
		m, err := loadPfx2AS(f.pfx2as)
		if err != nil {
			return err
		}
		c.Text.AS = twohost.IPASN(m)
	}
	if f.labName == "" && f.from != "" {
		return errors.New("--from names a lab node: add --lab NAME")
	}
	return nil
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

// runHere traces from this host's network namespace.
func (f *hostTraceFlags) runHere(cmd *cobra.Command, target string) error {
	dst, err := twohost.ResolveTarget(cmd.Context(), target, f.v6)
	if err != nil {
		return err
	}
	f.cfg.Target = dst
	if !f.numeric {
		f.cfg.Text.Resolver = net.DefaultResolver
	}
	return twohost.Traceroute(cmd.Context(), f.cfg, cmd.OutOrStdout())
}

// runInLab traces from a lab node, inside its namespace. Names are never
// resolved through DNS there: lab addresses exist only in the lab.
func (f *hostTraceFlags) runInLab(cmd *cobra.Command, target string) error {
	if f.from == "" {
		return errors.New("--lab needs --from NODE: the host the trace starts at")
	}
	l, err := lab.Open(f.labName)
	if err != nil {
		return err
	}
	t := l.Topology()
	dst, err := nodeResolver(t)(target)
	if err != nil {
		return err
	}
	if ep, ok := t.Owner(dst); ok && f.v6 && dst.Is4() {
		dst = t.IfaceAddr(ep, true)
	}
	f.cfg.Target = dst
	return l.Do(f.from, func() error {
		return twohost.Traceroute(cmd.Context(), f.cfg, cmd.OutOrStdout())
	})
}

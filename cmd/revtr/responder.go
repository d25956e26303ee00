package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/twohost"
)

type responderFlags struct {
	cfg               twohost.ResponderConfig
	timeout           string
	allow, deny       []string
	indirectAllow     []string
	metrics, logLevel string
	lab, node         string // serve inside a lab's node instead of this host
}

func newResponderCmd() *cobra.Command {
	var f responderFlags
	cmd := &cobra.Command{
		Use:   "responder [-n MAX_SESSIONS] [-t TIMEOUT] [--lab NAME --node NODE] IFACE",
		Short: "Answer two-host reverse traceroute requests arriving on IFACE",
		Long: `responder runs the two-host reverse traceroute responder (the Augsburg
protocol, draft-heiwin-intarea-reverse-traceroute): on request, it sends one
traceroute probe back toward the requester and reports which node answered
and the RTT. Arguments and defaults are the reference server's (-n 5000
sessions, -t 5 s; -t takes nanoseconds as the reference does, or a duration).
Safety: bounded sessions, global and per-requester rate limits, probes only
toward the requester, allow/deny prefixes, and --min-request-len 36 so that no
answer is larger than its request. With --lab and --node it serves inside a
node of a running lab (IFACE is the node's). See docs/twohost.md.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.complete(args[0]); err != nil {
				return err
			}
			return f.serve(cmd)
		},
	}
	fs := cmd.Flags()
	c := &f.cfg
	fs.IntVarP(&c.MaxSessions, "max-sessions", "n", twohost.DefaultMaxSessions, "probes awaiting their answer at most; further requests are dropped")
	fs.StringVarP(&f.timeout, "timeout", "t", "5s", "session timeout: nanoseconds (as the reference server) or a duration")
	fs.Float64Var(&c.Rate, "rate", 0, "answers and probes per second over all requesters (0: 1000; negative: unlimited)")
	fs.IntVar(&c.Burst, "burst", 0, "burst of the global rate limit (0: 200)")
	fs.Float64Var(&c.RequesterRate, "requester-rate", 0, "answers per second per requester (0: 100; negative: unlimited)")
	fs.IntVar(&c.RequesterBurst, "requester-burst", 0, "burst per requester (0: 50)")
	fs.IntVar(&c.MaxRequesters, "max-requesters", 0, "per-requester limiters kept (0: 10000)")
	fs.IntVar(&c.MinRequestLen, "min-request-len", 0, "refuse shorter requests (ICMP bytes); 36 bounds amplification to 1x")
	fs.StringSliceVar(&f.allow, "allow", nil, "serve only these requester prefixes (repeatable)")
	fs.StringSliceVar(&f.deny, "deny", nil, "never serve these requester prefixes (repeatable; wins over --allow)")
	fs.BoolVar(&c.KeepKernelEcho, "keep-kernel-echo", false, "install no nftables rule against the kernel echoing requests")
	fs.BoolVar(&c.Indirect, "indirect", false, "serve indirect traces (the newer revision): probes toward a target the requester names, not back to it")
	fs.StringSliceVar(&f.indirectAllow, "indirect-allow", nil, "with --indirect: only these requester prefixes may ask for indirect traces (repeatable; default all served)")
	fs.StringVar(&f.metrics, "metrics", "", "serve Prometheus metrics at http://ADDR/metrics")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&f.lab, "lab", "", "serve inside a node of this running lab (with --node NODE) instead of this host")
	fs.StringVar(&f.node, "node", "", "the lab node to serve in (with --lab)")
	return cmd
}

// complete checks the flags and fills the responder configuration.
func (f *responderFlags) complete(iface string) error {
	c := &f.cfg
	c.Interface = iface
	if (f.lab == "") != (f.node == "") {
		return errors.New("--lab and --node go together: the lab node to serve in")
	}
	var err error
	if c.Timeout, err = parseTimeout(f.timeout); err != nil {
		return fmt.Errorf("-t: %w", err)
	}
	if c.MaxSessions < 1 {
		return fmt.Errorf("-n must be at least 1, not %d", c.MaxSessions)
	}
	if c.Allow, err = parsePrefixes("--allow", f.allow); err != nil {
		return err
	}
	if c.Deny, err = parsePrefixes("--deny", f.deny); err != nil {
		return err
	}
	if c.IndirectAllow, err = parsePrefixes("--indirect-allow", f.indirectAllow); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	c.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	return nil
}

func parsePrefixes(flag string, ss []string) ([]netip.Prefix, error) {
	var ps []netip.Prefix
	for _, s := range ss {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%s %q: want a prefix such as 192.0.2.0/24", flag, s)
		}
		ps = append(ps, p.Masked())
	}
	return ps, nil
}

// serve runs the responder, and the metrics endpoint when asked, until the
// command's context ends (SIGINT, SIGTERM).
func (f *responderFlags) serve(cmd *cobra.Command) error {
	g, ctx := errgroup.WithContext(cmd.Context())
	if f.metrics != "" {
		reg := prometheus.NewRegistry()
		f.cfg.Registry = reg
		g.Go(func() error { return serveMetrics(ctx, f.metrics, reg) })
	}
	if f.lab != "" {
		g.Go(func() error { return serveInLab(ctx, f.lab, f.node, f.cfg) })
	} else {
		g.Go(func() error { return twohost.Serve(ctx, f.cfg) })
	}
	return g.Wait()
}

// serveInLab runs the responder with its sockets in a lab node's
// namespace until ctx ends.
func serveInLab(ctx context.Context, name, node string, cfg twohost.ResponderConfig) error {
	l, err := lab.Open(name)
	if err != nil {
		return err
	}
	r, err := lab.OpenIn(l, node, func() (*twohost.Responder, error) { return twohost.NewResponder(cfg) })
	if err != nil {
		return err
	}
	<-ctx.Done()
	return r.Close()
}

// parseTimeout parses the responder's -t argument: a bare integer is
// nanoseconds, as the reference server takes it; otherwise a Go duration
// ("5s", "500ms").
func parseTimeout(s string) (time.Duration, error) {
	if ns, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ns <= 0 {
			return 0, fmt.Errorf("timeout %q must be positive", s)
		}
		return time.Duration(ns), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("timeout %q: want nanoseconds or a duration like 5s", s)
	}
	return d, nil
}

// serveMetrics serves reg's metrics at /metrics on addr until ctx ends.
func serveMetrics(ctx context.Context, addr string, reg *prometheus.Registry) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return fmt.Errorf("metrics listener %s: %w", addr, err)
	case <-ctx.Done():
		err := srv.Shutdown(context.Background())
		<-errc
		return err
	}
}

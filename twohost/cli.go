package twohost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
)

// Entry points for cmd/revtr: `revtr responder` and `revtr traceroute
// --reverse|--two-way`.

// ParseTimeout parses the responder's -t argument: a bare integer is
// nanoseconds, as the reference server takes it; otherwise a Go duration
// ("5s", "500ms").
func ParseTimeout(s string) (time.Duration, error) {
	if ns, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ns <= 0 {
			return 0, fmt.Errorf("%w: timeout %q must be positive", ErrConfig, s)
		}
		return time.Duration(ns), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%w: timeout %q: want nanoseconds or a duration like 5s", ErrConfig, s)
	}
	return d, nil
}

// ServeMetrics serves reg's metrics at /metrics on addr until ctx ends.
func ServeMetrics(ctx context.Context, addr string, reg *prometheus.Registry) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return fmt.Errorf("twohost: metrics listener %s: %w", addr, err)
	case <-ctx.Done():
		err := srv.Shutdown(context.Background())
		<-errc
		return err
	}
}

// Mode is which direction(s) `revtr traceroute` measures.
type Mode uint8

// Modes.
const (
	ModeReverse Mode = iota // --reverse: from the target's responder back to us
	ModeTwoWay              // --two-way: forward and reverse
	ModeForward             // forward only, with the same flow conventions
)

// Format is an output format.
type Format uint8

// Formats.
const (
	FormatText Format = iota // traceroute-like table
	FormatJSON               // --json
	FormatDOT                // --dot: Graphviz
)

// Tracer is what forward measurements need: a Paris traceroute and a
// multipath traceroute from the client's host (probe.Prober implements
// it).
type Tracer interface {
	meas.Tracer
	meas.MultipathTracer
}

// TracerouteConfig is one `revtr traceroute` run.
type TracerouteConfig struct {
	Target    netip.Addr
	Mode      Mode
	Multipath bool // --multipath; else single path with Trace.Flow
	// Trace is the flow, TTLs, queries, gap limit, window and timeout of
	// both directions (its addresses are ignored); forward traces send
	// up to Trace.Queries probes to a silent TTL.
	Trace   meas.TwoHostRequest
	Epsilon float64      // --epsilon (multipath)
	Client  ClientConfig // --rate, --request-len, --tos
	Format  Format
	Text    TextOptions // resolver unless -n, prefix-to-AS map
	// Tracer measures forward paths; nil opens a probe.Prober in the
	// calling namespace when the mode needs one.
	Tracer Tracer
}

// Traceroute runs cfg from the calling thread's network namespace and
// writes the result to w. A target without a responder is an error
// (meas.ErrNoResponder) the caller should turn into a non-zero exit.
func Traceroute(ctx context.Context, cfg TracerouteConfig, w io.Writer) (err error) {
	c, err := NewClient(cfg.Client)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, c.Close()) }()
	if cfg.Tracer == nil && cfg.Mode != ModeReverse {
		p, err := probe.New(probe.Config{Rate: cfg.Client.Rate, Timeout: cfg.Trace.Timeout})
		if err != nil {
			return fmt.Errorf("twohost: forward prober: %w", err)
		}
		defer p.Close()
		cfg.Tracer = p
	}
	cfg.Trace.Dst = cfg.Target
	if cfg.Multipath {
		return multipathRun(ctx, c, cfg, w)
	}
	var paths []Path
	if cfg.Mode != ModeForward {
		r, err := c.TwoHostTrace(ctx, cfg.Trace)
		if err != nil {
			return err
		}
		paths = append(paths, reversePath(r))
	}
	if cfg.Mode != ModeReverse {
		t, err := cfg.Tracer.Traceroute(ctx, forwardRequest(cfg.Trace))
		if err != nil {
			return fmt.Errorf("twohost: forward trace: %w", err)
		}
		paths = append([]Path{forwardPath(t)}, paths...)
	}
	switch cfg.Format {
	case FormatJSON:
		return WriteJSON(w, paths...)
	case FormatDOT:
		return WriteDOT(w, paths...)
	}
	return WriteText(ctx, w, cfg.Text, paths...)
}

// forwardRequest is the forward traceroute of a two-host request's
// parameters: the same flow from the prober's default source port, the
// queries as attempts.
func forwardRequest(r meas.TwoHostRequest) meas.TraceRequest {
	return meas.TraceRequest{Dst: r.Dst, Flow: meas.Flow{Proto: r.Flow.Proto, ID: r.Flow.ID},
		FirstTTL: r.FirstTTL, MaxTTL: r.MaxTTL, GapLimit: r.GapLimit, Attempts: r.Queries,
		Window: r.Window, Timeout: r.Timeout}
}

func multipathRun(ctx context.Context, c *Client, cfg TracerouteConfig, w io.Writer) error {
	req := meas.MultipathRequest{Dst: cfg.Target, Proto: cfg.Trace.Flow.Proto, Epsilon: cfg.Epsilon,
		FirstTTL: cfg.Trace.FirstTTL, MaxTTL: cfg.Trace.MaxTTL, GapLimit: cfg.Trace.GapLimit, Timeout: cfg.Trace.Timeout}
	var dirs []Direction
	var ms []meas.Multipath
	if cfg.Mode != ModeReverse {
		m, err := cfg.Tracer.Multipath(ctx, req)
		if err != nil {
			return fmt.Errorf("twohost: forward multipath: %w", err)
		}
		dirs, ms = append(dirs, Forward), append(ms, m)
	}
	if cfg.Mode != ModeForward {
		m, err := c.TwoHostMultipath(ctx, req)
		if err != nil {
			return err
		}
		dirs, ms = append(dirs, Reverse), append(ms, m)
	}
	switch cfg.Format {
	case FormatJSON:
		return WriteMultipathJSON(w, dirs, ms...)
	case FormatDOT:
		return WriteMultipathDOT(w, dirs, ms...)
	}
	return WriteMultipathText(ctx, w, cfg.Text, dirs, ms...)
}

// Direction says which way a path was measured.
type Direction uint8

// Directions.
const (
	Forward Direction = iota // from the client to the target
	Reverse                  // from the target (its responder) back to the client
)

func (d Direction) String() string {
	if d == Reverse {
		return "reverse"
	}
	return "forward"
}

// Path is a single-path trace in one direction: per TTL, the first answer
// (silent TTLs have a zero Addr), and in Queries every answer of every
// TTL, in the order sent.
type Path struct {
	Direction Direction
	meas.Trace
	Queries [][]meas.Hop
}

func reversePath(t meas.TwoHostTrace) Path {
	return Path{Direction: Reverse, Trace: t.Trace, Queries: t.Queries}
}

func forwardPath(t meas.Trace) Path {
	p := Path{Direction: Forward, Trace: t}
	for _, h := range t.Hops {
		p.Queries = append(p.Queries, []meas.Hop{h})
	}
	return p
}

// ResolveTarget turns a name or address into an address of the wanted
// family (-6 for IPv6); an address is taken as it is.
func ResolveTarget(ctx context.Context, host string, v6 bool) (netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap(), nil
	}
	network := "ip4"
	if v6 {
		network = "ip6"
	}
	as, err := net.DefaultResolver.LookupNetIP(ctx, network, host)
	if err != nil || len(as) == 0 {
		return netip.Addr{}, fmt.Errorf("twohost: resolve %s (%s): %w", host, network, errors.Join(err, meas.ErrBadRequest))
	}
	return as[0].Unmap(), nil
}

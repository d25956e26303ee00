// Package demo runs the reverse traceroute service on an emulated
// Internet and checks what it answers against the Internet's ground
// truth, the way a user of the service sees it: it builds the Internet (a
// lab of network namespaces as root, else the controller's simulator),
// starts `revtr controller` as a process of its own on a SQLite database
// — in a lab with the agents backend, two-host responders and a
// `revtr agent` process on every source and vantage point, whose
// credentials and sources it makes in the database as the CLI does —
// makes an API key, waits for the agents' onboarding, has the sources'
// atlases built, submits reverse traceroutes from every destination back
// to every source through the REST API (asking the destinations' two-host
// responders first, and for forward traceroutes), prints a few beside
// their forward traceroutes, scores every one against the ground truth,
// and keeps the service — its API and web UI — up until told to stop.
// Then it stops every process and removes the lab and its files.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/topo"
)

// Config says what to run.
type Config struct {
	// Topology is the emulated Internet: its sources, vantage points and
	// destinations (some running two-host responders) take part.
	Topology *topo.Topology
	// Lab, if set, builds Topology in network namespaces as the lab of
	// that name (root; a lab of that name is replaced); empty runs the
	// service on the simulator.
	Lab string
	// Revtr is the revtr binary the controller runs from.
	Revtr string
	// Listen is the controller's address; empty: 127.0.0.1:8080, or a
	// free port if that one is taken.
	Listen string
	// DB, if set, is the SQLite file the controller keeps, left behind;
	// empty: one among the demo's files, removed at the end.
	DB string
	// Revtrs bounds the reverse traceroutes submitted; 0: every
	// destination back to every source.
	Revtrs int
	// Show is how many reverse traceroutes are printed whole; 0 means 4.
	Show int
	// Serve keeps the service up after the summary until ctx ends.
	Serve bool
	// Out receives the report; Progress, if not nil, the progress bars
	// (a terminal).
	Out, Progress io.Writer
}

// ErrNoHosts means the topology lacks a source or destinations.
var ErrNoHosts = errors.New("topology has no source or no destinations")

// label marks the demo's reverse traceroutes.
const label = "demo"

// Run runs the demo and returns the summary it printed. The service is
// stopped and its Internet removed before it returns, whatever happened.
func Run(ctx context.Context, cfg Config) (sum Summary, err error) {
	if cfg.Show == 0 {
		cfg.Show = 4
	}
	if len(destinations(cfg.Topology)) == 0 || len(cfg.Topology.Hosts()) < 2 {
		return sum, ErrNoHosts
	}
	s, err := startService(ctx, cfg)
	if err != nil {
		return sum, err
	}
	defer func() {
		fmt.Fprintln(cfg.Out, "\nstopping the controller, removing the demo's Internet and files")
		if err != nil && ctx.Err() != nil {
			err = fmt.Errorf("demo interrupted before the summary: %w", ctx.Err())
		}
		err = errors.Join(err, s.stop())
	}()
	key, err := s.newKey(ctx)
	if err != nil {
		return sum, err
	}
	c := newClient(s.url, key)
	if s.lab != nil {
		if err := s.waitOnboarded(ctx, c); err != nil {
			return sum, err
		}
	}
	if sum, err = measure(ctx, cfg, c, s.url+"/ui/"); err != nil {
		return sum, err
	}
	if cfg.DB != "" {
		fmt.Fprintf(cfg.Out, "\nthe database stays in %s: `revtr controller --db %s` serves these results again\nAPI key   %s\n", cfg.DB, cfg.DB, key)
	}
	if cfg.Serve {
		serve(ctx, cfg, s, key, sum.Batch)
	}
	return sum, nil
}

// measure asks for the atlases, submits the batch, waits for it, and
// reports it.
func measure(ctx context.Context, cfg Config, c *client, ui string) (Summary, error) {
	srcs, err := atlases(ctx, cfg, c)
	if err != nil {
		return Summary{}, err
	}
	batch, err := submit(ctx, cfg, c, srcs)
	if err != nil {
		return Summary{}, err
	}
	if err := wait(ctx, cfg, c, batch); err != nil {
		return Summary{}, err
	}
	rs, err := fetch(ctx, cfg, c, batch)
	if err != nil {
		return Summary{}, err
	}
	sh := shower{w: cfg.Out, tp: cfg.Topology, ui: ui}
	fmt.Fprintf(cfg.Out, "\nhop techniques: dst the destination, two-host its responder, rr Record Route from the source, spoof-rr spoofed\n"+
		"Record Route from a vantage point, tr and rr-atlas intersections with the atlas, sym-intra and sym-inter assumed symmetry\n")
	for _, r := range pick(rs, cfg.Show) {
		sh.show(r)
	}
	sum := summarize(batch, rs)
	sum.print(cfg.Out, cfg.truthName())
	return sum, nil
}

func (c Config) truthName() string {
	if c.Lab != "" {
		return "the lab's"
	}
	return "the simulator's"
}

// atlases lists the sources the controller offers and asks it to build
// each one's atlas.
func atlases(ctx context.Context, cfg Config, c *client) ([]netip.Addr, error) {
	infos, err := c.sources(ctx)
	if err != nil {
		return nil, err
	}
	var srcs []netip.Addr
	for _, in := range infos {
		a, err := netip.ParseAddr(in.IP)
		if err != nil {
			return nil, fmt.Errorf("demo: source %q: %w", in.IP, err)
		}
		if err := c.runAtlas(ctx, a); err != nil {
			return nil, err
		}
		srcs = append(srcs, a)
		fmt.Fprintf(cfg.Out, "source %s %s (site %s): atlas requested (POST /api/v1/atlas/run)\n", in.Hostname, a, in.Site)
	}
	if len(srcs) == 0 {
		return nil, fmt.Errorf("demo: the controller offers no source: %w", ErrNoHosts)
	}
	if cfg.Lab == "" { // the simulator's atlases are built at its start
		return srcs, nil
	}
	return srcs, waitAtlases(ctx, cfg, c, srcs)
}

// destinations are the topology's destination hosts.
func destinations(tp *topo.Topology) []netip.Addr {
	var out []netip.Addr
	for _, id := range tp.Hosts() {
		if tp.Nodes[id].Role.Destination {
			out = append(out, tp.HostAddr(id, false))
		}
	}
	return out
}

// requests are the reverse traceroutes to measure: every destination
// back to every source (destination by destination, so that a bound
// keeps many destinations), each asking the destination's two-host
// responder first and for the forward traceroute.
func requests(cfg Config, srcs []netip.Addr) []controller.RevtrRequest {
	var out []controller.RevtrRequest
	for _, d := range destinations(cfg.Topology) {
		for _, s := range srcs {
			if d == s || (cfg.Revtrs > 0 && len(out) == cfg.Revtrs) {
				continue
			}
			out = append(out, controller.RevtrRequest{Src: s.String(), Dst: d.String(), Label: label,
				TwoHost: true, IsRunForwardTraceroute: true})
		}
	}
	return out
}

// submit posts the batch.
func submit(ctx context.Context, cfg Config, c *client, srcs []netip.Addr) (uint32, error) {
	reqs := requests(cfg, srcs)
	batch, err := c.submit(ctx, reqs)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(cfg.Out, "batch %d: %d reverse traceroutes submitted (POST /api/v1/revtr, label %q): %d destinations back to %d sources, two-host first, with forward traceroutes\n",
		batch, len(reqs), label, len(destinations(cfg.Topology)), len(srcs))
	return batch, nil
}

// wait follows the batch's progress until it is done.
func wait(ctx context.Context, cfg Config, c *client, batch uint32) error {
	start := time.Now()
	st, err := c.batch(ctx, batch)
	if err != nil {
		return err
	}
	bar := cfg.bar(st.Total, "measuring")
	defer bar.done()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for !st.Done {
		bar.set(st.Total - st.Pending - st.Running)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if st, err = c.batch(ctx, batch); err != nil {
			return err
		}
	}
	bar.done()
	fmt.Fprintf(cfg.Out, "batch %d: done in %.1fs: %d reached the source, %d failed\n",
		batch, time.Since(start).Seconds(), st.Reaches, st.Failed)
	return nil
}

// fetch reads every reverse traceroute of the batch whole and scores it.
func fetch(ctx context.Context, cfg Config, c *client, batch uint32) ([]result, error) {
	ids, err := c.ids(ctx, batch)
	if err != nil {
		return nil, err
	}
	bar := cfg.bar(len(ids), "reading the results")
	defer bar.done()
	out := make([]result, 0, len(ids))
	for i, id := range ids {
		d, err := c.revtr(ctx, id)
		if err != nil {
			return nil, err
		}
		r, err := newResult(cfg.Topology, d)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
		bar.set(i + 1)
	}
	return out, nil
}

// serve prints how to reach the service and waits until ctx ends.
func serve(ctx context.Context, cfg Config, s *service, key string, batch uint32) {
	fmt.Fprintf(cfg.Out, `
== the service is up
web UI    %s/ui/  (paste the key on its Key page; this batch: %s/ui/#/batch/%d)
API key   %s
API       curl -H 'Revtr-Key: %s' '%s/api/v1/revtr?batchid=%d'   (OpenAPI: %s/openapi.json)
files     %s (controller log, configuration, database)
Ctrl-C (or SIGTERM) stops the controller and removes the demo's Internet and files.
`, s.url, s.url, batch, key, key, s.url, batch, s.url, s.dir)
	<-ctx.Done()
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/spf13/cobra"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/twohost"
)

// hostOpener opens sessions on this host's raw sockets, or, with --lab, on
// the probers of lab nodes.
func hostOpener(labName *string) opener {
	return func(cmd *cobra.Command, req openRequest) (*session, error) {
		if err := needRoot(); err != nil {
			return nil, err
		}
		if *labName != "" {
			return openLab(*labName, req)
		}
		return openLocal(cmd.Context(), req)
	}
}

// openLocal opens a prober in the current network namespace; its two-host
// client opens there too.
func openLocal(ctx context.Context, req openRequest) (*session, error) {
	if req.from != "" {
		return nil, errors.New("--from names a lab node: add --lab NAME")
	}
	if req.spoofAs != "" {
		return nil, fmt.Errorf("the reply to a probe spoofed as %s arrives at that host, not here: run it in a lab (--lab NAME --from VP) where both ends are probed", req.spoofAs)
	}
	p, err := probe.New(probe.Config{Rate: req.rate})
	if err != nil {
		return nil, err
	}
	resolve := func(s string, v6 bool) (netip.Addr, error) {
		if a, err := parseAddr(s); err == nil || !req.names {
			return a, err
		}
		return lookupHost(ctx, s, v6)
	}
	openTwoHost := func() (twoHostProber, func() error, error) {
		c, err := twohost.NewClient(clientConfig(req))
		if err != nil {
			return nil, nil, err
		}
		return c, c.Close, nil
	}
	return &session{p: p, addrs: p.Addrs(), resolve: resolve, dns: true, openTwoHost: openTwoHost,
		closers: []func() error{p.Close}}, nil
}

// clientConfig is the two-host client configuration of a request.
func clientConfig(req openRequest) twohost.ClientConfig {
	c := req.client
	c.Rate = req.rate
	return c
}

// lookupHost resolves a host name to an address of the wanted family (-6
// for IPv6).
func lookupHost(ctx context.Context, host string, v6 bool) (netip.Addr, error) {
	network := "ip4"
	if v6 {
		network = "ip6"
	}
	as, err := net.DefaultResolver.LookupNetIP(ctx, network, host)
	if err != nil || len(as) == 0 {
		return netip.Addr{}, fmt.Errorf("resolve %s (%s): %w", host, network, err)
	}
	return as[0].Unmap(), nil
}

// openLab opens probers in the sending node's namespace and, for a spoofed
// probe, in the namespace of the host whose address it carries; its
// two-host client opens in the sending node.
func openLab(name string, req openRequest) (*session, error) {
	if req.from == "" {
		return nil, errors.New("--lab needs --from NODE: the host probes are sent from")
	}
	l, err := lab.Open(name)
	if err != nil {
		return nil, err
	}
	t := l.Topology()
	resolve := nodeResolver(t)
	cfg := probe.Config{Rate: req.rate}
	var spoofed netip.Addr
	if req.spoofAs != "" {
		if spoofed, err = resolve(req.spoofAs, false); err != nil {
			return nil, err
		}
		cfg.AllowSpoof = []netip.Addr{spoofed} // the user asked for exactly this source
	}
	g := probe.NewGroup()
	sender, err := addLabProber(g, l, req.from, cfg)
	if err != nil {
		return nil, err
	}
	if spoofed.IsValid() {
		n, err := l.NodeOf(spoofed)
		if err == nil {
			_, err = addLabProber(g, l, n.Name, probe.Config{Rate: req.rate})
		}
		if err != nil {
			g.Close()
			return nil, err
		}
	}
	openTwoHost := func() (twoHostProber, func() error, error) {
		c, err := lab.OpenIn(l, req.from, func() (*twohost.Client, error) { return twohost.NewClient(clientConfig(req)) })
		if err != nil {
			return nil, nil, err
		}
		return c, c.Close, nil
	}
	return &session{p: g, addrs: sender.Addrs(), resolve: resolve, openTwoHost: openTwoHost, closers: []func() error{g.Close}}, nil
}

// addLabProber opens a prober inside node's network namespace and adds it
// to g.
func addLabProber(g *probe.Group, l *lab.Lab, node string, cfg probe.Config) (*probe.Prober, error) {
	p, err := lab.OpenIn(l, node, func() (*probe.Prober, error) { return probe.New(cfg) })
	if err != nil {
		return nil, err
	}
	if err := g.Add(p); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// labFlag adds --lab to a measurement command.
func labFlag(cmd *cobra.Command, name *string) *cobra.Command {
	cmd.Flags().StringVar(name, "lab", "", "probe from a node of this running lab (with --from NODE) instead of this host")
	return cmd
}

func newHostPingCmd() *cobra.Command {
	var name string
	return labFlag(newPingCmd(hostOpener(&name)), &name)
}

func newHostTracerouteCmd() *cobra.Command {
	var name string
	return labFlag(newTracerouteCmd(hostOpener(&name), true), &name)
}

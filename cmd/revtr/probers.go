package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

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
	p, err := probe.New(probe.Config{Rate: req.rate, LateWait: req.lateWait})
	if err != nil {
		return nil, err
	}
	resolve := func(s string, fam family) (netip.Addr, error) {
		if looksLiteral(s) || !req.names {
			return parseAddr(s, fam)
		}
		return lookupHost(ctx, s, fam)
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

// looksLiteral reports whether s is meant as an address literal, valid or
// not (digits and dots only, or a colon), rather than a host name: a bad
// literal is refused without asking DNS.
func looksLiteral(s string) bool {
	return strings.Contains(s, ":") || strings.Trim(s, "0123456789.") == ""
}

// lookupHost resolves a host name to an address: of the family asked
// for, else IPv4 when the name has both, as traceroute(8) chooses.
func lookupHost(ctx context.Context, host string, fam family) (netip.Addr, error) {
	network := map[family]string{anyFamily: "ip", ipv4: "ip4", ipv6: "ip6"}[fam]
	as, err := net.DefaultResolver.LookupNetIP(ctx, network, host)
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return netip.Addr{}, fmt.Errorf("%s: unknown host", host)
	case err != nil:
		return netip.Addr{}, fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, a := range as {
		if a.Unmap().Is4() {
			return a.Unmap(), nil
		}
	}
	if len(as) == 0 {
		return netip.Addr{}, fmt.Errorf("%s: no %s address", host, network)
	}
	return as[0], nil
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
	cfg := probe.Config{Rate: req.rate, LateWait: req.lateWait}
	var spoofed netip.Addr
	if req.spoofAs != "" {
		if spoofed, err = resolve(req.spoofAs, ipv4); err != nil {
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

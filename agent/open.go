package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/twohost"
)

// sourceProber is a source's prober with a two-host client: it asks
// destinations' two-host responders for the path back to it.
type sourceProber struct {
	*probe.Prober
	th *twohost.Client
}

// withTwoHost adds a two-host client configured as cc (opened in the
// calling thread's namespace) to p.
func withTwoHost(p *probe.Prober, cc twohost.ClientConfig) (Prober, error) {
	th, err := twohost.NewClient(cc)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("agent: two-host client: %w", err), p.Close())
	}
	return sourceProber{Prober: p, th: th}, nil
}

// TwoHostTrace asks req.Dst's two-host responder.
func (s sourceProber) TwoHostTrace(ctx context.Context, req meas.TwoHostRequest) (meas.TwoHostTrace, error) {
	return s.th.TwoHostTrace(ctx, req)
}

// Close closes the prober and the client.
func (s sourceProber) Close() error { return errors.Join(s.Prober.Close(), s.th.Close()) }

// ProbeConfig is the prober configuration cfg asks for: scamper.rate,
// agent.timeout and agent.addrs (nil: local.interface's addresses, or
// the host's, found when the prober opens).
func ProbeConfig(cfg Config) probe.Config {
	return probe.Config{Rate: cfg.Scamper.Rate, Timeout: cfg.Agent.Timeout, Addrs: cfg.Agent.Addrs}
}

// Open returns the opener of cfg's probers: in this process's network
// namespace, or, with agent.lab, in the lab node's (the controller
// connection staying in this one).
func Open(cfg Config) (Opener, error) {
	pc := ProbeConfig(cfg)
	open := func(allow []netip.Addr) (Prober, error) {
		c := pc
		c.AllowSpoof = allow
		if c.Addrs == nil && cfg.Local.Interface != "" {
			var err error
			if c.Addrs, err = interfaceAddrs(cfg.Local.Interface); err != nil {
				return nil, err
			}
		}
		pr, err := probe.New(c)
		if err != nil || !cfg.Has(RoleSource) {
			return pr, err
		}
		return withTwoHost(pr, twohost.ClientConfig{Timeout: pc.Timeout})
	}
	if cfg.Agent.Lab.Name == "" {
		return open, nil
	}
	l, err := lab.Open(cfg.Agent.Lab.Name)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	if _, err := l.Node(cfg.Agent.Lab.Node); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	return func(allow []netip.Addr) (Prober, error) {
		return lab.OpenIn(l, cfg.Agent.Lab.Node, func() (Prober, error) { return open(allow) })
	}, nil
}

// interfaceAddrs returns the global addresses of the named interface (in
// the calling thread's namespace).
func interfaceAddrs(name string) ([]netip.Addr, error) {
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return nil, fmt.Errorf("agent: local.interface: %w", err)
	}
	as, err := ifc.Addrs()
	if err != nil {
		return nil, fmt.Errorf("agent: local.interface %s: %w", name, err)
	}
	var out []netip.Addr
	for _, a := range as {
		if p, err := netip.ParsePrefix(a.String()); err == nil && !p.Addr().IsLoopback() && !p.Addr().IsLinkLocalUnicast() {
			out = append(out, p.Addr())
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("agent: local.interface %s has no usable address", name)
	}
	return out, nil
}

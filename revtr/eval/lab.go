package eval

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/twohost"
)

// LabProbe is the prober configuration for evaluations in the lab: a
// rate every host's prober sustains on a loaded 2-core machine, and a
// short timeout, since lab RTTs are microseconds (a silent probe costs
// the timeout; a late reply is lost).
func LabProbe() probe.Config {
	return probe.Config{Rate: 2000, Timeout: 250 * time.Millisecond}
}

// LabProbers opens a prober, configured as pc, in every source and
// vantage-point host of l; vantage points may spoof the sources'
// addresses (pc.AllowSpoof is replaced), and the spoofing test decides
// which really can. The caller closes the group.
func LabProbers(l *lab.Lab, pc probe.Config) (*probe.Group, error) {
	t := l.Topology()
	var sources []netip.Addr
	for _, id := range t.Hosts() {
		if t.Nodes[id].Role.Source {
			sources = append(sources, t.HostAddr(id, false))
		}
	}
	g := probe.NewGroup()
	for _, id := range t.Hosts() {
		n := &t.Nodes[id]
		cfg := pc
		cfg.AllowSpoof = nil
		switch {
		case n.Role.VantagePoint:
			cfg.AllowSpoof = sources
		case !n.Role.Source:
			continue
		}
		if err := addProber(g, l, n, cfg); err != nil {
			return nil, errors.Join(err, g.Close())
		}
	}
	return g, nil
}

// addProber opens a prober in n's namespace and adds it to g.
func addProber(g *probe.Group, l *lab.Lab, n *topo.Node, cfg probe.Config) error {
	p, err := lab.OpenIn(l, n.Name, func() (*probe.Prober, error) { return probe.New(cfg) })
	if err != nil {
		return fmt.Errorf("eval: prober in %s: %w", n.Name, err)
	}
	if err := g.Add(p); err != nil {
		return errors.Join(fmt.Errorf("eval: prober in %s: %w", n.Name, err), p.Close())
	}
	return nil
}

// RunLab evaluates on a running lab: its topology is the ground truth,
// and probers configured as pc (LabProbe() is a good start) in its
// sources and vantage points measure, on the wall clock. With
// cfg.TwoHost, unless cfg.Responders is set, real two-host responders run
// in the hosts whose role says so for the evaluation's length
// (StartLabTwoHost, clients with pc's timeout: LabTwoHostClient), and our
// policy asks them. cfg's Topology, Prober and Clock are set here.
func RunLab(ctx context.Context, l *lab.Lab, cfg Config, pc probe.Config) (rep *Report, err error) {
	g, err := LabProbers(l, pc)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, g.Close()) }()
	if cfg.TwoHost && cfg.Responders == nil {
		th, err := StartLabTwoHost(l, twohost.ResponderConfig{}, LabTwoHostClient(pc))
		if err != nil {
			return nil, err
		}
		defer func() { err = errors.Join(err, th.Close()) }()
		cfg.Responders = th
	}
	cfg.Topology, cfg.Prober, cfg.Clock = l.Topology(), g, RealClock{}
	return Run(ctx, cfg)
}

// LabTwoHostClient is the two-host client configuration of RunLab: the
// probers' timeout (lab RTTs are microseconds), the client's default
// rate, within the responders' default per-requester limit.
func LabTwoHostClient(pc probe.Config) twohost.ClientConfig {
	return twohost.ClientConfig{Timeout: pc.Timeout}
}

package agent

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/topo"
)

// LabConfig is base made the configuration of the agent of host node of
// lab l: named after the node, with its roles (source, vantage point)
// and the lab's node set. base must be resolved.
func LabConfig(base Config, l *lab.Lab, node *topo.Node) Config {
	c := base
	c.Agent.Name = node.Name
	c.Agent.Roles = nil
	if node.Role.Source {
		c.Agent.Roles = append(c.Agent.Roles, RoleSource)
	}
	if node.Role.VantagePoint {
		c.Agent.Roles = append(c.Agent.Roles, RoleVantagePoint)
	}
	c.Agent.Lab.Name, c.Agent.Lab.Node = l.Name(), node.Name
	return c
}

// LabHosts are the nodes of l's sources and vantage points, which run
// agents.
func LabHosts(l *lab.Lab) []*topo.Node {
	t := l.Topology()
	var out []*topo.Node
	for _, id := range t.Hosts() {
		if n := &t.Nodes[id]; n.Role.Source || n.Role.VantagePoint {
			out = append(out, n)
		}
	}
	return out
}

// Group is agents running in this process.
type Group struct {
	Agents []*Agent
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// StartLab starts, in this process, an agent for every source and
// vantage point of lab l (LabHosts, LabConfig over base), each with its
// prober in its node's namespace and its connection to the controller
// in this one. Stop them with Close.
func StartLab(ctx context.Context, l *lab.Lab, base Config, log *slog.Logger) (*Group, error) {
	return StartLabEach(ctx, l, func(n *topo.Node) Config { return LabConfig(base, l, n) }, log)
}

// StartLabEach is StartLab with each host's configuration config(node)
// (LabConfig's, with a credential of the host's own, say).
func StartLabEach(ctx context.Context, l *lab.Lab, config func(*topo.Node) Config, log *slog.Logger) (*Group, error) {
	ctx, cancel := context.WithCancel(ctx)
	g := &Group{cancel: cancel}
	for _, n := range LabHosts(l) {
		cfg := config(n)
		open, err := Open(cfg)
		if err != nil {
			return nil, errors.Join(err, g.Close())
		}
		a, err := New(cfg, open, log.With("agent", n.Name))
		if err != nil {
			return nil, errors.Join(err, g.Close())
		}
		g.Agents = append(g.Agents, a)
		g.wg.Go(func() { _ = a.Run(ctx) }) // Run ends with ctx, returning nil
	}
	return g, nil
}

// Close stops the agents and closes their probers.
func (g *Group) Close() error {
	g.cancel()
	g.wg.Wait()
	var errs []error
	for _, a := range g.Agents {
		errs = append(errs, a.Close())
	}
	return errors.Join(errs...)
}

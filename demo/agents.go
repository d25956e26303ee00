package demo

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/revtr/revtr/agent"
	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/topo"
)

// agentRate is every agent's probing rate limit (scamper.rate), packets
// per second: the lab's hosts are on one machine, and the default (100)
// would make the demo wait on it.
const agentRate = 2000

// onboardTimeout bounds the wait for the agents to connect and be
// onboarded, and atlasTimeout the sources' atlases.
const (
	onboardTimeout = 2 * time.Minute
	atlasTimeout   = 2 * time.Minute
)

// labAgent is a lab host that runs an agent: its node and the
// credential made for it.
type labAgent struct {
	node       *topo.Node
	credential string
	proc       *process
}

// authorize authorizes the lab's sources and makes a credential for
// every source's and vantage point's agent, bound to its host's
// addresses, in the controller's database, as `revtr sources add` and
// `revtr agents add` do.
func (s *service) authorize(ctx context.Context) error {
	st, err := store.Open(ctx, s.db)
	if err != nil {
		return err
	}
	defer st.Close()
	tp := s.cfg.Topology
	for _, n := range agent.LabHosts(s.lab) {
		addrs := []netip.Addr{tp.HostAddr(n.ID, false)}
		if a6 := tp.HostAddr(n.ID, true); a6.IsValid() {
			addrs = append(addrs, a6)
		}
		if n.Role.Source {
			if err := st.AddSource(ctx, store.Source{Addr: addrs[0], Hostname: n.Name, Site: "lab"}); err != nil {
				return fmt.Errorf("demo: authorize source %s: %w", n.Name, err)
			}
		}
		_, cred, err := st.AddAgent(ctx, n.Name, addrs)
		if err != nil {
			return fmt.Errorf("demo: agent credential for %s: %w", n.Name, err)
		}
		s.agents = append(s.agents, &labAgent{node: n, credential: cred})
	}
	return nil
}

// agentConfig writes an agent's configuration file (the keys of
// docs/agents.md): the controller's agent endpoint and the certificate it
// made, the agent's rate, name, roles and credential, and the lab's short
// timeouts. The lab node is said on the command line.
func (s *service) agentConfig(a *labAgent) (string, error) {
	c := agent.LabConfig(agent.Default(), s.lab, a.node)
	b, err := yaml.Marshal(map[string]any{
		"local":   map[string]any{"rootca": filepath.Join(s.dir, "agents-ca.pem")},
		"scamper": map[string]any{"host": "127.0.0.1", "port": s.agentsPort, "rate": agentRate},
		"agent": map[string]any{"name": c.Agent.Name, "roles": c.Agent.Roles, "credential": a.credential,
			"timeout": "250ms", "reconnect_min": "100ms", "reconnect_max": "1s"},
	})
	if err != nil {
		return "", fmt.Errorf("demo: agent %s's configuration: %w", a.node.Name, err)
	}
	path := filepath.Join(s.dir, "agent-"+a.node.Name+".yaml")
	if err := os.WriteFile(path, append([]byte("# revtr demo's agent in lab host "+a.node.Name+"\n"), b...), 0o600); err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	return path, nil
}

// startAgents starts `revtr agent` for every lab host authorize made a
// credential for.
func (s *service) startAgents() error {
	var names []string
	for _, a := range s.agents {
		conf, err := s.agentConfig(a)
		if err != nil {
			return err
		}
		a.proc, err = startProcess("agent in "+a.node.Name, s.cfg.Revtr, []string{"agent", "--config", conf, "--lab", s.lab.Name(), "--node", a.node.Name},
			filepath.Join(s.dir, "agent-"+a.node.Name+".log"))
		if err != nil {
			return err
		}
		names = append(names, fmt.Sprintf("%s (pid %d)", a.node.Name, a.proc.pid()))
	}
	fmt.Fprintf(s.cfg.Out, "agents: `revtr agent --config %s --lab %s --node NODE` in %d sources and vantage points: %s\n",
		filepath.Join(s.dir, "agent-NODE.yaml"), s.lab.Name(), len(s.agents), strings.Join(names, ", "))
	return nil
}

// onboarding is what GET /api/v2/agents says of the lab's agents:
// how many are connected, and how many of the reports they need are in
// (a source's passed, a vantage point's made, passed or quarantined).
type onboarding struct {
	connected, reported, spoofers, quarantined int
	waiting                                    *labAgent // one not connected, or whose report is missing
}

func (s *service) onboardingOf(infos []controller.AgentInfo) onboarding {
	var o onboarding
	byName := map[string]controller.AgentInfo{}
	for _, in := range infos {
		byName[in.Name] = in
	}
	for _, a := range s.agents {
		in, ok := byName[a.node.Name]
		if !ok || in.Status != "connected" {
			o.waiting = a
			continue
		}
		o.connected++
		if len(in.Onboarding) == 0 && o.waiting == nil {
			o.waiting = a
		}
		for _, ob := range in.Onboarding {
			switch {
			case ob.Role == agent.RoleSource && a.node.Role.Source && ob.Passed:
				o.reported++
			case ob.Role == agent.RoleVantagePoint && a.node.Role.VantagePoint:
				o.reported++
				if ob.Passed {
					o.spoofers++
				} else {
					o.quarantined++
				}
			}
		}
	}
	return o
}

// reportsWanted is how many onboarding reports the agents need.
func (s *service) reportsWanted() int {
	n := 0
	for _, a := range s.agents {
		if a.node.Role.Source {
			n++
		}
		if a.node.Role.VantagePoint {
			n++
		}
	}
	return n
}

// waitOnboarded follows GET /api/v2/agents until every agent is
// connected, every source passed its onboarding and every vantage point
// has a report.
func (s *service) waitOnboarded(ctx context.Context, c *client) error {
	start := time.Now()
	conn := s.cfg.bar(len(s.agents), "agents connecting")
	defer conn.done()
	var ob *bar
	defer func() {
		if ob != nil {
			ob.done()
		}
	}()
	deadline := time.After(onboardTimeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		infos, err := c.agents(ctx)
		if err != nil {
			return err
		}
		o := s.onboardingOf(infos)
		conn.set(o.connected)
		if o.connected == len(s.agents) && ob == nil {
			conn.done()
			fmt.Fprintf(s.cfg.Out, "agents: %d connected in %.1fs (GET /api/v2/agents)\n", o.connected, time.Since(start).Seconds())
			ob = s.cfg.bar(s.reportsWanted(), "onboarding")
		}
		if ob != nil {
			ob.set(o.reported)
		}
		if o.connected == len(s.agents) && o.reported == s.reportsWanted() {
			fmt.Fprintf(s.cfg.Out, "onboarding: sources passed, %d vantage points may spoof, %d quarantined, in %.1fs (GET /api/v1/sources/{ip}/onboarding)\n",
				o.spoofers, o.quarantined, time.Since(start).Seconds())
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return fmt.Errorf("demo: agents not onboarded within %v: %d of %d connected, %d of %d reports; %s's log (%s):%s\ncontroller's:%s",
				onboardTimeout, o.connected, len(s.agents), o.reported, s.reportsWanted(), o.waiting.node.Name, o.waiting.proc.log,
				logTail(o.waiting.proc.log), logTail(s.ctl.log))
		case <-tick.C:
		}
		if err := s.childExited(); err != nil {
			return err
		}
	}
}

// childExited is an error if the controller or an agent has exited.
func (s *service) childExited() error {
	ps := []*process{s.ctl}
	for _, a := range s.agents {
		ps = append(ps, a.proc)
	}
	for _, p := range ps {
		select {
		case <-p.exited:
			return fmt.Errorf("demo: %s %w: %v (log: %s)%s", p.name, errExited, p.err, p.log, logTail(p.log))
		default:
		}
	}
	return nil
}

// waitAtlases follows GET /api/v2/atlas/status/{source} until every
// source's atlas is built.
func waitAtlases(ctx context.Context, cfg Config, c *client, srcs []netip.Addr) error {
	start := time.Now()
	bar := cfg.bar(len(srcs), "building atlases")
	defer bar.done()
	deadline := time.After(atlasTimeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var done []controller.AtlasStatus
	for len(done) < len(srcs) {
		st, err := c.atlasStatus(ctx, srcs[len(done)])
		if err != nil {
			return err
		}
		switch st.State {
		case "done":
			done = append(done, st)
			bar.set(len(done))
			continue
		case "failed":
			return fmt.Errorf("demo: the atlas of %s failed: %s", st.Source, st.Error)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return fmt.Errorf("demo: the atlas of %s not built within %v: %s", st.Source, atlasTimeout, st.State)
		case <-tick.C:
		}
	}
	bar.done()
	for _, st := range done {
		fmt.Fprintf(cfg.Out, "atlas of %s: %d paths from %d traceroutes (%d probes) and %d Record Route pings (GET /api/v2/atlas/status)\n",
			st.Source, st.Paths, st.Traces, st.TraceProbes, st.RRPings)
	}
	fmt.Fprintf(cfg.Out, "atlases: built in %.1fs\n", time.Since(start).Seconds())
	return nil
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/revtr/revtr/agent"
)

func newAgentCmd() *cobra.Command {
	var configPath, labName, node string
	var check bool
	cmd := &cobra.Command{
		Use:   "agent --config FILE [--check] [--lab NAME --node NODE]",
		Short: "Run a source or vantage-point agent for a controller",
		Long: `agent dials the controller (its scamper.host and scamper.port, over TLS, with
its credential: 'revtr agents add' makes one), says what it can measure, and
answers the controller's measurements with its own prober at its own rate
(scamper.rate). A source captures the replies to the spoofed Record Route
probes vantage points send as it; a vantage point spoofs only the sources the
controller authorizes. The configuration is the reference agent's plvp.config
with our keys under agent: (docs/agents.md); an unknown key is an error.
--check prints the effective configuration and exits. --lab and --node keep
the controller connection in this network namespace and open the prober in a
lab node's. Needs root (raw sockets).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := agentConfig(configPath, labName, node)
			if err != nil {
				return err
			}
			if check {
				b, err := cfg.Effective()
				if err != nil {
					return err
				}
				_, err = cmd.OutOrStdout().Write(b)
				return err
			}
			if err := needRoot(); err != nil {
				return err
			}
			return runAgent(cmd.Context(), cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&configPath, "config", "", "the agent's configuration (plvp.config keys; docs/agents.md)")
	f.BoolVar(&check, "check", false, "print the effective configuration and exit")
	f.StringVar(&labName, "lab", "", "run the prober in this lab's node (with --node)")
	f.StringVar(&node, "node", "", "the lab node whose namespace the prober runs in")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}

// agentConfig reads the file and applies --lab and --node over it.
func agentConfig(path, labName, node string) (agent.Config, error) {
	cfg, err := agent.Load(path)
	if err != nil {
		return cfg, err
	}
	if labName != "" || node != "" {
		cfg.Agent.Lab.Name, cfg.Agent.Lab.Node = labName, node
		if cfg, err = cfg.Resolve(); err != nil {
			return cfg, fmt.Errorf("--lab and --node: %w", err)
		}
	}
	return cfg, nil
}

// runAgent runs the agent until ctx ends (SIGTERM, Ctrl-C).
func runAgent(ctx context.Context, cfg agent.Config) error {
	level := slog.LevelInfo
	if cfg.Environment.Debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	open, err := agent.Open(cfg)
	if err != nil {
		return err
	}
	a, err := agent.New(cfg, open, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if cfg.Local.PprofAddr != "" {
		if err := servePprof(ctx, cfg.Local.PprofAddr, "local.pprofaddr", log); err != nil {
			return err
		}
	}
	log.Info("agent started", "name", cfg.Agent.Name, "addrs", a.Addrs(), "roles", cfg.Agent.Roles, "controller", cfg.URL(), "rate", cfg.Scamper.Rate)
	return a.Run(ctx)
}

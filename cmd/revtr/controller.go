package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/store"
)

func newControllerCmd() *cobra.Command {
	var configPath, listen, db string
	var sim bool
	cmd := &cobra.Command{
		Use:   "controller [--config FILE] [--listen ADDR] [--db DSN] [--sim]",
		Short: "Serve the reverse traceroute API and measure what it accepts",
		Long: `controller serves the REST API (REVTR 2.0 compatible, OpenAPI document at
/openapi.json), keeps keys, quotas, batches and results in its database
(a SQLite file by default, or PostgreSQL: postgres://...), and measures the
accepted reverse traceroutes through its backend. With no flags it serves on
127.0.0.1:8080 from ./revtr.db and measures nothing until a backend is
configured; --sim measures on an emulated Internet in memory (no privileges),
whose sources it authorizes. Make keys with 'revtr keys add'. See
docs/controller.md and deploy/ for the configuration file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := controllerConfig(cmd, configPath, listen, db, sim)
			if err != nil {
				return err
			}
			return runController(cmd, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&configPath, "config", "", "YAML configuration file (defaults: docs/controller.md)")
	f.StringVar(&listen, "listen", "", "API address (default 127.0.0.1:8080)")
	f.StringVar(&db, "db", "", "database: a path or sqlite:PATH, or postgres://... (default revtr.db)")
	f.BoolVar(&sim, "sim", false, "measure on the simulator (backend.kind: sim)")
	return cmd
}

// controllerConfig is the file's configuration (or the defaults) with the
// flags that were given over it.
func controllerConfig(cmd *cobra.Command, path, listen, db string, sim bool) (controller.Config, error) {
	cfg := controller.Default()
	if path != "" {
		var err error
		if cfg, err = controller.Load(path); err != nil {
			return cfg, err
		}
	}
	if cmd.Flags().Changed("listen") {
		cfg.Listen = listen
	}
	if cmd.Flags().Changed("db") {
		cfg.DB = db
	}
	if sim {
		cfg.Backend.Kind = "sim"
	}
	return cfg, cfg.Validate()
}

func runController(cmd *cobra.Command, cfg controller.Config) error {
	ctx := cmd.Context()
	log, err := newLogger(cfg)
	if err != nil {
		return err
	}
	b, err := controller.OpenBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	c, err := controller.New(ctx, cfg, st, b.Backend, reg, log)
	if err != nil {
		return err
	}
	if cfg.PprofListen != "" {
		if err := servePprof(ctx, cfg.PprofListen, "pprof_listen", log); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("controller: %w", err)
	}
	return c.Run(ctx, ln)
}

// newLogger is the configuration's logger, on stderr.
func newLogger(cfg controller.Config) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.Log.Level)); err != nil {
		return nil, fmt.Errorf("log.level %q: want debug, info, warn or error", cfg.Log.Level)
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(cfg.Log.Format, "json") {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
}

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/revtr/revtr/demo"
)

func newDemoCmd() *cobra.Command {
	var tf topoFlags
	var useSim, noServe bool
	cfg := demo.Config{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the reverse traceroute service on an emulated Internet, checked against ground truth",
		Long: `demo generates an Internet (ASes in tiers, valley-free routing, hot-potato
exits, ECMP, routers that do not stamp Record Route or never answer TTL
expiry), builds it in network namespaces, and runs the service on it:
'revtr responder' processes on the destinations that run two-host
responders; 'revtr controller' as a process of its own on SQLite with the
agents backend, the sources authorized and a credential made for every
source and vantage point; a 'revtr agent' process on each of them; an API
key; the agents' onboarding; the sources' atlases (atlas/run); reverse
traceroutes from every destination back to every source submitted through
the REST API. It prints a few like traceroute beside their forward
traceroutes, scores every one against the topology's ground truth, then
serves the API and the web UI until Ctrl-C (or SIGTERM), stops every
process and removes the lab. Without root it runs the controller on the
simulator instead. If the demo is killed, its processes stop by themselves
and 'revtr lab down --name NAME' removes the rest. See docs/demo.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.Revtrs < 0 || cfg.Show < 0 {
				return fmt.Errorf("--revtrs and --show must not be negative")
			}
			if cfg.DB != "" {
				if st, err := os.Stat(filepath.Dir(cfg.DB)); err != nil || !st.IsDir() {
					return fmt.Errorf("--db %s: its directory does not exist", cfg.DB)
				}
			}
			t, err := tf.generate()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "generated Internet (seed %d):\n%s\n", tf.seed, t.Summarize())
			if useSim || needRoot() != nil {
				if !useSim {
					fmt.Fprintln(w, "not root on Linux: no network namespaces; running the service on the simulator instead")
				}
				cfg.Lab = ""
			}
			cfg.Topology, cfg.Out, cfg.Serve, cfg.Progress = t, w, !noServe, terminal(cmd.ErrOrStderr())
			if cfg.Revtr, err = os.Executable(); err != nil {
				return fmt.Errorf("demo: the revtr binary to run the controller from: %w", err)
			}
			_, err = demo.Run(cmd.Context(), cfg)
			return err
		},
	}
	tf.add(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&cfg.Lab, "name", "demo", "name of the demo's lab (a lab of that name is replaced)")
	f.BoolVar(&useSim, "sim", false, "run on the simulator even as root")
	f.BoolVar(&noServe, "no-serve", false, "stop after the summary instead of serving the API and web UI")
	f.StringVar(&cfg.Listen, "listen", "", "the controller's address (default 127.0.0.1:8080, or a free port if it is taken)")
	f.StringVar(&cfg.DB, "db", "", "keep the controller's SQLite database in this file (default: a temporary one, removed)")
	f.IntVar(&cfg.Revtrs, "revtrs", 0, "reverse traceroutes to submit (default: every destination back to every source)")
	f.IntVar(&cfg.Show, "show", 4, "reverse traceroutes to print whole")
	return cmd
}

// terminal is w if it is a terminal (progress bars go there), else nil.
func terminal(w io.Writer) io.Writer {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return f
}

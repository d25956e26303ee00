package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/revtr/revtr/demo"
	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/twohost"
)

func newDemoCmd() *cobra.Command {
	var tf topoFlags
	var keep, useSim bool
	var name string
	var dsts int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Build an emulated Internet and measure across it, checked against ground truth",
		Long: `demo generates an Internet (ASes in tiers, valley-free routing, hot-potato
exits, ECMP, routers that do not stamp Record Route or never answer TTL
expiry), builds it in network namespaces, and measures across it with the
raw-socket prober: Paris traceroutes, Record Route pings, spoofed Record
Route pings from vantage points, and a multipath traceroute. Every answer is
checked against the topology's ground truth. Without root it runs the same
on the in-memory simulator.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := tf.generate()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "generated Internet (seed %d):\n%s\n", tf.seed, t.Summarize())
			cfg := demo.Config{Topology: t, Out: w, Destinations: dsts}
			if useSim || needRoot() != nil {
				if !useSim {
					fmt.Fprintln(w, "\nnot root on Linux: no network namespaces; running on the in-memory simulator instead")
				}
				return runDemoSim(cmd, cfg)
			}
			return runDemoLab(cmd, cfg, name, keep)
		},
	}
	tf.add(cmd.Flags())
	cmd.Flags().BoolVar(&keep, "keep", false, "leave the lab up afterwards (remove it with 'revtr lab down --name NAME')")
	cmd.Flags().StringVar(&name, "name", "demo", "name of the demo's lab (a lab of that name is replaced)")
	cmd.Flags().BoolVar(&useSim, "sim", false, "run on the in-memory simulator even as root")
	cmd.Flags().IntVar(&dsts, "dsts-measured", 6, "destinations to measure")
	return cmd
}

func runDemoSim(cmd *cobra.Command, cfg demo.Config) error {
	n, err := sim.New(cfg.Topology, sim.Config{})
	if err != nil {
		return err
	}
	cfg.Prober, cfg.Simulated, cfg.TwoHost = n, true, n
	_, err = demo.Run(cmd.Context(), cfg)
	return err
}

func runDemoLab(cmd *cobra.Command, cfg demo.Config, name string, keep bool) (err error) {
	w := cmd.OutOrStdout()
	if err := lab.Remove(name); err != nil && !errors.Is(err, lab.ErrNotFound) {
		return fmt.Errorf("remove the previous demo lab: %w", err)
	}
	start := time.Now()
	l, err := lab.Up(cmd.Context(), cfg.Topology, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nlab %q: %d namespaces built in %.1fs\n", name, len(cfg.Topology.Nodes), time.Since(start).Seconds())
	if !keep {
		defer func() {
			if derr := l.Down(); derr != nil && err == nil {
				err = derr
			}
		}()
	}
	g, err := eval.LabProbers(l, probe.Config{}) // 100 packets/s, as the reference agent
	if err != nil {
		return err
	}
	defer g.Close()
	th, err := eval.StartLabTwoHost(l, twohost.ResponderConfig{}, twohost.ClientConfig{})
	if err != nil {
		return err
	}
	defer th.Close()
	cfg.Prober, cfg.TwoHost = g, th
	_, err = demo.Run(cmd.Context(), cfg)
	return err
}

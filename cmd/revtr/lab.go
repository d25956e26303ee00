package main

import (
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/topo"
)

const defaultLabName = "lab"

func newLabCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Build an emulated Internet in network namespaces (needs root)",
		Long: `lab realises a generated topology with real Linux kernels: one network
namespace per router and host, veth links, valley-free routes, ECMP, and
router behaviours (routers that do not stamp Record Route, drop IP options or
never answer TTL expiry). Namespaces are named revtr-<lab>-<node>.`,
	}
	cmd.AddCommand(newLabUpCmd(), newLabDownCmd(), newLabStatusCmd(), newLabExecCmd(), newLabTruthCmd(), newLabEvalCmd())
	return cmd
}

func newLabUpCmd() *cobra.Command {
	var tf topoFlags
	var name string
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Generate a topology and build it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needRoot(); err != nil {
				return err
			}
			t, err := tf.generate()
			if err != nil {
				return err
			}
			start := time.Now()
			l, err := lab.Up(cmd.Context(), t, name)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "lab %q up in %.1fs\n%s\n", l.Name(), time.Since(start).Seconds(), t.Summarize())
			return nil
		},
	}
	tf.add(cmd.Flags())
	cmd.Flags().StringVar(&name, "name", defaultLabName, "lab name")
	return cmd
}

func newLabDownCmd() *cobra.Command {
	var name string
	var all bool
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Remove a lab (or every lab with --all), also after a crash",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needRoot(); err != nil {
				return err
			}
			if all {
				return lab.DownAll("")
			}
			return lab.Remove(name)
		},
	}
	cmd.Flags().StringVar(&name, "name", defaultLabName, "lab name")
	cmd.Flags().BoolVar(&all, "all", false, "remove every lab on this machine")
	return cmd
}

func newLabStatusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "List the labs on this machine",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needRoot(); err != nil {
				return err
			}
			labs, err := lab.Status()
			if err != nil {
				return err
			}
			if len(labs) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no labs")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tNAMESPACES\tROUTERS\tHOSTS\tCREATED\tCOMPLETE")
			for _, s := range labs {
				created := "-"
				if !s.Created.IsZero() {
					created = s.Created.Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%v\n", s.Name, s.Namespaces, s.Routers, s.Hosts, created, s.Complete)
			}
			return tw.Flush()
		},
	}
}

func newLabExecCmd() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "exec NODE -- CMD [ARGS...]",
		Short: "Run a command inside a node's network namespace",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needRoot(); err != nil {
				return err
			}
			l, err := lab.Open(name)
			if err != nil {
				return err
			}
			err = l.Exec(cmd.Context(), args[0], args[1:], lab.Stdio{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
			return exitStatus(err)
		},
	}
	cmd.Flags().StringVar(&name, "name", defaultLabName, "lab name")
	return cmd
}

func newLabTruthCmd() *cobra.Command {
	var name string
	cmd := newTruthCmd(func(*cobra.Command) (*topo.Topology, error) {
		l, err := lab.Open(name)
		if err != nil {
			return nil, err
		}
		return l.Topology(), nil
	})
	cmd.Flags().StringVar(&name, "name", defaultLabName, "lab name")
	return cmd
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/store"
)

func newAgentsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agents",
		Short: "Make, list and revoke agent credentials",
		Long: `agents manages the credentials agents authenticate with at the controller. A
credential is shown once, when it is made: the database keeps only its hash.
With --addrs, the agent may only claim those addresses.`,
	}
	cmd.AddCommand(newAgentsAddCmd(), newAgentsListCmd(), newAgentsRevokeCmd())
	return cmd
}

func newAgentsAddCmd() *cobra.Command {
	var db, name, addrs string
	cmd := &cobra.Command{
		Use:   "add --name N [--addrs IP[,IP...]]",
		Short: "Make an agent credential; it is printed alone on the last line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var as []netip.Addr
			for _, s := range strings.Split(addrs, ",") {
				if s = strings.TrimSpace(s); s == "" {
					continue
				}
				a, err := netip.ParseAddr(s)
				if err != nil {
					return fmt.Errorf("--addrs: %w", err)
				}
				as = append(as, a)
			}
			return withStore(cmd, db, func(st *store.Store) error {
				a, cred, err := st.AddAgent(cmd.Context(), name, as)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "agent %s (%d), addresses %s. Its credential (agent.credential) is shown this once:\n", a.Name, a.ID, orAny(addrs))
				fmt.Fprintln(out, cred)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&db, "db", defaultDB, "database: a path or sqlite:PATH, or postgres://...")
	f.StringVar(&name, "name", "", "the agent's name")
	f.StringVar(&addrs, "addrs", "", "the only addresses the agent may claim (default: any)")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func orAny(s string) string {
	if s == "" {
		return "any"
	}
	return s
}

func newAgentsListCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the agent credentials",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd, db, func(st *store.Store) error {
				as, err := st.AgentCreds(cmd.Context())
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "NAME\tADDRESSES\tCREATED\tREVOKED")
				for _, a := range as {
					addrs := "any"
					if len(a.Addrs) > 0 {
						addrs = fmt.Sprint(a.Addrs)
					}
					revoked := "-"
					if !a.Revoked.IsZero() {
						revoked = a.Revoked.UTC().Format(time.RFC3339)
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", a.Name, addrs, a.Created.UTC().Format(time.RFC3339), revoked)
				}
				return w.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&db, "db", defaultDB, "database: a path or sqlite:PATH, or postgres://...")
	return cmd
}

func newAgentsRevokeCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "revoke NAME",
		Short: "Revoke an agent's credential",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd, db, func(st *store.Store) error {
				if err := st.RevokeAgent(cmd.Context(), args[0]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "agent %s revoked\n", args[0])
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&db, "db", defaultDB, "database: a path or sqlite:PATH, or postgres://...")
	return cmd
}

func newSourcesShowCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "show IP",
		Short: "Show a source: its authorization, onboarding report and atlas",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := netip.ParseAddr(args[0])
			if err != nil {
				return err
			}
			return withStore(cmd, db, func(st *store.Store) error {
				return showSource(cmd, st, a)
			})
		},
	}
	cmd.Flags().StringVar(&db, "db", defaultDB, "database: a path or sqlite:PATH, or postgres://...")
	return cmd
}

// showSource prints what the store knows of source a.
func showSource(cmd *cobra.Command, st *store.Store, a netip.Addr) error {
	out := cmd.OutOrStdout()
	src, err := st.Source(cmd.Context(), a)
	switch {
	case err == nil:
		fmt.Fprintf(out, "source %v: authorized since %s (host name %q, site %q)\n", a, src.Added.UTC().Format(time.RFC3339), src.Hostname, src.Site)
	case err == store.ErrNotFound:
		fmt.Fprintf(out, "source %v: not authorized ('revtr sources add %v')\n", a, a)
	default:
		return err
	}
	o, err := st.OnboardingOf(cmd.Context(), a, "source")
	switch {
	case err == store.ErrNotFound:
		fmt.Fprintln(out, "onboarding: not tested yet (its agent has not connected while it was authorized)")
	case err != nil:
		return err
	default:
		var r controller.Report
		if err := json.Unmarshal(o.Report, &r); err != nil {
			return err
		}
		printReport(out, r)
	}
	at, err := st.AtlasOf(cmd.Context(), a)
	switch {
	case err == store.ErrNotFound:
		fmt.Fprintln(out, "atlas: none (POST /api/v1/atlas/run builds it)")
	case err != nil:
		return err
	default:
		fmt.Fprintf(out, "atlas: %s (%s), requested %s", at.State, at.Provider, at.Requested.UTC().Format(time.RFC3339))
		if !at.Finished.IsZero() {
			fmt.Fprintf(out, ", finished %s", at.Finished.UTC().Format(time.RFC3339))
		}
		if at.Error != "" {
			fmt.Fprintf(out, ", error: %s", at.Error)
		}
		if at.Paths != nil && at.State != store.AtlasDone {
			fmt.Fprintf(out, "; holds the paths of the last build that succeeded (%s)", at.PathsProvider)
		}
		fmt.Fprintln(out)
	}
	return nil
}

// printReport prints an onboarding report for people.
func printReport(w io.Writer, r controller.Report) {
	verdict := "PASSED: usable"
	if !r.Passed {
		verdict = "FAILED: not usable"
	}
	fmt.Fprintf(w, "onboarding (%s, agent %s, tested %s): %s\n", r.Role, r.Agent, r.Tested.UTC().Format(time.RFC3339), verdict)
	for _, c := range r.Checks {
		mark := "ok  "
		if !c.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s %-22s %s\n", mark, c.Name, c.Detail)
	}
	if r.Quarantine != "" {
		fmt.Fprintf(w, "  quarantined: %s\n", r.Quarantine)
	}
}

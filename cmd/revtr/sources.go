package main

import (
	"fmt"
	"net/netip"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/revtr/revtr/store"
)

func newSourcesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sources",
		Short: "Authorize sources: the addresses reverse paths may be measured toward",
	}
	cmd.AddCommand(newSourcesAddCmd(), newSourcesListCmd(), newSourcesRemoveCmd(), newSourcesShowCmd())
	return cmd
}

func newSourcesAddCmd() *cobra.Command {
	var db, site, hostname string
	cmd := &cobra.Command{
		Use:   "add IP [--site S] [--hostname H]",
		Short: "Authorize a source (or update its site and host name)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := netip.ParseAddr(args[0])
			if err != nil {
				return err
			}
			return withStore(cmd, db, func(st *store.Store) error {
				if err := st.AddSource(cmd.Context(), store.Source{Addr: a, Site: site, Hostname: hostname}); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "source %v authorized\n", a)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&db, "db", defaultDB, "database: a path or sqlite:PATH, or postgres://...")
	f.StringVar(&site, "site", "", "the source's site")
	f.StringVar(&hostname, "hostname", "", "the source's host name")
	return cmd
}

func newSourcesListCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the authorized sources",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd, db, func(st *store.Store) error {
				ss, err := st.Sources(cmd.Context())
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "IP\tHOSTNAME\tSITE\tADDED")
				for _, s := range ss {
					fmt.Fprintf(w, "%v\t%s\t%s\t%s\n", s.Addr, s.Hostname, s.Site, s.Added.UTC().Format(time.RFC3339))
				}
				return w.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&db, "db", defaultDB, "database: a path or sqlite:PATH, or postgres://...")
	return cmd
}

func newSourcesRemoveCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "remove IP",
		Short: "Withdraw a source's authorization",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := netip.ParseAddr(args[0])
			if err != nil {
				return err
			}
			return withStore(cmd, db, func(st *store.Store) error {
				if err := st.RemoveSource(cmd.Context(), a); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "source %v removed\n", a)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&db, "db", defaultDB, "database: a path or sqlite:PATH, or postgres://...")
	return cmd
}

// withStore opens the database at db for the command, runs f on it and
// closes it.
func withStore(cmd *cobra.Command, db string, f func(*store.Store) error) error {
	st, err := store.Open(cmd.Context(), db)
	if err != nil {
		return err
	}
	defer st.Close()
	return f(st)
}

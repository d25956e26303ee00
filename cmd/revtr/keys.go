package main

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/revtr/revtr/store"
)

// defaultDB is the controller's default database.
const defaultDB = "revtr.db"

func newKeysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Make, list and revoke API keys",
		Long: `keys manages the controller's API keys. A key is shown once, when it is
made: the database keeps only its hash. Each key measures only toward its own
sources (which must be authorized: 'revtr sources add'), within its quotas of
reverse traceroutes per UTC day and in parallel.`,
	}
	cmd.AddCommand(newKeysAddCmd(), newKeysListCmd(), newKeysRevokeCmd())
	return cmd
}

func newKeysAddCmd() *cobra.Command {
	var db, name, email, sources string
	var perDay, parallel int
	cmd := &cobra.Command{
		Use:   "add --name N [--email E] --sources IP[,IP...] [--per-day N] [--parallel N]",
		Short: "Make a key; it is printed alone on the last line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			srcs, err := parseAddrs(sources)
			if err != nil {
				return err
			}
			return withStore(cmd, db, func(st *store.Store) error {
				u, key, err := st.AddUser(cmd.Context(), store.NewUser{Name: name, Email: email, Sources: srcs, PerDay: perDay, Parallel: parallel})
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "key %d (%s) for %s: sources %s; %d per day, %d in parallel. It is shown this once:\n",
					u.ID, u.KeyID, u.Name, sources, u.PerDay, u.Parallel)
				fmt.Fprintln(out, key)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&db, "db", defaultDB, "database: a path or sqlite:PATH, or postgres://...")
	f.StringVar(&name, "name", "", "who the key is for (required)")
	f.StringVar(&email, "email", "", "their e-mail address")
	f.StringVar(&sources, "sources", "", "the sources the key may measure toward, comma separated (required)")
	f.IntVar(&perDay, "per-day", 10_000, "reverse traceroutes accepted per UTC day")
	f.IntVar(&parallel, "parallel", 1_000, "reverse traceroutes accepted and unfinished at once")
	return cmd
}

// parseAddrs parses a comma-separated list of addresses.
func parseAddrs(s string) ([]netip.Addr, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("--sources is required: the addresses the key may measure toward")
	}
	var out []netip.Addr
	for _, f := range strings.Split(s, ",") {
		a, err := netip.ParseAddr(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("--sources: %w", err)
		}
		out = append(out, a)
	}
	return out, nil
}

func newKeysListCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the keys (their holders, quotas and use; never the keys)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd, db, func(st *store.Store) error {
				us, err := st.Users(cmd.Context())
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tKEY ID\tNAME\tEMAIL\tSOURCES\tPER DAY\tTODAY\tPARALLEL\tIN FLIGHT\tCREATED\tREVOKED")
				for _, u := range us {
					revoked := "-"
					if !u.Active() {
						revoked = u.Revoked.UTC().Format(time.RFC3339)
					}
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", u.ID, u.KeyID, u.Name, u.Email, joinAddrs(u.Sources),
						u.PerDay, u.RunToday, u.Parallel, u.InFlight, u.Created.UTC().Format(time.RFC3339), revoked)
				}
				return w.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&db, "db", defaultDB, "database: a path or sqlite:PATH, or postgres://...")
	return cmd
}

func joinAddrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ",")
}

func newKeysRevokeCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a key for good (its ID from 'keys list')",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("key ID %q: want the number 'revtr keys list' shows", args[0])
			}
			return withStore(cmd, db, func(st *store.Store) error {
				if err := st.RevokeUser(cmd.Context(), id); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "key %d revoked\n", id)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&db, "db", defaultDB, "database: a path or sqlite:PATH, or postgres://...")
	return cmd
}

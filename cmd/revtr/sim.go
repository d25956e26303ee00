package main

import (
	"fmt"
	"net/netip"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

func newSimCmd() *cobra.Command {
	var tf topoFlags
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Measure on a generated Internet simulated in memory (no root needed)",
		Long: `sim generates the same seeded topology 'lab up' builds and answers
measurements in memory, as the lab's Linux kernels would, with a virtual
clock. It needs no privileges. Every subcommand regenerates the topology from
the flags, so the same flags always give the same Internet.`,
	}
	tf.add(cmd.PersistentFlags())
	gen := func(cmd *cobra.Command) (*topo.Topology, error) {
		return tf.generate()
	}
	open := func(cmd *cobra.Command, req openRequest) (*session, error) {
		t, err := gen(cmd)
		if err != nil {
			return nil, err
		}
		return openSim(t, req.from)
	}
	cmd.AddCommand(newSimSummaryCmd(gen), newSimHostsCmd(gen), newTruthCmd(gen),
		newPingCmd(open), newTracerouteCmd(open, false), newSimEvalCmd(gen))
	return cmd
}

// openSim opens a simulator session sending from the host named from.
func openSim(t *topo.Topology, from string) (*session, error) {
	if from == "" {
		return nil, fmt.Errorf("--from is required: name the sending host (see 'revtr sim hosts')")
	}
	src, err := resolveHost(t, from)
	if err != nil {
		return nil, err
	}
	n, err := sim.New(t, sim.Config{})
	if err != nil {
		return nil, err
	}
	return &session{
		p:           n,
		addrs:       []netip.Addr{t.HostAddr(src.ID, false), t.HostAddr(src.ID, true)},
		resolve:     nodeResolver(t),
		openTwoHost: func() (twoHostProber, func() error, error) { return n, func() error { return nil }, nil },
	}, nil
}

// nodeResolver resolves targets given as node names or address literals;
// with -6 a node name stands for the node's IPv6 address (a host's, or a
// router's first interface's), without it for its IPv4 one. A literal of
// the other family than -4 or -6 asks for is refused, as traceroute(8)
// refuses it.
func nodeResolver(t *topo.Topology) func(string, family) (netip.Addr, error) {
	return func(s string, fam family) (netip.Addr, error) {
		if n, ok := t.Node(s); ok {
			return t.IfaceAddr(topo.Endpoint{Node: n.ID}, fam == ipv6), nil
		}
		return parseAddr(s, fam)
	}
}

type topoGen func(cmd *cobra.Command) (*topo.Topology, error)

func newSimSummaryCmd(gen topoGen) *cobra.Command {
	return &cobra.Command{
		Use:   "summary",
		Short: "Describe the generated topology",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := gen(cmd)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), t.Summarize())
			return nil
		},
	}
}

func newSimHostsCmd(gen topoGen) *cobra.Command {
	return &cobra.Command{
		Use:   "hosts",
		Short: "List the hosts of the generated topology with their roles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := gen(cmd)
			if err != nil {
				return err
			}
			return printHosts(cmd, t)
		},
	}
}

// printHosts lists every host with its addresses, AS and roles.
func printHosts(cmd *cobra.Command, t *topo.Topology) error {
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tADDRESS\tIPV6\tAS\tROLES")
	for _, id := range t.Hosts() {
		n := &t.Nodes[id]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", n.Name, t.HostAddr(id, false), t.HostAddr(id, true), n.AS, roles(n.Role))
	}
	return tw.Flush()
}

func roles(r topo.HostRole) string {
	s := ""
	add := func(ok bool, name string) {
		if ok {
			if s != "" {
				s += ","
			}
			s += name
		}
	}
	add(r.Source, "source")
	add(r.VantagePoint, "vp")
	add(r.CanSpoof, "spoofs")
	add(r.Destination, "destination")
	add(r.NoEcho, "no-echo")
	add(r.DropOptions, "drops-options")
	add(r.Responder, "responder")
	return s
}

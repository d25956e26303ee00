package main

import (
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/spf13/cobra"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// resolveHost finds a host of t by node name or by one of its addresses.
func resolveHost(t *topo.Topology, s string) (*topo.Node, error) {
	if n, ok := t.Node(s); ok {
		return hostOnly(n)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return nil, fmt.Errorf("%q is neither a node name nor an address of this topology", s)
	}
	ep, ok := t.Owner(a)
	if !ok {
		return nil, fmt.Errorf("%s is not an address of this topology", a)
	}
	return hostOnly(&t.Nodes[ep.Node])
}

func hostOnly(n *topo.Node) (*topo.Node, error) {
	if n.Kind != topo.Host {
		return nil, fmt.Errorf("%s is a router; name a host (ground truth is between hosts)", n.Name)
	}
	return n, nil
}

// newTruthCmd is 'truth SRC DST' over the topology gen returns.
func newTruthCmd(gen topoGen) *cobra.Command {
	var tf truthFlags
	cmd := &cobra.Command{
		Use:   "truth SRC DST",
		Short: "Print the true forward and reverse paths between two hosts",
		Long: `truth prints the path the probes of a flow take from SRC to DST, as a
traceroute from SRC with the same -P, --flow and -6 shows it, and the path
back (the same protocol, ports swapped). --src-port names the probes'
source port: a two-host responder on SRC sends from 1021.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := gen(cmd)
			if err != nil {
				return err
			}
			k, err := tf.hostsFlowKey(t, args[0], args[1])
			if err != nil {
				return err
			}
			return printTruth(cmd.OutOrStdout(), t, k, tf.v6)
		},
	}
	tf.add(cmd.Flags())
	cmd.Flags().Uint16Var(&tf.srcPort, "src-port", 0, "UDP/TCP source port of the probes (0: 33456, a prober's)")
	return cmd
}

// truthFlags select the flow whose ground truth is shown.
type truthFlags struct {
	flowFlags
	srcPort uint16
}

// hostsFlowKey is the key of the forward flow between the hosts named src
// and dst (names or addresses).
func (f truthFlags) hostsFlowKey(t *topo.Topology, srcName, dstName string) (topo.FlowKey, error) {
	src, err := resolveHost(t, srcName)
	if err != nil {
		return topo.FlowKey{}, err
	}
	dst, err := resolveHost(t, dstName)
	if err != nil {
		return topo.FlowKey{}, err
	}
	fl, err := f.flow()
	if err != nil {
		return topo.FlowKey{}, err
	}
	if fl.Proto != meas.ICMP {
		fl.SrcPort = f.srcPort
	}
	if fl, err = fl.Normalize(); err != nil {
		return topo.FlowKey{}, err
	}
	return topo.FlowKey{Src: t.HostAddr(src.ID, f.v6), Dst: t.HostAddr(dst.ID, f.v6), Flow: fl}, nil
}

// printTruth writes the true forward and reverse paths of flow k.
func printTruth(w io.Writer, t *topo.Topology, k topo.FlowKey, v6 bool) error {
	fwd, err := t.FlowPath(k)
	if err != nil {
		return fmt.Errorf("forward path: %w", err)
	}
	rev, err := t.ReversePath(k)
	if err != nil {
		return fmt.Errorf("reverse path: %w", err)
	}
	fmt.Fprintf(w, "forward %s -> %s, %v (IP protocol %d)\n", k.Src, k.Dst, k.Flow, k.Flow.Proto.Number(v6))
	printPath(w, t, fwd, v6)
	fmt.Fprintf(w, "reverse %s -> %s, %v\n", k.Dst, k.Src, k.Reverse().Flow)
	printPath(w, t, rev, v6)
	return nil
}

// printPath writes one line per hop: the address traceroute shows, the node,
// its AS, and whether it stamps Record Route, then the AS path.
func printPath(w io.Writer, t *topo.Topology, p topo.Path, v6 bool) {
	addrs := t.TraceAddrs(p, v6)
	for i, a := range addrs {
		n := t.Nodes[p[i+1].Node]
		var notes []string
		if n.Behaviour.NoRRStamp {
			notes = append(notes, "no-rr-stamp")
		}
		if n.Behaviour.DropOptions {
			notes = append(notes, "drops-options")
		}
		if n.Behaviour.NoTimeExceeded {
			notes = append(notes, "no-ttl-exceeded")
		}
		if t.Interdomain(p, i) {
			notes = append(notes, "entered-interdomain")
		}
		fmt.Fprintf(w, "  %2d  %-16s %-6s AS%-6d %s\n", i+1, a, n.Name, n.AS, strings.Join(notes, " "))
	}
	var as []string
	for _, a := range t.ASPath(p) {
		as = append(as, fmt.Sprintf("AS%d", a))
	}
	fmt.Fprintf(w, "  AS path: %s\n", strings.Join(as, " "))
	if !v6 {
		fmt.Fprintf(w, "  RR stamps of routers: %v\n", t.RRAddrs(p))
	}
}

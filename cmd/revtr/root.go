package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/revtr/revtr/lab"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "revtr",
		Short: "Measure reverse paths: the route from a remote host back to you",
		Long: `revtr measures the path packets take from a remote host back to you,
with IP Record Route, spoofed Record Route from vantage points, a traceroute
atlas and, where the remote host runs a responder, the two-host protocol.
It also builds an emulated Internet in network namespaces (lab) or in memory
(sim), with ground truth, to measure how right the answers are.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newLabCmd(), newSimCmd(), newHostPingCmd(), newHostTracerouteCmd(), newResponderCmd(), newDemoCmd())
	root.AddCommand(newControllerCmd(), newKeysCmd(), newSourcesCmd(), newAgentCmd(), newAgentsCmd())
	root.AddCommand(newAugsburgCmd())
	return root
}

// errNeedRoot is returned by commands that open raw sockets or network
// namespaces when not run as root.
var errNeedRoot = errors.New("this command needs root (raw sockets and network namespaces); run it with sudo, or use 'revtr sim' which needs no privileges")

// errNeedLinux is returned by those commands off Linux; it wraps
// lab.ErrNotSupported.
var errNeedLinux = fmt.Errorf("this command needs Linux (raw sockets and network namespaces); use 'revtr sim', which runs anywhere: %w", lab.ErrNotSupported)

// needRoot fails unless the process runs as root on Linux.
func needRoot() error {
	if runtime.GOOS != "linux" {
		return errNeedLinux
	}
	if os.Geteuid() != 0 {
		return errNeedRoot
	}
	return nil
}

package twohost_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/twohost"
)

// A responder on eth0 with the reference defaults and a minimum request
// size that rules out amplification, its metrics on a registry of the
// caller's (serve it with promhttp), until interrupted.
func ExampleServe() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	reg := prometheus.NewRegistry()
	err := twohost.Serve(ctx, twohost.ResponderConfig{Interface: "eth0", MinRequestLen: 36,
		Registry: reg, Logger: slog.Default()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}

// The reverse path from a responder back to us, hop by hop.
func ExampleClient_TwoHostTrace() {
	c, err := twohost.NewClient(twohost.ClientConfig{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer c.Close()
	ctx := context.Background()
	p, err := c.TwoHostTrace(ctx, meas.TwoHostRequest{Dst: netip.MustParseAddr("198.18.0.1"), Flow: meas.Flow{Proto: meas.UDP}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // e.g. "no two-host responder"
		return
	}
	for _, h := range p.Hops {
		fmt.Println(h.TTL, h.Addr, h.RTT)
	}
}

package sim_test

import (
	"context"
	"fmt"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo/topotest"
)

// A Record Route ping across a chain h0–r0–r1–r2–h1: three routers stamp
// on the way out, the destination twice, three routers on the way back and
// the source on receipt.
func ExampleNetwork_RecordRoute() {
	tp, err := topotest.Chain(3)
	if err != nil {
		fmt.Println(err)
		return
	}
	n, err := sim.New(tp, sim.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	h0, _ := tp.Node("h0")
	h1, _ := tp.Node("h1")
	res, err := n.RecordRoute(context.Background(), meas.RRRequest{
		Src: tp.HostAddr(h0.ID, false),
		Dst: tp.HostAddr(h1.ID, false),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("forward:", res.Forward)
	fmt.Println("reverse:", res.Reverse)
	fmt.Println("rtt:", res.RTT, "virtual time:", n.Clock.Elapsed())
	fmt.Printf("probes: %+v\n", n.Counts())
	// Output:
	// forward: [10.0.0.0 10.0.0.2 10.0.0.6]
	// reverse: [10.0.0.3 10.0.0.1 10.0.0.4 10.0.0.5]
	// rtt: 4.4ms virtual time: 4.4ms
	// probes: {Ping:0 RR:1 SpoofedRR:0 Trace:0 Multipath:0 TwoHost:0 RateLimited:0 Late:0}
}

// Traceroutes of two UDP flows through the ECMP diamonds of topotest.Diamond
// take different branches (Paris traceroute keeps each on one).
func ExampleNetwork_Traceroute() {
	tp, err := topotest.Diamond()
	if err != nil {
		fmt.Println(err)
		return
	}
	n, err := sim.New(tp, sim.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	h0, _ := tp.Node("h0")
	h1, _ := tp.Node("h1")
	for _, id := range []uint16{40000, 40001} {
		tr, err := n.Traceroute(context.Background(), meas.TraceRequest{
			Src:  tp.HostAddr(h0.ID, false),
			Dst:  tp.HostAddr(h1.ID, false),
			Flow: meas.Flow{Proto: meas.UDP, ID: id},
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(id, tr.Stop, tr.Path())
	}
	// Output:
	// 40000 COMPLETED [10.0.0.22 10.0.0.1 10.0.0.7 10.0.0.9 10.0.0.11 10.0.0.13 10.0.0.25]
	// 40001 COMPLETED [10.0.0.22 10.0.0.1 10.0.0.3 10.0.0.5 10.0.0.15 10.0.0.17 10.0.0.25]
}

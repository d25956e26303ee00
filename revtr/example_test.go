package revtr_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

// ExampleEngine_Run measures the reverse path across a three-router chain
// on the simulator: the source's own Record Route ping reveals it all.
func ExampleEngine_Run() {
	tp, _ := topotest.Chain(3)
	n, _ := sim.New(tp, sim.Config{})
	src, dst := tp.HostAddr(tp.Hosts()[0], false), tp.HostAddr(tp.Hosts()[1], false)
	e, err := revtr.New(revtr.Config{Prober: n, Sources: []netip.Addr{src}, Allow: topo.ReservedPrefixes()})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := e.Run(context.Background(), revtr.Request{Src: src, Dst: dst})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Stop)
	for i, h := range res.Hops {
		fmt.Println(i, h.Addr, h.Type)
	}
	// Output:
	// REACHES
	// 0 10.0.0.7 dst
	// 1 10.0.0.3 rr
	// 2 10.0.0.1 rr
	// 3 10.0.0.4 rr
	// 4 10.0.0.5 rr
}

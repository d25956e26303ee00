package topo_test

import (
	"fmt"
	"os"

	"github.com/revtr/revtr/topo"
)

// Two ASes, a provider and its customer, with a host in each. The
// customer's border router answers traceroute from 10.0.0.3, an address of
// the inter-AS link numbered from the provider's prefix: IP-to-AS mapping
// puts it in the wrong AS, as it would on the Internet.
func ExampleBuilder() {
	b := topo.NewBuilder(1)
	b.AddAS(64512, 1)
	b.AddAS(64513, 2)
	b.Provider(64512, 64513)
	p0, p1 := b.AddRouter(64512), b.AddRouter(64512)
	c0 := b.AddRouter(64513)
	b.Link(p0, p1)
	b.Link(p1, c0)
	src := b.AddHost(p0, topo.HostRole{Source: true})
	dst := b.AddHost(c0, topo.HostRole{Destination: true})
	tp, err := b.Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	k := topo.FlowKey{Src: tp.HostAddr(src, false), Dst: tp.HostAddr(dst, false)}
	p, err := tp.FlowPath(k)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("AS path:", tp.ASPath(p))
	fmt.Println("traceroute:", tp.TraceAddrs(p, false))
	fmt.Println("record route:", tp.RRAddrs(p))
	if err := tp.WritePfx2AS(os.Stdout, false); err != nil {
		fmt.Println(err)
	}
	// Output:
	// AS path: [64512 64513]
	// traceroute: [10.0.0.4 10.0.0.1 10.0.0.3 10.0.1.1]
	// record route: [10.0.0.0 10.0.0.2 10.0.1.0]
	// 10.0.0.0	24	64512
	// 10.0.1.0	24	64513
}

package probe_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
)

// A vantage point's prober may spoof the source's address; the source's
// prober receives and matches the reply. A Group dispatches a spoofed
// Record Route request to both.
func ExampleGroup() {
	l, err := lab.Open("demo") // a lab brought up earlier
	if err != nil {
		fmt.Println(err)
		return
	}
	src, _ := l.Addr("h0")
	vp, _ := l.Addr("h2")
	dst, _ := l.Addr("h1")
	g := probe.NewGroup()
	defer g.Close()
	for node, allow := range map[string][]netip.Addr{"h0": nil, "h2": {src}} {
		err := l.Do(node, func() error { // sockets stay in node's namespace
			p, err := probe.New(probe.Config{AllowSpoof: allow})
			if err != nil {
				return err
			}
			return g.Add(p)
		})
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	rr, err := g.RecordRoute(context.Background(), meas.RRRequest{Src: src, Dst: dst, Sender: vp})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("reverse hops:", rr.Reverse)
}

package twohost_test

import (
	"context"
	"testing"

	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
)

// TestTransit runs a responder on the router in front of a client: it
// answers requests for its own address and lets requests for the host
// behind it pass untouched (that host, without a responder, echoes them).
func TestTransit(t *testing.T) {
	tp, err := topotest.Chain(2)
	l := upLab(t, tp, err)
	r0, _ := tp.Node("r0")
	h0, _ := tp.Node("h0")
	var iface topo.Iface
	for _, ifc := range r0.Ifaces {
		if ifc.Peer.Node == h0.ID {
			iface = ifc
		}
	}
	r := startResponder(t, l, "r0", twohost.ResponderConfig{Interface: iface.Name})
	c := newClient(t, l, "h0", fastClient())
	for _, v6 := range []bool{false, true} {
		own := iface.Addr.Addr()
		if v6 {
			own = iface.Addr6.Addr()
		}
		if p, err := c.Check(context.Background(), own); p != twohost.Running || err != nil {
			t.Errorf("v6=%v router's own address: %v, %v", v6, p, err)
		}
		if p, err := c.Check(context.Background(), hostAddr(t, tp, "h1", v6)); p != twohost.NotRunning || err != nil {
			t.Errorf("v6=%v host behind the router: %v, %v; want its own echo", v6, p, err)
		}
	}
	if st := r.Stats(); st.Requests != 2 {
		t.Errorf("router's responder took %d requests, want its own 2", st.Requests)
	}
}

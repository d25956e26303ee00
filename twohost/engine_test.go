package twohost_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
)

// TestEngineAdapter checks the engine's view: the hops after the
// destination, ending at the source, and ErrNoResponder for a plain host.
func TestEngineAdapter(t *testing.T) {
	tp, err := topotest.MultiAS()
	l := upLab(t, tp, err)
	startResponder(t, l, "h1", twohost.ResponderConfig{})
	src, dst, plain := hostAddr(t, tp, "h0", false), hostAddr(t, tp, "h1", false), hostAddr(t, tp, "h3", false)
	e := twohost.Engine{Clients: map[netip.Addr]*twohost.Client{src: newClient(t, l, "h0", fastClient())},
		Trace: twohost.TraceConfig{Proto: meas.UDP, Flow: 33434}}
	p, err := e.ReversePath(context.Background(), src, dst)
	want := truthTrace(t, tp, dst, src, twohost.ReverseFlow(meas.UDP, 33434))
	if err != nil || !slices.Equal(p.Hops, want) || p.Probes < len(want) {
		t.Errorf("engine path %v (%d probes), %v; want %v", p.Hops, p.Probes, err, want)
	}
	if _, err := e.ReversePath(context.Background(), src, plain); !errors.Is(err, revtr.ErrNoResponder) {
		t.Errorf("plain host: %v, want revtr.ErrNoResponder", err)
	}
}

package twohost_test

import (
	"context"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/twohost"
)

// TestGeneratedResponders runs a responder on every host a generated
// Internet marks HostRole.Responder and measures the reverse path from
// each back to every source, IPv4 and IPv6. Each TTL must show the
// ground truth's router, except routers that send no time exceeded (a
// silent hop, reported as such) and rate-limited ones (the truth or
// silent).
func TestGeneratedResponders(t *testing.T) {
	tp, err := topo.Generate(4, topo.DefaultParams())
	l := upLab(t, tp, err)
	var srcs, resps []*topo.Node
	for i := range tp.Nodes {
		n := &tp.Nodes[i]
		switch {
		case n.Kind != topo.Host:
		case n.Role.Source:
			srcs = append(srcs, n)
		case n.Role.Responder:
			resps = append(resps, n)
		}
	}
	if len(srcs) == 0 || len(resps) == 0 {
		t.Fatalf("%d sources, %d responders", len(srcs), len(resps))
	}
	for _, r := range resps {
		startResponder(t, l, r.Name, twohost.ResponderConfig{})
	}
	exact, silent, limited := 0, 0, 0
	for _, s := range srcs {
		c := newClient(t, l, s.Name, fastClient())
		for _, r := range resps {
			for _, v6 := range []bool{false, true} {
				e, sl, lim := checkGenerated(t, tp, c, r, s, v6)
				exact, silent, limited = exact+e, silent+sl, limited+lim
			}
		}
	}
	t.Logf("%d sources x %d responders x 2 families: %d hops exact, %d silent as the truth says, %d rate-limited",
		len(srcs), len(resps), exact, silent, limited)
	if exact == 0 {
		t.Error("no hop compared")
	}
}

// checkGenerated measures one reverse path and compares it hop by hop.
func checkGenerated(t *testing.T, tp *topo.Topology, c *twohost.Client, resp, src *topo.Node, v6 bool) (exact, silent, limited int) {
	t.Helper()
	target, client := tp.HostAddr(resp.ID, v6), tp.HostAddr(src.ID, v6)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := c.TwoHostTrace(ctx, meas.TwoHostRequest{Dst: target, Flow: meas.Flow{Proto: meas.UDP, ID: 33500}, Queries: 2, GapLimit: 6})
	if err != nil {
		t.Errorf("%s -> %s v6=%v: %v", resp.Name, src.Name, v6, err)
		return
	}
	path, err := tp.FlowPath(topo.FlowKey{Src: target, Dst: client, Flow: p.Flow})
	if err != nil {
		t.Fatal(err)
	}
	want := tp.TraceAddrs(path, v6)
	if len(p.Hops) != len(want) || p.Stop != meas.StopCompleted {
		t.Errorf("%s -> %s v6=%v: %d hops (stop %v), truth %d: %v vs %v", resp.Name, src.Name, v6, len(p.Hops), p.Stop, len(want), p.Path(), want)
		return
	}
	for i, h := range p.Hops {
		n := tp.Nodes[path[i+1].Node]
		switch {
		case n.Kind == topo.Router && n.Behaviour.NoTimeExceeded:
			if h.Addr.IsValid() {
				t.Errorf("%s -> %s v6=%v TTL %d: %v answered, the truth says silent", resp.Name, src.Name, v6, h.TTL, h.Addr)
			}
			silent++
		case n.Kind == topo.Router && n.Behaviour.ICMPRateLimitMS > 0 && !h.Addr.IsValid():
			limited++
		case h.Addr != want[i]:
			t.Errorf("%s -> %s v6=%v TTL %d: %v, truth %v", resp.Name, src.Name, v6, h.TTL, h.Addr, want[i])
		default:
			exact++
		}
	}
	return exact, silent, limited
}

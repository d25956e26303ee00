package twohost_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
	"github.com/revtr/revtr/wire"
)

// TestIndirect asks responders, with requests of the newer revision, for
// the path from them to a third host (h2), both families: a responder
// with indirect tracing on traces it exactly (the truth of the probes'
// flow), one with it off (the default) and one whose IndirectAllow leaves
// the client out refuse it with the object's class and type, and count it.
func TestIndirect(t *testing.T) {
	tp, err := topotest.MultiAS()
	inWorlds(t, tp, err, func(t *testing.T, w world) { indirect(t, w, tp) })
}

func indirect(t *testing.T, w world, tp *topo.Topology) {
	on := w.responder(t, "h1", twohost.ResponderConfig{Indirect: true})
	off := w.responder(t, "h3", twohost.ResponderConfig{})
	other := netip.MustParsePrefix("198.18.0.0/15")
	picky := w.responder(t, "h2", twohost.ResponderConfig{Indirect: true, IndirectAllow: []netip.Prefix{other}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, v6 := range []bool{false, true} {
		target := hostAddr(t, tp, "h2", v6)
		cfg := fastClient()
		cfg.ForwardTo = target
		c := w.client(t, "h0", cfg)
		flow := meas.Flow{Proto: meas.UDP, ID: 40000}
		resp := hostAddr(t, tp, "h1", v6)
		tr, err := c.TwoHostTrace(ctx, meas.TwoHostRequest{Dst: resp, Flow: flow})
		want := truthTrace(t, tp, resp, target, meas.Flow{Proto: meas.UDP, ID: 40000, SrcPort: meas.TwoHostSrcPort})
		if err != nil || tr.Dst != target || tr.Stop != meas.StopCompleted || !slices.Equal(tr.Path(), want) {
			t.Errorf("v6=%v indirect h1 -> h2: %v, to %v, %v, path %v; truth %v", v6, err, tr.Dst, tr.Stop, tr.Path(), want)
		}
		for name, r := range map[string]netip.Addr{"off": hostAddr(t, tp, "h3", v6), "not allowed": hostAddr(t, tp, "h2", v6)} {
			if name == "not allowed" {
				cfg.ForwardTo = hostAddr(t, tp, "h3", v6)
				c = w.client(t, "h0", cfg)
			}
			_, err := c.TwoHostTrace(ctx, meas.TwoHostRequest{Dst: r, Flow: flow})
			if !errors.Is(err, twohost.ErrUnsupported) {
				t.Errorf("v6=%v %s: %v, want ErrUnsupported", v6, name, err)
			}
		}
	}
	if s := on.Stats(); s.Refused[twohost.ReasonIndirect] != 0 || s.Answers[wire.StateSuccess] == 0 {
		t.Errorf("indirect responder: refused %v, answers %v", s.Refused, s.Answers)
	}
	for name, r := range map[string]*twohost.Responder{"off": off, "not allowed": picky} {
		if s := r.Stats(); s.Refused[twohost.ReasonIndirect] < 2 || s.Probes != 0 {
			t.Errorf("%s: refused %v, %d probes; want indirect refusals (the TTLs in flight), no probe", name, s.Refused, s.Probes)
		}
	}
}

// TestAntiAmplification traces from a responder that requires requests
// as long as its answers (the reference's newer revision): a client
// sending the current 12-byte requests is refused once, pads from then
// on, and gets the path; a responder in its default mode still serves
// 12-byte requests.
func TestAntiAmplification(t *testing.T) {
	tp, err := topotest.Chain(2)
	inWorlds(t, tp, err, func(t *testing.T, w world) { antiAmplification(t, w, tp) })
}

func antiAmplification(t *testing.T, w world, tp *topo.Topology) {
	strict := w.responder(t, "h1", twohost.ResponderConfig{MinRequestLen: wire.TwoHostSuccessLen})
	c := w.client(t, "h0", fastClient())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, v6 := range []bool{false, true} {
		tr, err := c.TwoHostTrace(ctx, meas.TwoHostRequest{Dst: hostAddr(t, tp, "h1", v6), Flow: meas.Flow{Proto: meas.UDP}})
		if err != nil || tr.Stop != meas.StopCompleted {
			t.Errorf("v6=%v: %v, %v", v6, err, tr.Stop)
		}
	}
	if s := strict.Stats(); s.Refused[twohost.ReasonTooSmall] != 2 || s.Answers[wire.StateSuccess] == 0 {
		t.Errorf("strict responder: refused %v, answers %v; want one short presence check per family", s.Refused, s.Answers)
	}
}

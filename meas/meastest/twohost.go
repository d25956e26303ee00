package meastest

import (
	"context"
	"fmt"
	"testing"

	"github.com/revtr/revtr/meas"
)

func checkTwoHost(ctx context.Context, t *testing.T, p meas.TwoHostTracer, w World) {
	for _, v6 := range []bool{false, true} {
		src, resp := w.Src, w.Responder
		if v6 {
			src, resp = w.Src6, w.Responder6
		}
		for _, f := range flows {
			if f.SrcPort != 0 {
				continue // a responder sends from its own port only
			}
			req := meas.TwoHostRequest{Src: src, Dst: resp, Flow: f}
			if err := checkTwoHostTrace(ctx, p, w, req); err != nil {
				t.Errorf("v6=%v %v: %v", v6, f, err)
			}
		}
	}
	req := meas.TwoHostRequest{Src: w.Src, Dst: w.Responder, Flow: meas.Flow{Proto: meas.UDP, SrcPort: meas.TwoHostSrcPort},
		FirstTTL: 2, Queries: 2, Window: 1, GapLimit: 2}
	if err := checkTwoHostTrace(ctx, p, w, req); err != nil {
		t.Errorf("explicit fields %+v: %v", req, err)
	}
	src, srcErr := w.source(false)
	tr, err := p.TwoHostTrace(ctx, meas.TwoHostRequest{Dst: w.Responder})
	if err := wantErr(err, srcErr); err != nil {
		t.Errorf("zero source: %v", err)
	} else if srcErr == nil && (tr.Dst != src || tr.Stop != meas.StopCompleted) {
		t.Errorf("zero source: to %v, stop %v; want %v, COMPLETED", tr.Dst, tr.Stop, src)
	}
	tr, err = p.TwoHostTrace(ctx, meas.TwoHostRequest{Src: w.Src, Dst: w.Dst})
	if err := wantErr(err, meas.ErrNoResponder); err != nil || tr.Probes < 1 {
		t.Errorf("plain host: %v, %d probes counted; want ErrNoResponder after a presence check", err, tr.Probes)
	}
	for name, req := range map[string]meas.TwoHostRequest{
		"no destination": {Src: w.Src},
		"two families":   {Src: w.Src, Dst: w.Responder6},
		"source port":    {Src: w.Src, Dst: w.Responder, Flow: meas.Flow{Proto: meas.UDP, SrcPort: meas.DefaultSrcPort}},
		"queries":        {Src: w.Src, Dst: w.Responder, Queries: -1},
		"TTLs":           {Src: w.Src, Dst: w.Responder, FirstTTL: 9, MaxTTL: 3},
	} {
		if _, err := p.TwoHostTrace(ctx, req); wantErr(err, meas.ErrBadRequest) != nil {
			t.Errorf("%s: %v", name, wantErr(err, meas.ErrBadRequest))
		}
	}
	if _, err := p.TwoHostTrace(ctx, meas.TwoHostRequest{Src: w.Stranger, Dst: w.Responder}); wantErr(err, meas.ErrNoSource) != nil {
		t.Errorf("foreign source: %v", wantErr(err, meas.ErrNoSource))
	}
}

// checkTwoHostTrace runs one two-host trace and compares it with the true
// path of the responder's probes back to the client.
func checkTwoHostTrace(ctx context.Context, p meas.TwoHostTracer, w World, req meas.TwoHostRequest) error {
	norm, err := req.Normalize()
	if err != nil {
		return err
	}
	want, err := w.trace(norm.Dst, norm.Src, norm.Flow)
	if err != nil {
		return err
	}
	tr, err := p.TwoHostTrace(ctx, req)
	if err != nil {
		return err
	}
	if err := checkHops(tr.Trace, want, norm.FirstTTL); err != nil {
		return err
	}
	switch {
	case tr.Src != norm.Dst || tr.Dst != norm.Src || tr.Flow != norm.Flow:
		return fmt.Errorf("from %v to %v flow %+v; want %v, %v, %+v", tr.Src, tr.Dst, tr.Flow, norm.Dst, norm.Src, norm.Flow)
	case len(tr.Queries) != len(tr.Hops):
		return fmt.Errorf("%d TTLs of queries for %d hops", len(tr.Queries), len(tr.Hops))
	case tr.Probes < 1+len(tr.Hops)*norm.Queries:
		return fmt.Errorf("%d requests counted for a presence check and %d TTLs of %d", tr.Probes, len(tr.Hops), norm.Queries)
	}
	for i, q := range tr.Queries {
		if len(q) != norm.Queries || q[0] != tr.Hops[i] {
			return fmt.Errorf("TTL %d: answers %v, first hop %v", tr.Hops[i].TTL, q, tr.Hops[i])
		}
	}
	return nil
}

func checkTwoHostMultipath(ctx context.Context, t *testing.T, p meas.TwoHostMultipathTracer, w World) {
	for _, proto := range []meas.Proto{meas.ICMP, meas.UDP} {
		want, err := w.truthGraph(w.Responder, w.Src, proto, meas.TwoHostSrcPort)
		if err != nil {
			t.Fatal(err)
		}
		m, err := p.TwoHostMultipath(ctx, meas.MultipathRequest{Src: w.Src, Dst: w.Responder, Proto: proto})
		if err == nil {
			err = checkGraph(m, want, proto)
		}
		if err == nil && (m.Src != w.Responder || m.Dst != w.Src) {
			err = fmt.Errorf("from %v to %v; want from the responder to the client", m.Src, m.Dst)
		}
		if err != nil {
			t.Errorf("%v: %v", proto, err)
		}
	}
	if _, err := p.TwoHostMultipath(ctx, meas.MultipathRequest{Src: w.Src, Dst: w.Dst}); wantErr(err, meas.ErrNoResponder) != nil {
		t.Errorf("plain host: %v", wantErr(err, meas.ErrNoResponder))
	}
	if _, err := p.TwoHostMultipath(ctx, meas.MultipathRequest{Src: w.Src, Dst: w.Responder, Epsilon: 2}); wantErr(err, meas.ErrBadRequest) != nil {
		t.Errorf("epsilon 2: %v", wantErr(err, meas.ErrBadRequest))
	}
}

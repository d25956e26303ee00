package meastest

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
)

// timeout bounds each capability's requests.
const timeout = 2 * time.Minute

// Run holds prober p to the meaning of every field of every request it
// can answer, in world w.
func Run(t *testing.T, p any, w World) {
	t.Helper()
	ran := false
	run := func(name string, ok bool, f func(context.Context, *testing.T)) {
		if !ok {
			return
		}
		ran = true
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			f(ctx, t)
		})
	}
	pi, ok := p.(meas.Pinger)
	run("ping", ok, func(ctx context.Context, t *testing.T) { checkPing(ctx, t, pi, w) })
	rr, ok := p.(meas.RecordRouter)
	run("record-route", ok, func(ctx context.Context, t *testing.T) { checkRR(ctx, t, rr, w) })
	tr, ok := p.(meas.Tracer)
	run("traceroute", ok, func(ctx context.Context, t *testing.T) { checkTrace(ctx, t, tr, w) })
	mp, ok := p.(meas.MultipathTracer)
	run("multipath", ok, func(ctx context.Context, t *testing.T) { checkMultipath(ctx, t, mp, w) })
	th, ok := p.(meas.TwoHostTracer)
	run("two-host", ok, func(ctx context.Context, t *testing.T) { checkTwoHost(ctx, t, th, w) })
	tm, ok := p.(meas.TwoHostMultipathTracer)
	run("two-host-multipath", ok, func(ctx context.Context, t *testing.T) { checkTwoHostMultipath(ctx, t, tm, w) })
	if !ran {
		t.Fatalf("%T implements no measurement of package meas", p)
	}
}

// source is the source a zero source means for a prober of w: Src for a
// prober of one host, none (meas.ErrNoSource) otherwise.
func (w World) source(v6 bool) (netip.Addr, error) {
	switch {
	case !w.OneHost:
		return netip.Addr{}, meas.ErrNoSource
	case v6:
		return w.Src6, nil
	}
	return w.Src, nil
}

func checkPing(ctx context.Context, t *testing.T, p meas.Pinger, w World) {
	for _, c := range []struct {
		name string
		req  meas.PingRequest
		src  netip.Addr
		sent int
		err  error
	}{
		{"zero count and timeout", meas.PingRequest{Src: w.Src, Dst: w.Dst}, w.Src, 1, nil},
		{"IPv6", meas.PingRequest{Src: w.Src6, Dst: w.Dst6}, w.Src6, 1, nil},
		{"count", meas.PingRequest{Src: w.Src, Dst: w.Dst, Count: 3, Timeout: time.Second}, w.Src, 3, nil},
		{"mapped destination", meas.PingRequest{Src: w.Src, Dst: netip.AddrFrom16(w.Dst.As16())}, w.Src, 1, nil},
		{"no destination", meas.PingRequest{Src: w.Src}, w.Src, 0, meas.ErrBadRequest},
		{"two families", meas.PingRequest{Src: w.Src, Dst: w.Dst6}, w.Src, 0, meas.ErrBadRequest},
		{"negative count", meas.PingRequest{Src: w.Src, Dst: w.Dst, Count: -1}, w.Src, 0, meas.ErrBadRequest},
		{"foreign source", meas.PingRequest{Src: w.Stranger, Dst: w.Dst}, w.Stranger, 0, meas.ErrNoSource},
	} {
		res, err := p.Ping(ctx, c.req)
		if err := wantErr(err, c.err); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if c.err == nil && (res.Src != c.src || res.Dst != c.req.Dst.Unmap() || res.Sent != c.sent || len(res.RTTs) != c.sent) {
			t.Errorf("%s: %+v; want %d sent from %v, all answered", c.name, res, c.sent, c.src)
		}
	}
	for _, v6 := range []bool{false, true} {
		dst := w.Dst
		if v6 {
			dst = w.Dst6
		}
		src, srcErr := w.source(v6)
		res, err := p.Ping(ctx, meas.PingRequest{Dst: dst})
		if err := wantErr(err, srcErr); err != nil {
			t.Errorf("zero source v6=%v: %v", v6, err)
		} else if srcErr == nil && (res.Src != src || res.Sent != 1 || !res.Replied()) {
			t.Errorf("zero source v6=%v: %+v; want one answered ping from %v", v6, res, src)
		}
	}
}

func checkRR(ctx context.Context, t *testing.T, p meas.RecordRouter, w World) {
	check := func(name string, req meas.RRRequest, want error) {
		res, err := p.RecordRoute(ctx, req)
		if err := wantErr(err, want); err != nil || want != nil {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			return
		}
		sender := req.Sender
		if !sender.IsValid() {
			sender = req.Src
		}
		rec, err := w.Topo.RecordRouteTruth(sender, req.Src, req.Dst)
		if err != nil {
			t.Fatalf("%s: truth: %v", name, err)
		}
		fwd, rev, _ := meas.SplitRecorded(rec, req.Dst)
		if !res.Replied || res.Src != req.Src || res.Dst != req.Dst || res.Sender != sender ||
			!slices.Equal(res.Recorded, rec) || !slices.Equal(res.Forward, fwd) || !slices.Equal(res.Reverse, rev) {
			t.Errorf("%s: %+v; want %v recorded, sent by %v", name, res, rec, sender)
		}
	}
	check("plain", meas.RRRequest{Src: w.Src, Dst: w.Dst}, nil)
	check("sender is the source", meas.RRRequest{Src: w.Src, Dst: w.Dst, Sender: w.Src, Timeout: time.Second}, nil)
	spoofErr := error(nil)
	if w.OneHost {
		spoofErr = meas.ErrNotSupported
	}
	check("spoofed", meas.RRRequest{Src: w.Src, Dst: w.Dst, Sender: w.Sender}, spoofErr)
	check("IPv6", meas.RRRequest{Src: w.Src6, Dst: w.Dst6}, meas.ErrBadRequest)
	check("no destination", meas.RRRequest{Src: w.Src}, meas.ErrBadRequest)
	check("spoofed without source", meas.RRRequest{Dst: w.Dst, Sender: w.Sender}, meas.ErrBadRequest)
	check("foreign source", meas.RRRequest{Src: w.Stranger, Dst: w.Dst}, meas.ErrNoSource)
	if _, srcErr := w.source(false); srcErr != nil {
		check("zero source", meas.RRRequest{Dst: w.Dst}, srcErr)
	} else if res, err := p.RecordRoute(ctx, meas.RRRequest{Dst: w.Dst}); err != nil || res.Src != w.Src || !res.Replied {
		t.Errorf("zero source: %+v, %v; want a reply at %v", res, err, w.Src)
	}
}

// RunSpoof holds the two halves of a spoofed Record Route ping to their
// meaning: c captures at w.Src, s sends from w.Sender, and the capture is
// what the truth says the source reads; bad requests are refused.
func RunSpoof(t *testing.T, c meas.RRCapturer, s meas.RRSender, w World) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	capt, err := c.ExpectRR(ctx, meas.RRExpectRequest{Src: w.Src, Dst: w.Dst})
	if err != nil {
		t.Fatal(err)
	}
	if pr := capt.Probe(); pr.Src != w.Src || pr.Dst != w.Dst {
		t.Errorf("probe %+v: want from %v to %v", pr, w.Src, w.Dst)
	}
	if _, err := s.SendRR(ctx, capt.Probe()); err != nil {
		t.Fatal(err)
	}
	res, err := capt.Wait(ctx)
	want, terr := w.Topo.RecordRouteTruth(w.Sender, w.Src, w.Dst)
	if err != nil || terr != nil || !res.Replied || !slices.Equal(res.Recorded, want) || res.Src != w.Src || res.Dst != w.Dst {
		t.Errorf("capture: %+v, %v (truth %v, %v)", res, err, want, terr)
	}
	for name, req := range map[string]meas.RRExpectRequest{
		"no source":      {Dst: w.Dst},
		"no destination": {Src: w.Src},
		"IPv6":           {Src: w.Src6, Dst: w.Dst6},
	} {
		if _, err := c.ExpectRR(ctx, req); wantErr(err, meas.ErrBadRequest) != nil {
			t.Errorf("expect %s: %v", name, wantErr(err, meas.ErrBadRequest))
		}
	}
	if _, err := c.ExpectRR(ctx, meas.RRExpectRequest{Src: w.Sender, Dst: w.Dst}); wantErr(err, meas.ErrNoSource) != nil {
		t.Errorf("expect at another host's address: %v", wantErr(err, meas.ErrNoSource))
	}
	if _, err := s.SendRR(ctx, meas.RRProbe{Dst: w.Dst}); wantErr(err, meas.ErrBadRequest) != nil {
		t.Errorf("send without source: %v", wantErr(err, meas.ErrBadRequest))
	}
}

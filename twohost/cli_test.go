package twohost_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
)

// TestParseTimeout checks the responder's -t forms.
func TestParseTimeout(t *testing.T) {
	for in, want := range map[string]time.Duration{"5000000000": 5 * time.Second, "250ms": 250 * time.Millisecond} {
		if d, err := twohost.ParseTimeout(in); err != nil || d != want {
			t.Errorf("%q: %v, %v; want %v", in, d, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-1", "soon", "-2s"} {
		if _, err := twohost.ParseTimeout(bad); !errors.Is(err, twohost.ErrConfig) {
			t.Errorf("%q: %v, want ErrConfig", bad, err)
		}
	}
}

// TestNoInterface checks the error for an unknown interface; nothing is
// opened or sent.
func TestNoInterface(t *testing.T) {
	if _, err := twohost.NewResponder(twohost.ResponderConfig{Interface: "revtr-none9"}); !errors.Is(err, twohost.ErrNoInterface) {
		t.Errorf("unknown interface: %v", err)
	}
}

// TestTracerouteEntryPoint runs the CLI entry point in the lab: a two-way
// text table with -n semantics, a reverse multipath in JSON, and a plain
// host, which must be an error.
func TestTracerouteEntryPoint(t *testing.T) {
	tp, err := topotest.Chain(3)
	l := upLab(t, tp, err)
	startResponder(t, l, "h1", twohost.ResponderConfig{})
	client, target := hostAddr(t, tp, "h0", false), hostAddr(t, tp, "h1", false)
	run := func(cfg twohost.TracerouteConfig) (string, error) {
		var out bytes.Buffer
		cfg.Target, cfg.Client = target, fastClient()
		err := l.Do("h0", func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			return twohost.Traceroute(ctx, cfg, &out)
		})
		return out.String(), err
	}
	txt, err := run(twohost.TracerouteConfig{Mode: twohost.ModeTwoWay, Trace: meas.TwoHostRequest{Flow: meas.Flow{Proto: meas.TCP}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range append(truthTrace(t, tp, client, target, meas.Flow{Proto: meas.TCP}),
		truthTrace(t, tp, target, client, meas.Flow{Proto: meas.TCP, SrcPort: meas.TwoHostSrcPort})...) {
		if !strings.Contains(txt, " "+a.String()+" ") {
			t.Errorf("table lacks %v:\n%s", a, txt)
		}
	}
	if !strings.Contains(txt, "forward path from") || !strings.Contains(txt, "reverse path from") {
		t.Errorf("table:\n%s", txt)
	}
	t.Logf("two-way table:\n%s", txt)
	js, err := run(twohost.TracerouteConfig{Mode: twohost.ModeReverse, Multipath: true, Format: twohost.FormatJSON})
	var mp []struct {
		Direction  string
		StopReason string `json:"stop_reason"`
	}
	if err != nil || json.Unmarshal([]byte(js), &mp) != nil || len(mp) != 1 || mp[0].Direction != "reverse" || mp[0].StopReason != "COMPLETED" {
		t.Errorf("multipath JSON: %v\n%s", err, js)
	}
	// h0 runs no responder: from h1, it is a plain host.
	var out bytes.Buffer
	err = l.Do("h1", func() error {
		return twohost.Traceroute(context.Background(), twohost.TracerouteConfig{Target: client, Client: fastClient()}, &out)
	})
	if !errors.Is(err, meas.ErrNoResponder) {
		t.Errorf("toward a plain host: %v, want ErrNoResponder", err)
	}
}

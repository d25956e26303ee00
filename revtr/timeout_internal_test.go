package revtr

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
)

// nopProber answers nothing; the tests here send no probe.
type nopProber struct{}

func (nopProber) Ping(context.Context, meas.PingRequest) (meas.Ping, error) { return meas.Ping{}, nil }
func (nopProber) RecordRoute(context.Context, meas.RRRequest) (meas.RRPing, error) {
	return meas.RRPing{}, nil
}
func (nopProber) Traceroute(context.Context, meas.TraceRequest) (meas.Trace, error) {
	return meas.Trace{}, nil
}

// TestTimeoutFallback: a sender's own RTTs toward a prefix set its
// timeouts; a sender without any takes the largest any sender saw; Max
// bounds them.
func TestTimeoutFallback(t *testing.T) {
	pol := DefaultPolicy()
	pol.Timeouts = Timeouts{Factor: 2, Min: time.Millisecond, Max: time.Second}
	e, err := New(Config{Prober: nopProber{}, Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := netip.MustParseAddr("10.8.0.1"), netip.MustParseAddr("10.8.0.2"), netip.MustParseAddr("10.8.0.3")
	target, near := netip.MustParseAddr("10.5.0.9"), netip.MustParseAddr("10.5.0.77") // one /24
	e.noteRTT(a, target, 10*time.Millisecond)
	if got := e.timeout(b, near); got != 20*time.Millisecond {
		t.Errorf("b without RTTs of its own: %v, want 20ms from a's", got)
	}
	e.noteRTT(b, target, 30*time.Millisecond)
	if ga, gb, gc := e.timeout(a, near), e.timeout(b, near), e.timeout(c, near); ga != 20*time.Millisecond || gb != 60*time.Millisecond || gc != 60*time.Millisecond {
		t.Errorf("timeouts a %v, b %v, c %v; want 20ms, 60ms, 60ms (the largest)", ga, gb, gc)
	}
	e.noteRTT(a, target, 2*time.Second)
	if got := e.timeout(a, near); got != time.Second {
		t.Errorf("timeout %v, want Max, 1s", got)
	}
	if got := e.timeout(a, netip.MustParseAddr("10.6.0.1")); got != 0 {
		t.Errorf("unknown prefix: %v, want 0 (the prober's default)", got)
	}
}

package revtr_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
)

// silent is a prober whose Record Route pings, spoofed or not, never get
// a reply.
type silent struct{ spoofScript }

func (s *silent) RecordRoute(ctx context.Context, r meas.RRRequest) (meas.RRPing, error) {
	s.spoofScript.RecordRoute(ctx, r) // records who was asked
	return meas.RRPing{Src: r.Src, Dst: r.Dst, Sender: r.Sender}, nil
}

// ingressSel is rankSel whose vantage points 1–6 enter every prefix
// through one ingress and 7–10 through another.
type ingressSel struct{ rankSel }

func (ingressSel) Ingress(_, vp netip.Addr) (netip.Addr, bool) {
	if vp.As4()[3] <= 6 {
		return ip("10.5.0.250"), true
	}
	return ip("10.5.0.251"), true
}

func skipEngine(t *testing.T, p meas.Prober, sel revtr.Selector, pol revtr.Policy) *revtr.Engine {
	t.Helper()
	e, err := revtr.New(revtr.Config{Prober: p, Selector: sel, Sources: []netip.Addr{fSrc}, VantagePoints: rankSel{}.Rank(fSrc, fDst),
		Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestTargetUnanswered: under the reference policy a target that answers
// nothing gets 10 probes — the source's and 9 spoofed, the second batch
// cut to 4 — not 11; with the rule off, all 10 spoofers are tried.
func TestTargetUnanswered(t *testing.T) {
	req := revtr.Request{Src: fSrc, Dst: fDst, Symmetry: revtr.SymmetryNever}
	for _, tc := range []struct {
		limit, spoofed int
	}{{10, 9}, {0, 10}} {
		pol := revtr.ReferencePolicy()
		pol.TargetUnanswered = tc.limit
		p := &silent{}
		res := run(t, skipEngine(t, p, rankSel{}, pol), req)
		if res.Cost.RR != 1 || res.Cost.SpoofedRR != tc.spoofed || res.Stop != revtr.Failed {
			t.Errorf("limit %d: %v cost %+v, want 1 RR and %d spoofed probes", tc.limit, res.Stop, res.Cost, tc.spoofed)
		}
		if got := p.batch(5, 10); !slices.Equal(got, seq(6, 5+tc.spoofed-5)) {
			t.Errorf("limit %d: second batch %v", tc.limit, got)
		}
	}
}

// TestIngressFailures: the first batch (vantage points 1–5) all enter
// through one ingress and reveal nothing; under the reference policy its
// sixth vantage point is passed over and the second batch is the other
// ingress's 7–10.
func TestIngressFailures(t *testing.T) {
	p := &spoofScript{reveal: map[int]int{}}
	res := run(t, skipEngine(t, p, ingressSel{}, revtr.ReferencePolicy()), revtr.Request{Src: fSrc, Dst: fDst, Symmetry: revtr.SymmetryNever})
	if got := p.batch(0, 5); !slices.Equal(got, seq(1, 5)) {
		t.Errorf("first batch %v, want 1–5", got)
	}
	if got := p.batch(5, 10); !slices.Equal(got, seq(7, 10)) || res.Cost.SpoofedRR != 9 {
		t.Errorf("second batch %v, %d spoofed probes; want 7–10, 9 probes", got, res.Cost.SpoofedRR)
	}
	pol := revtr.ReferencePolicy()
	pol.IngressFailures = 0
	p = &spoofScript{reveal: map[int]int{}}
	run(t, skipEngine(t, p, ingressSel{}, pol), revtr.Request{Src: fSrc, Dst: fDst, Symmetry: revtr.SymmetryNever})
	if got := p.batch(5, 10); !slices.Equal(got, seq(6, 10)) {
		t.Errorf("rule off: second batch %v, want 6–10", got)
	}
}

// skipAll is rankSel whose selector says the source's own Record Route
// ping can never reveal a hop.
type skipAll struct{ rankSel }

func (skipAll) SkipSource(_, _ netip.Addr) bool { return true }

// TestSkipSourceNeedsSpoofers: the source's own Record Route ping is
// skipped as the selector says only where a vantage point can spoof;
// without one it is the only Record Route left, and its reply spares the
// diagnosis ping.
func TestSkipSourceNeedsSpoofers(t *testing.T) {
	p := script{rr: map[netip.Addr][]netip.Addr{fDst: {fDst, fDst, fSrc}}}
	req := revtr.Request{Src: fSrc, Dst: fDst, Symmetry: revtr.SymmetryNever}
	with := run(t, skipEngine(t, &silent{}, skipAll{}, revtr.DefaultPolicy()), req)
	if with.Cost.RR != 0 {
		t.Errorf("with spoofers: cost %+v, want the source's ping skipped", with.Cost)
	}
	e, err := revtr.New(revtr.Config{Prober: p, Selector: skipAll{}, Sources: []netip.Addr{fSrc},
		Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, Policy: revtr.DefaultPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, e, req)
	if res.Stop != revtr.Reaches || res.Cost.RR != 1 || res.Cost.Ping != 0 {
		t.Errorf("without spoofers: %v cost %+v, want the source's ping sent, reaching S, no diagnosis ping", res.Stop, res.Cost)
	}
}

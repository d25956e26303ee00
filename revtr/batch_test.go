package revtr_test

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
)

// spoofScript answers spoofed Record Route pings to fDst: vantage point k
// (10.8.0.k) reveals reveal[k] reverse hops 10.4.k.1, 10.4.k.2, ...; the
// source's own ping gets no reply.
type spoofScript struct {
	script
	reveal map[int]int
	mu     sync.Mutex
	asked  []int
}

func (s *spoofScript) RecordRoute(_ context.Context, r meas.RRRequest) (meas.RRPing, error) {
	if !r.Spoofed() {
		return meas.RRPing{Src: r.Src, Dst: r.Dst, Sender: r.Src}, nil
	}
	k := int(r.Sender.As4()[3])
	s.mu.Lock()
	s.asked = append(s.asked, k)
	s.mu.Unlock()
	rec := []netip.Addr{r.Dst, r.Dst}
	for i := range s.reveal[k] {
		rec = append(rec, netip.AddrFrom4([4]byte{10, 4, byte(k), byte(i + 1)}))
	}
	return meas.RRPing{Src: r.Src, Dst: r.Dst, Sender: r.Sender, Replied: true, Recorded: rec}, nil
}

// rankSel ranks 10.8.0.1 … 10.8.0.10 in order and expects a fixed number
// of hops from each.
type rankSel struct{ expect float64 }

func vpAddr(k int) netip.Addr { return netip.AddrFrom4([4]byte{10, 8, 0, byte(k)}) }

func (s rankSel) Rank(_, _ netip.Addr) []netip.Addr {
	var out []netip.Addr
	for k := 1; k <= 10; k++ {
		out = append(out, vpAddr(k))
	}
	return out
}
func (rankSel) SkipSource(_, _ netip.Addr) bool     { return false }
func (rankSel) Observe(revtr.Observation)           {}
func (s rankSel) Expect(_, _, _ netip.Addr) float64 { return s.expect }

// batch returns the vantage points asked in probes from..to, sorted.
func (s *spoofScript) batch(from, to int) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := slices.Clone(s.asked[from:min(to, len(s.asked))])
	slices.Sort(b)
	return b
}

func seq(from, to int) []int {
	var o []int
	for k := from; k <= to; k++ {
		o = append(o, k)
	}
	return o
}

func spoofEngine(t *testing.T, p meas.Prober, sel revtr.Selector) *revtr.Engine {
	t.Helper()
	var vps []netip.Addr
	for k := 1; k <= 10; k++ {
		vps = append(vps, vpAddr(k))
	}
	e, err := revtr.New(revtr.Config{Prober: p, Selector: sel, Sources: []netip.Addr{fSrc}, VantagePoints: vps,
		Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, Policy: revtr.DefaultPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestBatches: with a confident selector the first batch is 2; when it
// reveals fewer than 3 hops the next 8 follow and the longest segment
// wins; with an unsure selector the first batch is 5, and a good enough
// segment stops there.
func TestBatches(t *testing.T) {
	for name, tc := range map[string]struct {
		expect  float64
		reveal  map[int]int
		batches [][]int
		winner  int
	}{
		"confident, enough":  {5, map[int]int{2: 4}, [][]int{seq(1, 2)}, 2},
		"confident, short":   {5, map[int]int{1: 1, 7: 5}, [][]int{seq(1, 2), seq(3, 10)}, 7},
		"unsure, enough":     {1, map[int]int{4: 3}, [][]int{seq(1, 5)}, 4},
		"unsure, none first": {1, map[int]int{9: 2}, [][]int{seq(1, 5), seq(6, 10)}, 9},
	} {
		p := &spoofScript{reveal: tc.reveal}
		res := run(t, spoofEngine(t, p, rankSel{expect: tc.expect}), revtr.Request{Src: fSrc, Dst: fDst, Symmetry: revtr.SymmetryNever})
		at := 0
		for i, want := range tc.batches {
			if got := p.batch(at, at+len(want)); !slices.Equal(got, want) {
				t.Errorf("%s: batch %d asked %v, want %v", name, i, got, want)
			}
			at += len(want)
		}
		if len(res.Hops) < 2 || res.Hops[1].Addr.As4()[2] != byte(tc.winner) || res.Hops[1].Type != revtr.HopSpoofedRR {
			t.Errorf("%s: hops %v, want vantage point %d's segment", name, addrsOf(res.Hops), tc.winner)
		}
	}
}

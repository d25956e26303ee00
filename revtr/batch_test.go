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
// (10.8.0.k) reveals reveal[k] reverse hops 10.4.k.1, 10.4.k.2, ...
// (none, but a reply, when absent; no reply at all when negative); the
// source's own ping gets no reply.
type spoofScript struct {
	script
	reveal map[int]int
	mu     sync.Mutex
	asked  []int
	dsts   map[netip.Addr]int // spoofed probes per destination
}

// toward is how many spoofed probes were sent toward d.
func (s *spoofScript) toward(d netip.Addr) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dsts[d]
}

func (s *spoofScript) RecordRoute(_ context.Context, r meas.RRRequest) (meas.RRPing, error) {
	if !r.Spoofed() {
		return meas.RRPing{Src: r.Src, Dst: r.Dst, Sender: r.Src}, nil
	}
	k := int(r.Sender.As4()[3])
	s.mu.Lock()
	s.asked = append(s.asked, k)
	if s.dsts == nil {
		s.dsts = make(map[netip.Addr]int)
	}
	s.dsts[r.Dst]++
	s.mu.Unlock()
	if s.reveal[k] < 0 || r.Dst != fDst {
		return meas.RRPing{Src: r.Src, Dst: r.Dst, Sender: r.Sender}, nil
	}
	rec := []netip.Addr{r.Dst, r.Dst}
	for i := range s.reveal[k] {
		rec = append(rec, netip.AddrFrom4([4]byte{10, 4, byte(k), byte(i + 1)}))
	}
	return meas.RRPing{Src: r.Src, Dst: r.Dst, Sender: r.Sender, Replied: true, Recorded: rec}, nil
}

// rankSel ranks 10.8.0.1 … 10.8.0.10 in order.
type rankSel struct{}

func vpAddr(k int) netip.Addr { return netip.AddrFrom4([4]byte{10, 8, 0, byte(k)}) }

func (rankSel) Rank(_, _ netip.Addr) []netip.Addr {
	var out []netip.Addr
	for k := 1; k <= 10; k++ {
		out = append(out, vpAddr(k))
	}
	return out
}
func (rankSel) SkipSource(_, _ netip.Addr) bool { return false }
func (rankSel) Observe(revtr.Observation)       {}

// judgeSel is rankSel judging every silence telling or not.
type judgeSel struct {
	rankSel
	tells bool
}

func (j judgeSel) SilenceTells(netip.Addr, []netip.Addr) bool { return j.tells }

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

func spoofEngine(t *testing.T, p meas.Prober, pol revtr.Policy) *revtr.Engine {
	t.Helper()
	return spoofEngineWith(t, p, pol, rankSel{}, nil)
}

// noHedge is our policy without Policy.DestinationHedge.
func noHedge() revtr.Policy {
	p := revtr.DefaultPolicy()
	p.DestinationHedge = 0
	return p
}

// TestBatches: our first batch is 2 vantage points; when it reveals
// nothing the next 8 follow and the longest segment of theirs wins; the
// reference's batches are 5 and 5. A batch that got no reply at all, the
// source's own ping silent too, is the last one of our policy
// (Policy.QuitSilent: the target drops options; TestDestinationHedge
// tries more at the destination) — unless the selector
// judges that silence not telling (revtr.SilenceJudge), when a second
// batch of twice the first follows; the reference sends its second
// batch, cut to the 4 probes left of its 10 unanswered ones.
func TestBatches(t *testing.T) {
	for name, tc := range map[string]struct {
		pol     revtr.Policy
		reveal  map[int]int
		batches [][]int
		winner  int // 0: no segment
		sel     revtr.Selector
	}{
		"silent, telling":     {noHedge(), map[int]int{1: -1, 2: -1, 5: 3}, [][]int{seq(1, 2)}, 0, judgeSel{tells: true}},
		"silent, not telling": {revtr.DefaultPolicy(), map[int]int{1: -1, 2: -1, 5: 3}, [][]int{seq(1, 2), seq(3, 6)}, 5, judgeSel{}},
		"silent twice":        {revtr.DefaultPolicy(), map[int]int{1: -1, 2: -1, 3: -1, 4: -1, 5: -1, 6: -1, 7: 3}, [][]int{seq(1, 2), seq(3, 6)}, 0, judgeSel{}},
		"first reveals":       {revtr.DefaultPolicy(), map[int]int{2: 4}, [][]int{seq(1, 2)}, 2, nil},
		"first none":          {revtr.DefaultPolicy(), map[int]int{1: 0, 7: 5, 9: 2}, [][]int{seq(1, 2), seq(3, 10)}, 7, nil},
		"reference":           {revtr.ReferencePolicy(), map[int]int{4: 3}, [][]int{seq(1, 5)}, 4, nil},
		"reference, second":   {revtr.ReferencePolicy(), map[int]int{9: 2}, [][]int{seq(1, 5), seq(6, 10)}, 9, nil},
		"silent":              {noHedge(), map[int]int{1: -1, 2: -1, 5: 3}, [][]int{seq(1, 2)}, 0, nil},
		"silent, reference":   {revtr.ReferencePolicy(), map[int]int{1: -1, 2: -1, 3: -1, 4: -1, 5: -1, 7: 3}, [][]int{seq(1, 5), seq(6, 9)}, 7, nil},
	} {
		p := &spoofScript{reveal: tc.reveal}
		if tc.sel == nil {
			tc.sel = rankSel{}
		}
		res := run(t, spoofEngineWith(t, p, tc.pol, tc.sel, nil), revtr.Request{Src: fSrc, Dst: fDst, Symmetry: revtr.SymmetryNever})
		at := 0
		for i, want := range tc.batches {
			if got := p.batch(at, at+len(want)); !slices.Equal(got, want) {
				t.Errorf("%s: batch %d asked %v, want %v", name, i, got, want)
			}
			at += len(want)
		}
		if tc.winner == 0 {
			if len(p.asked) != at || len(res.Hops) != 1 {
				t.Errorf("%s: asked %v, hops %v; want no more probes toward it and no hop", name, p.asked, addrsOf(res.Hops))
			}
			continue
		}
		if len(res.Hops) < 2 || res.Hops[1].Addr.As4()[2] != byte(tc.winner) || res.Hops[1].Type != revtr.HopSpoofedRR {
			t.Errorf("%s: hops %v, want vantage point %d's segment", name, addrsOf(res.Hops), tc.winner)
		}
	}
}

// vpASes maps vantage point 10.8.0.k to AS m[k], every other address to
// AS 1.
type vpASes map[int]uint32

func (m vpASes) Lookup(a netip.Addr) (netip.Prefix, uint32, bool) {
	p, _ := a.Prefix(24)
	if asn, ok := m[int(a.As4()[3])]; ok && p == netip.MustParsePrefix("10.8.0.0/24") {
		return p, asn, true
	}
	return p, 1, true
}

// TestDestinationHedge: when the silence of the first batch toward the
// destination tells, ours tries DestinationHedge more vantage points,
// each of an AS none of the silent ones (nor an earlier hedge) is in, in
// the selector's order, and takes a segment they reveal; without the
// hedge the destination gets no more, nor when the first batch answers
// but the deepening batch (Policy.Deepen: the segment leads nowhere).
func TestDestinationHedge(t *testing.T) {
	ases := vpASes{1: 100, 2: 100, 3: 100, 4: 200, 5: 200, 6: 300, 7: 400}
	for name, tc := range map[string]struct {
		pol      revtr.Policy
		reveal   map[int]int
		batches  [][]int
		winner   int // 0: no segment
		deepened int // probes toward the destination after the segment's hops
	}{
		// 3 shares the silent ones' AS, 5 the first hedge's.
		"hedge reveals": {revtr.DefaultPolicy(), map[int]int{1: -1, 2: -1, 3: 4, 4: -1, 5: 4, 6: 2}, [][]int{{1, 2}, {4, 6}}, 6, 0},
		"hedge silent":  {revtr.DefaultPolicy(), map[int]int{1: -1, 2: -1, 3: 4, 4: -1, 5: 4, 6: -1, 7: 2}, [][]int{{1, 2}, {4, 6}}, 0, 0},
		"no hedge":      {noHedge(), map[int]int{1: -1, 2: -1, 6: 2}, [][]int{{1, 2}}, 0, 0},
		"first answers": {revtr.DefaultPolicy(), map[int]int{2: 3, 6: 5}, [][]int{{1, 2}}, 2, 2},
	} {
		p := &spoofScript{reveal: tc.reveal}
		var vps []netip.Addr
		for k := 1; k <= 10; k++ {
			vps = append(vps, vpAddr(k))
		}
		e, err := revtr.New(revtr.Config{Prober: p, Selector: judgeSel{tells: true}, ASMap: ases, Sources: []netip.Addr{fSrc},
			VantagePoints: vps, Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, Policy: tc.pol})
		if err != nil {
			t.Fatal(err)
		}
		res := run(t, e, revtr.Request{Src: fSrc, Dst: fDst, Symmetry: revtr.SymmetryNever})
		at := 0
		for i, want := range tc.batches {
			if got := p.batch(at, at+len(want)); !slices.Equal(got, want) {
				t.Errorf("%s: batch %d asked %v, want %v", name, i, got, want)
			}
			at += len(want)
		}
		if n := p.toward(fDst); n != at+tc.deepened {
			t.Errorf("%s: %d spoofed probes toward the destination (%v), want %d", name, n, p.asked, at+tc.deepened)
		}
		got := 0
		if len(res.Hops) > 1 && res.Hops[1].Type == revtr.HopSpoofedRR {
			got = int(res.Hops[1].Addr.As4()[2])
		}
		if got != tc.winner {
			t.Errorf("%s: hops %v, want vantage point %d's segment (0: none)", name, addrsOf(res.Hops), tc.winner)
		}
	}
}

package revtr_test

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
)

// deepScript answers spoofed Record Route pings toward the destination
// only, each vantage point's with its own reverse hops (none: silent);
// every other ping goes unanswered, as from a router that answers none.
type deepScript struct {
	script
	rev map[int][]netip.Addr
	// own is what the source's own ping toward the destination reveals
	// (nil: no reply).
	own []netip.Addr
	mu  sync.Mutex
	// asked lists the vantage points that spoofed toward the destination.
	asked []int
}

func (s *deepScript) RecordRoute(_ context.Context, r meas.RRRequest) (meas.RRPing, error) {
	p := meas.RRPing{Src: r.Src, Dst: r.Dst, Sender: r.Sender}
	if !r.Spoofed() && r.Dst == fDst && s.own != nil {
		p.Sender, p.Replied, p.Recorded = r.Src, true, append([]netip.Addr{fDst, fDst}, s.own...)
	}
	if !r.Spoofed() || r.Dst != fDst {
		return p, nil
	}
	k := int(r.Sender.As4()[3])
	s.mu.Lock()
	s.asked = append(s.asked, k)
	s.mu.Unlock()
	rev, ok := s.rev[k]
	if ok {
		p.Replied, p.Recorded = true, append([]netip.Addr{fDst, fDst}, rev...)
	}
	return p, nil
}

// TestDeepen: the first batch reveals a segment ending at a router that
// answers no probe, and nothing leads on from its hops. Before assuming
// symmetry, ours spoofs toward the destination from the next 2 vantage
// points in the ranking (Policy.Deepen), and the third one's longer
// segment reaches the source; the reference, which does not deepen,
// fails. A deepening batch that reveals nothing longer leaves the path
// as it was, and is sent once. A segment the source's own ping revealed
// is deepened from the top of the ranking: no spoofer was tried yet.
func TestDeepen(t *testing.T) {
	a, b := ip("10.4.0.1"), ip("10.4.0.2")
	for _, tc := range []struct {
		name    string
		pol     revtr.Policy
		rev     map[int][]netip.Addr
		reached bool
		asked   []int // vantage points that spoofed toward the destination, sorted
	}{
		{"ours", revtr.DefaultPolicy(), map[int][]netip.Addr{1: {a, b}, 2: {a}, 3: {a, b, fSrc}}, true, []int{1, 2, 3, 4}},
		{"ours, nothing longer", revtr.DefaultPolicy(), map[int][]netip.Addr{1: {a, b}, 3: {a}}, false, []int{1, 2, 3, 4}},
		{"reference", revtr.ReferencePolicy(), map[int][]netip.Addr{1: {a, b}, 2: {a}, 3: {a, b, fSrc}}, true, []int{1, 2, 3, 4, 5}},
		{"ours, the source's segment", revtr.DefaultPolicy(), map[int][]netip.Addr{2: {a, b, fSrc}}, true, []int{1, 2}},
	} {
		p := &deepScript{rev: tc.rev}
		if strings.Contains(tc.name, "source's") {
			p.own = []netip.Addr{a, b}
		}
		if tc.name == "reference" {
			// Its first batch of 5 holds the third vantage point: make it
			// reveal what the first does, so that only deepening passes b.
			p.rev = map[int][]netip.Addr{1: {a, b}, 2: {a}, 3: {a, b}, 6: {a, b, fSrc}}
			tc.reached = false
		}
		e := spoofEngineWith(t, p, tc.pol, rankSel{}, nil)
		res := run(t, e, revtr.Request{Src: fSrc, Dst: fDst, Symmetry: revtr.SymmetryNever})
		slices.Sort(p.asked) // batches go in rank order; within one, in any
		if got := res.Stop == revtr.Reaches; got != tc.reached || !slices.Equal(p.asked, tc.asked) {
			t.Errorf("%s: stop %v, hops %v, spoofed from %v toward the destination; want reached %v, spoofed from %v",
				tc.name, res.Stop, addrsOf(res.Hops), p.asked, tc.reached, tc.asked)
		}
		if tc.reached && !slices.Equal(addrsOf(res.Hops), []netip.Addr{fDst, a, b, fSrc}) {
			t.Errorf("%s: hops %v; want %v", tc.name, addrsOf(res.Hops), []netip.Addr{fDst, a, b, fSrc})
		}
	}
}

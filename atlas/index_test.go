package atlas

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

var t0 = time.Unix(1_700_000_000, 0)

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		if s != "" {
			out[i] = netip.MustParseAddr(s)
		}
	}
	return out
}

// Addresses of a line of routers toward S: tN is what traceroute shows of
// router N (inbound), oN what it stamps in Record Route (outbound).
const (
	S  = "10.0.0.1"
	VP = "10.9.0.1"
)

func tr(n int) string { return netip.AddrFrom4([4]byte{10, 1, byte(n), 1}).String() }
func o(n int) string  { return netip.AddrFrom4([4]byte{10, 2, byte(n), 1}).String() }

func hopAddrs(h Hit) []netip.Addr {
	out := make([]netip.Addr, len(h.Hops))
	for i, x := range h.Hops {
		out[i] = x.Addr
	}
	return out
}

func candidates(h Hit) []bool {
	out := make([]bool, len(h.Hops))
	for i, x := range h.Hops {
		out[i] = x.Candidate
	}
	return out
}

// cleanPath: four stamping routers, every Record Route reaching S.
func cleanPath(id uint64, at time.Time) *Path {
	return &Path{ID: id, VP: addrs(VP)[0], Src: addrs(S)[0], Time: at,
		Hops: addrs(tr(0), tr(1), tr(2), tr(3), S),
		RR:   [][]netip.Addr{addrs(o(1), o(2), o(3), S), addrs(o(2), o(3), S), addrs(o(3), S), addrs(S), nil}}
}

// TestExactAndAlias: a traceroute hop intersects exactly (type 3); a
// Record Route interface whose alias the atlas learned intersects as the
// traceroute hop it is an alias of.
func TestExactAndAlias(t *testing.T) {
	x := NewIndex()
	x.Set(addrs(S)[0], []*Path{cleanPath(1, t0)})
	src := addrs(S)[0]
	h, ok := x.Intersect(src, addrs(tr(1))[0], t0)
	if !ok || h.Kind != OnTrace || !slices.Equal(hopAddrs(h), addrs(tr(2), tr(3), S)) || h.PathID != 1 {
		t.Errorf("t1: %+v %v", h, ok)
	}
	for n := 1; n <= 3; n++ {
		if !x.SameRouter(addrs(o(n))[0], addrs(tr(n))[0]) {
			t.Errorf("alias o%d = t%d not learned", n, n)
		}
	}
	h, ok = x.Intersect(src, addrs(o(2))[0], t0)
	if !ok || h.Kind != OnTrace || h.At != addrs(tr(2))[0] || !slices.Equal(hopAddrs(h), addrs(tr(3), S)) {
		t.Errorf("o2: %+v %v, want the traceroute from its alias t2", h, ok)
	}
	if _, ok := x.Intersect(src, addrs("10.7.7.7")[0], t0); ok {
		t.Error("unknown address intersected")
	}
}

// TestAmbiguousSegment: router 2 does not stamp and the Record Route pings
// from hops 1 and 2 revealed nothing, so o3 cannot be placed exactly: it
// lies at hop 2 or 3 (bounded below by its slot, above by the complete
// ping from hop 3 that did not see it): t3 is a candidate.
func TestAmbiguousSegment(t *testing.T) {
	p := &Path{ID: 2, Src: addrs(S)[0], Time: t0,
		Hops: addrs(tr(0), tr(1), tr(2), tr(3), tr(4), tr(5), S),
		RR:   [][]netip.Addr{addrs(o(1), o(3)), nil, nil, addrs(o(4), o(5), S), addrs(o(5), S), addrs(S), nil}}
	x := NewIndex()
	x.Set(p.Src, []*Path{p})
	h, ok := x.Intersect(p.Src, addrs(o(3))[0], t0)
	if !ok || h.Kind != OnRR {
		t.Fatalf("o3: %+v %v", h, ok)
	}
	if want := addrs(tr(3), tr(4), tr(5), S); !slices.Equal(hopAddrs(h), want) {
		t.Errorf("hops %v, want %v", hopAddrs(h), want)
	}
	if want := []bool{true, false, false, false}; !slices.Equal(candidates(h), want) {
		t.Errorf("candidates %v, want %v", candidates(h), want)
	}
	// o4 is learned as t4's alias: exact, no candidate.
	h, ok = x.Intersect(p.Src, addrs(o(4))[0], t0)
	if !ok || h.Candidates() != 0 || !slices.Equal(hopAddrs(h), addrs(tr(5), S)) {
		t.Errorf("o4: %+v", h)
	}
}

// TestStaleness: stale paths are not used, the freshest path wins, and
// Fresh tells when a rebuild is due.
func TestStaleness(t *testing.T) {
	old, recent := cleanPath(1, t0), cleanPath(2, t0.Add(20*time.Hour))
	recent.Hops = addrs(tr(0), tr(1), tr(7), S) // another way from t1
	recent.RR = make([][]netip.Addr, 4)
	x := NewIndex()
	src := addrs(S)[0]
	x.Set(src, []*Path{old, recent})
	h, _ := x.Intersect(src, addrs(tr(1))[0], t0)
	if h.PathID != 2 {
		t.Errorf("path %d won, want the freshest (2)", h.PathID)
	}
	h, ok := x.Intersect(src, addrs(tr(2))[0], t0.Add(time.Hour))
	if ok {
		t.Errorf("stale path used: %+v", h)
	}
	if !x.Fresh(src, t0.Add(30*time.Hour), 0) || x.Fresh(src, t0.Add(45*time.Hour), 0) || x.Fresh(addrs(VP)[0], t0, 0) {
		t.Error("Fresh wrong")
	}
}

// TestIncompleteIgnored: a traceroute that never reached the source
// cannot tell the rest of the path.
func TestIncompleteIgnored(t *testing.T) {
	p := cleanPath(1, t0)
	p.Hops = p.Hops[:3]
	p.RR = p.RR[:3]
	x := NewIndex()
	x.Set(p.Src, []*Path{p})
	if _, ok := x.Intersect(p.Src, addrs(tr(1))[0], t0); ok {
		t.Error("incomplete path intersected")
	}
}

package vpsel_test

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/revtr/revtr/atlas"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/vpsel"
)

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

var (
	src            = ip("10.0.0.1")
	v1, v2, v3, v4 = ip("10.1.0.1"), ip("10.2.0.1"), ip("10.3.0.1"), ip("10.4.0.1")
	target         = ip("10.9.0.7")
)

// TestLearnedColdStart: without observations, vantage points whose atlas
// traceroute crosses the target's prefix rank by how early they do; the
// rest follow, AS-diverse first.
func TestLearnedColdStart(t *testing.T) {
	asOf := map[netip.Addr]uint32{v1: 1, v2: 1, v3: 2, v4: 3}
	l := vpsel.NewLearned([]netip.Addr{v1, v2, v3, v4}, nil, asOf)
	l.LearnPaths([]*atlas.Path{
		{VP: v1, Src: src, Hops: []netip.Addr{ip("10.5.0.1"), ip("10.6.0.1"), ip("10.9.0.1"), src}},
		{VP: v2, Src: src, Hops: []netip.Addr{ip("10.9.0.2"), src}},
	})
	got := l.Rank(src, target)
	if want := []netip.Addr{v2, v1, v3, v4}; !slices.Equal(got[:2], want[:2]) || len(got) != 4 {
		t.Errorf("rank %v, want v2 (1 hop), v1 (3 hops) first", got)
	}
	if slices.Contains(l.Rank(v3, target), v3) {
		t.Error("the source itself ranked as a spoofer")
	}
}

// TestLearnedLearns: a vantage point that keeps revealing many hops rises
// to the top for the prefix (not elsewhere); a target the source's own
// ping did not get within range of is skipped from then on.
func TestLearnedLearns(t *testing.T) {
	l := vpsel.NewLearned([]netip.Addr{v1, v2, v3}, nil, nil)
	for range 3 {
		l.Observe(revtr.Observation{Src: src, Target: target, VP: v3, Replied: true, InRange: true, Revealed: 6})
		l.Observe(revtr.Observation{Src: src, Target: target, VP: v1, Replied: true})
	}
	if got := l.Rank(src, ip("10.9.0.99")); got[0] != v3 || got[len(got)-1] != v1 {
		t.Errorf("rank in the learned prefix %v, want v3 first and v1 last", got)
	}
	if got := l.Rank(src, ip("10.8.0.1")); got[0] != v1 {
		t.Errorf("rank elsewhere %v, want the configured order", got)
	}
	if l.SkipSource(src, target) {
		t.Error("skipping the source before trying it")
	}
	l.Observe(revtr.Observation{Src: src, Target: target, VP: src, Replied: true})
	if !l.SkipSource(src, target) || l.SkipSource(src, ip("10.9.0.8")) || l.SkipSource(v1, target) {
		t.Error("source skip not learned per source and target")
	}
}

// TestIngressCover: one vantage point per ingress, the closest first,
// ingresses with more vantage points first, then the global ranking.
func TestIngressCover(t *testing.T) {
	in1, in2 := ip("10.9.0.1"), ip("10.9.0.2")
	survey := []vpsel.SurveyProbe{
		{VP: v1, Target: target, InRange: true, Ingress: in1, Distance: 4},
		{VP: v2, Target: target, InRange: true, Ingress: in1, Distance: 2},
		{VP: v3, Target: target, InRange: true, Ingress: in2, Distance: 1},
		{VP: v4, Target: target},
		{VP: v4, Target: ip("10.7.0.1"), InRange: true, Ingress: ip("10.7.0.1")},
		{VP: v3, Target: ip("10.7.0.1"), InRange: true, Ingress: ip("10.7.0.1")},
	}
	ic := vpsel.NewIngressCover([]netip.Addr{v1, v2, v3, v4}, survey, nil)
	if got, want := ic.Rank(src, ip("10.9.0.200")), []netip.Addr{v2, v3, v1, v4}; !slices.Equal(got, want) {
		t.Errorf("rank %v, want %v", got, want)
	}
	if got := ic.Rank(src, ip("10.5.0.1")); got[0] != v3 {
		t.Errorf("unsurveyed prefix %v, want the global ranking (v3: in range twice) first", got)
	}
	var _ revtr.Ingresser = ic
	if in, ok := ic.Ingress(ip("10.9.0.200"), v1); !ok || in != in1 {
		t.Errorf("v1's ingress %v %v, want %v", in, ok, in1)
	}
	if in, ok := ic.Ingress(ip("10.9.0.200"), v3); !ok || in != in2 {
		t.Errorf("v3's ingress %v %v, want %v", in, ok, in2)
	}
	if _, ok := ic.Ingress(ip("10.9.0.200"), v4); ok {
		t.Error("an ingress for a vantage point out of range")
	}
}

// TestSurveyProbe: the ingress is the first stamp inside the target's
// prefix, its distance the stamps before it.
func TestSurveyProbe(t *testing.T) {
	rr := meas.RRPing{Src: v1, Dst: target, Replied: true,
		Recorded: []netip.Addr{ip("10.1.0.2"), ip("10.5.0.1"), ip("10.9.0.1"), target, target, ip("10.9.0.3")}}
	sp := vpsel.SurveyOne(rr, vpsel.Slash24)
	if !sp.InRange || sp.Ingress != ip("10.9.0.1") || sp.Distance != 2 || sp.Stamps != 3 {
		t.Errorf("survey probe %+v", sp)
	}
	rr.Recorded = rr.Recorded[:3]
	if sp := vpsel.SurveyOne(rr, vpsel.Slash24); sp.InRange {
		t.Errorf("out of range probe %+v", sp)
	}
}

// TestLearnedFarBounded: the memory of targets out of the source's range
// forgets them after its age (by the observations' clock) and, when more
// are found than it holds, the oldest first.
func TestLearnedFarBounded(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	far := func(target netip.Addr, at time.Time) revtr.Observation {
		return revtr.Observation{Src: src, Target: target, VP: src, Replied: true, At: at}
	}
	l := vpsel.NewLearned([]netip.Addr{v1}, nil, nil).LimitFar(8, time.Hour)
	l.Observe(far(target, t0))
	if !l.SkipSource(src, target) {
		t.Fatal("an out-of-range target not remembered")
	}
	l.Observe(revtr.Observation{Src: src, Target: ip("10.7.0.1"), VP: v1, At: t0.Add(59 * time.Minute)})
	if !l.SkipSource(src, target) {
		t.Error("forgotten before its age")
	}
	l.Observe(revtr.Observation{Src: src, Target: ip("10.7.0.1"), VP: v1, At: t0.Add(time.Hour)})
	if l.SkipSource(src, target) {
		t.Error("remembered past its age")
	}
	l.Observe(far(target, t0.Add(time.Hour)))
	var last netip.Addr
	for i := range 100 {
		last = netip.AddrFrom4([4]byte{10, 6, 0, byte(i)})
		l.Observe(far(last, t0.Add(time.Hour)))
	}
	if !l.SkipSource(src, last) || l.SkipSource(src, target) {
		t.Error("the latest target forgotten, or the oldest kept, past the size bound")
	}
}

// TestLearnedSkipSourceRREvidence: a prefix many traceroute hops from the
// source is skipped for the source's own Record Route ping, unless a
// Record Route ping from the source (the atlas's) got within range of it:
// routers that do not stamp take no slot, and the ping reaches farther
// than hops count.
func TestLearnedSkipSourceRREvidence(t *testing.T) {
	far := []netip.Addr{ip("10.9.0.1")}
	for i := range 9 {
		far = append(far, netip.AddrFrom4([4]byte{10, 5, byte(i), 1}))
	}
	far = append(far, src)
	for _, tc := range []struct {
		name string
		rr   []netip.Addr // the atlas's reply from the far hop
		skip bool
	}{{"no evidence", nil, true}, {"in range", []netip.Addr{ip("10.5.8.1"), src}, false}} {
		l := vpsel.NewLearned([]netip.Addr{v1}, nil, nil)
		p := &atlas.Path{VP: v1, Src: src, Hops: far, RR: make([][]netip.Addr, len(far))}
		p.RR[0] = tc.rr
		l.LearnPaths([]*atlas.Path{p})
		if got := l.SkipSource(src, target); got != tc.skip {
			t.Errorf("%s: skip %v, want %v", tc.name, got, tc.skip)
		}
	}
}

// TestLearnedSurvey: the reference's survey feeds the cold start: a
// vantage point in range of the prefix after few stamps ranks first, one
// out of range after those the survey did not see, who rank by how many
// surveyed prefixes they got within range of.
func TestLearnedSurvey(t *testing.T) {
	l := vpsel.NewLearned([]netip.Addr{v1, v2, v3, v4}, nil, nil)
	l.LearnSurvey([]vpsel.SurveyProbe{
		{VP: v3, Target: target, InRange: true, Stamps: 2},
		{VP: v1, Target: target},
		{VP: v4, Target: ip("10.7.0.1"), InRange: true, Stamps: 3},
		{VP: v2, Target: ip("10.7.0.1")},
	})
	if got, want := l.Rank(src, ip("10.9.0.99")), []netip.Addr{v3, v4, v2, v1}; !slices.Equal(got, want) {
		t.Errorf("rank %v, want %v", got, want)
	}
}

// TestLearnedSilenceTells: the silence of a few senders toward a target
// tells that it answers no Record Route ping when pings toward its prefix
// mostly get replies, and when they hardly ever do; it does not when the
// target answered lately, nor in a prefix whose replies are rare — until
// enough senders were silent.
func TestLearnedSilenceTells(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	vps := []netip.Addr{v1, v2, ip("10.8.0.3")}
	fill := func(l *vpsel.Learned, prefix byte, replies, silent int) {
		for i := range replies + silent {
			a := netip.AddrFrom4([4]byte{10, prefix, 0, byte(100 + i)})
			l.Observe(revtr.Observation{Src: src, Target: a, VP: v1, Replied: i < replies, At: t0})
		}
	}
	silentToward := func(l *vpsel.Learned, a netip.Addr) {
		for _, vp := range vps {
			l.Observe(revtr.Observation{Src: src, Target: a, VP: vp, At: t0})
		}
	}
	l := vpsel.NewLearned(vps, nil, nil)
	fill(l, 5, 20, 0) // 10.5.0.0/24 answers
	fill(l, 6, 6, 14) // 10.6.0.0/24 seldom does
	fill(l, 7, 1, 29) // 10.7.0.0/24 hardly ever does
	dead, alive, rare, hopeless := ip("10.5.0.1"), ip("10.5.0.2"), ip("10.6.0.1"), ip("10.7.0.1")
	l.Observe(revtr.Observation{Src: src, Target: alive, VP: v2, Replied: true, At: t0})
	for _, a := range []netip.Addr{dead, alive, rare, hopeless} {
		silentToward(l, a)
	}
	if !l.SilenceTells(dead, vps) {
		t.Error("three silent senders toward a prefix that answers: silence should tell")
	}
	if l.SilenceTells(alive, vps) {
		t.Error("a target that answered lately: silence should not tell")
	}
	if l.SilenceTells(rare, vps) {
		t.Error("a prefix that seldom answers: three silent senders should not tell")
	}
	many := slices.Repeat(vps, 10)
	if !l.SilenceTells(rare, many) {
		t.Error("thirty silent senders should tell even there")
	}
	if !l.SilenceTells(hopeless, vps) {
		t.Error("a prefix that hardly ever answers: more senders would not help, silence should tell")
	}
}

// TestLearnedSpreadsIngresses: a vantage point entering the prefix by an
// ingress a better-ranked one already enters by yields to one of a new
// ingress scoring at least half as well, and only to such a one; one the
// survey saw get there, even with no slot left, ranks above those it did
// not.
func TestLearnedSpreadsIngresses(t *testing.T) {
	in1, in2, in3 := ip("10.9.0.1"), ip("10.9.0.2"), ip("10.9.0.3")
	v5, v6 := ip("10.5.0.1"), ip("10.6.0.1")
	l := vpsel.NewLearned([]netip.Addr{v1, v2, v3, v4, v5, v6}, nil, nil)
	l.LearnSurvey([]vpsel.SurveyProbe{
		{VP: v1, Target: target, InRange: true, Ingress: in1, Stamps: 1}, // 6 slots left
		{VP: v2, Target: target, InRange: true, Ingress: in1, Stamps: 2}, // 5
		{VP: v3, Target: target, InRange: true, Ingress: in2, Stamps: 3}, // 4: at least half of 5
		{VP: v4, Target: target, InRange: true, Ingress: in3, Stamps: 6}, // 1: less than half
		{VP: v5, Target: target}, // out of range or silent
		{VP: v6, Target: target, InRange: true, Ingress: ip("10.9.0.4"), Stamps: 8}, // no slot left, but got there
	})
	if got, want := l.Rank(src, ip("10.9.0.99")), []netip.Addr{v1, v3, v2, v4, v6, v5}; !slices.Equal(got, want) {
		t.Errorf("rank %v, want %v", got, want)
	}
}

// TestLearnedSilenceByIngress: silent senders entering the target's prefix
// by one ingress are one piece of evidence, not three: their silence may
// be that ingress's; the same silence over three ingresses tells.
func TestLearnedSilenceByIngress(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	v5, v6 := ip("10.5.0.1"), ip("10.6.0.1")
	l := vpsel.NewLearned([]netip.Addr{v1, v2, v3, v4, v5, v6}, nil, nil)
	var survey []vpsel.SurveyProbe
	for i, vp := range []netip.Addr{v1, v2, v3, v4, v5, v6} {
		in := ip("10.9.0.1")
		if i >= 3 {
			in = netip.AddrFrom4([4]byte{10, 9, 0, byte(i)})
		}
		survey = append(survey, vpsel.SurveyProbe{VP: vp, Target: target, InRange: true, Ingress: in, Stamps: 2})
	}
	l.LearnSurvey(survey)
	for i := range 20 { // four in five pings into the prefix get a reply
		l.Observe(revtr.Observation{Src: src, Target: netip.AddrFrom4([4]byte{10, 9, 0, byte(100 + i)}), VP: v1, Replied: i%5 > 0, At: t0})
	}
	dead := ip("10.9.0.50")
	for _, vp := range []netip.Addr{v1, v2, v3, v4, v5, v6} {
		l.Observe(revtr.Observation{Src: src, Target: dead, VP: vp, At: t0})
	}
	if l.SilenceTells(dead, []netip.Addr{v1, v2, v3}) {
		t.Error("three silent senders entering by one ingress: silence should not tell")
	}
	if !l.SilenceTells(dead, []netip.Addr{v4, v5, v6}) {
		t.Error("three silent senders entering by three ingresses: silence should tell")
	}
}

// TestLearnedSkipSourceSilentWay: a source whose own Record Route pings
// toward a prefix keep going unanswered (a router on its way drops
// options) skips them there, and only there.
func TestLearnedSkipSourceSilentWay(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	l := vpsel.NewLearned([]netip.Addr{v1}, nil, nil)
	for i := range 8 {
		l.Observe(revtr.Observation{Src: src, Target: netip.AddrFrom4([4]byte{10, 5, 0, byte(i)}), VP: src, At: t0})
		l.Observe(revtr.Observation{Src: src, Target: netip.AddrFrom4([4]byte{10, 6, 0, byte(i)}), VP: src, Replied: true, InRange: true, At: t0})
	}
	if !l.SkipSource(src, ip("10.5.0.9")) {
		t.Error("eight silent pings from the source toward the prefix: want it skipped")
	}
	if l.SkipSource(src, ip("10.6.0.9")) {
		t.Error("a prefix that answers the source skipped")
	}
}

// BenchmarkLearnedRank ranks 50 vantage points, in 12 ASes, for targets
// in 300 prefixes whose survey saw 1–5 ingresses each, after 20,000
// observations: the engine ranks before every spoofed batch.
func BenchmarkLearnedRank(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	var vps []netip.Addr
	asOf := map[netip.Addr]uint32{}
	for i := range 50 {
		vp := netip.AddrFrom4([4]byte{172, 16, byte(i), 1})
		vps = append(vps, vp)
		asOf[vp] = uint32(rng.IntN(12))
	}
	l := vpsel.NewLearned(vps, nil, asOf)
	var survey []vpsel.SurveyProbe
	var targets []netip.Addr
	for p := range 300 {
		ingresses := 1 + rng.IntN(5)
		for _, vp := range vps {
			survey = append(survey, vpsel.SurveyProbe{VP: vp, Target: netip.AddrFrom4([4]byte{10, byte(p >> 8), byte(p), 1}),
				InRange: rng.IntN(3) > 0, Ingress: netip.AddrFrom4([4]byte{10, byte(p >> 8), byte(p), byte(200 + rng.IntN(ingresses))}),
				Stamps: rng.IntN(meas.RRSlots)})
		}
		for range 3 {
			targets = append(targets, netip.AddrFrom4([4]byte{10, byte(p >> 8), byte(p), byte(rng.IntN(200))}))
		}
	}
	l.LearnSurvey(survey)
	t0 := time.Unix(1_700_000_000, 0)
	for i := range 20_000 {
		revealed := rng.IntN(7) * rng.IntN(2)
		l.Observe(revtr.Observation{Src: vps[0], Target: targets[rng.IntN(len(targets))], VP: vps[rng.IntN(len(vps))],
			Replied: rng.IntN(2) == 0, InRange: revealed > 0, Revealed: revealed, At: t0.Add(time.Duration(i) * time.Millisecond)})
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if len(l.Rank(vps[i%len(vps)], targets[i%len(targets)])) != len(vps)-1 {
			b.Fatal("a vantage point is missing from the ranking")
		}
		i++
	}
}

// TestSpoofTestSource: the first source more than tries hosts answer is
// taken, and no later one is asked; failing that, the one the most
// answer; an error ends the choice.
func TestSpoofTestSource(t *testing.T) {
	s1, s2, s3 := ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.3")
	hosts := func(n int) []netip.Addr {
		var out []netip.Addr
		for i := range n {
			out = append(out, netip.AddrFrom4([4]byte{10, 1, 0, byte(i + 1)}))
		}
		return out
	}
	for _, c := range []struct {
		name    string
		answers map[netip.Addr]int
		want    netip.Addr
		asked   int
	}{
		{"first enough", map[netip.Addr]int{s1: 4, s2: 9, s3: 9}, s1, 1},
		{"second enough", map[netip.Addr]int{s1: 1, s2: 4, s3: 9}, s2, 2},
		{"none enough", map[netip.Addr]int{s1: 1, s2: 3, s3: 2}, s2, 3},
		{"none answered", map[netip.Addr]int{}, s1, 3},
	} {
		asked := 0
		src, targets, err := vpsel.SpoofTestSource([]netip.Addr{s1, s2, s3}, 3, func(s netip.Addr) ([]netip.Addr, error) {
			asked++
			return hosts(c.answers[s]), nil
		})
		if err != nil || src != c.want || len(targets) != c.answers[c.want] || asked != c.asked {
			t.Errorf("%s: %v with %d targets after asking %d, %v; want %v with %d after %d", c.name, src, len(targets), asked, err, c.want, c.answers[c.want], c.asked)
		}
	}
	boom := errors.New("prober gone")
	if _, _, err := vpsel.SpoofTestSource([]netip.Addr{s1, s2}, 3, func(netip.Addr) ([]netip.Addr, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("answering's error: %v", err)
	}
}

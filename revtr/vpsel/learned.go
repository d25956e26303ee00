package vpsel

import (
	"cmp"
	"math"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/revtr/revtr/atlas"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
)

// Learned ranks vantage points per target prefix by how many reverse hops
// their spoofed Record Route revealed on average, learned from every probe
// it is told about (revtr.Selector.Observe). Safe for concurrent use.
type Learned struct {
	vps []netip.Addr
	// asIndex numbers the vantage points' ASes densely, parallel to vps
	// (nil: no ASes given); ases is how many there are.
	asIndex []int32
	ases    int
	prefix  PrefixOf
	// Weight is how many observations the cold-start prior counts for.
	weight float64

	mu    sync.RWMutex
	stats map[netip.Prefix]map[netip.Addr]*tally
	// far holds targets a Record Route ping from a source did not get
	// within range of: routing seldom changes between two pings, so the
	// next one would not either. Bounded in size and age (LimitFar).
	far farMemory
	// answers holds targets some Record Route ping got a reply from
	// (keyed with an invalid source), bounded alike (SilenceTells).
	answers farMemory
	// replies counts, per prefix, the Record Route pings toward its
	// addresses it was told about and how many got a reply, and all
	// counts them over every prefix (SilenceTells).
	replies map[netip.Prefix]*replyTally
	all     replyTally
	// fromSrc counts, per source and prefix, the source's own Record
	// Route pings toward the prefix and their replies (SkipSource).
	fromSrc map[srcPrefix]*replyTally
	// toSrc is, per source and prefix, the fewest hops an atlas traceroute
	// crossed from the prefix to the source.
	toSrc map[netip.Addr]map[netip.Prefix]int
	// rrNear is, per source, the prefixes a Record Route ping from it got
	// within range of (the atlas's pings).
	rrNear map[netip.Addr]map[netip.Prefix]bool
	dist   map[netip.Prefix]map[netip.Addr]int // cold start: hops from a VP to a prefix
	// reach is the share of surveyed prefixes each vantage point got
	// within range of (LearnSurvey).
	reach map[netip.Addr]float64
	// ingress is, per surveyed prefix, the router each vantage point's
	// survey ping entered it by (LearnSurvey).
	ingress map[netip.Prefix]map[netip.Addr]netip.Addr
}

// tally counts probes and their outcomes: how many got within range, and
// how many reverse hops they revealed in all.
type tally struct{ tries, inRange, revealed int }

// NewLearned returns a selector over vps. prefix keys knowledge (nil:
// Slash24); asOf gives each vantage point's AS for the diversity tie-break
// (may be nil).
func NewLearned(vps []netip.Addr, prefix PrefixOf, asOf map[netip.Addr]uint32) *Learned {
	if prefix == nil {
		prefix = Slash24
	}
	l := &Learned{vps: slices.Clone(vps), prefix: prefix, weight: 2,
		stats: make(map[netip.Prefix]map[netip.Addr]*tally),
		far:   newFarMemory(DefaultFarEntries, DefaultFarAge), answers: newFarMemory(DefaultFarEntries, DefaultFarAge),
		toSrc: make(map[netip.Addr]map[netip.Prefix]int), replies: make(map[netip.Prefix]*replyTally),
		fromSrc: make(map[srcPrefix]*replyTally), rrNear: make(map[netip.Addr]map[netip.Prefix]bool),
		dist: make(map[netip.Prefix]map[netip.Addr]int), ingress: make(map[netip.Prefix]map[netip.Addr]netip.Addr)}
	if asOf != nil {
		index := make(map[uint32]int32)
		for _, vp := range l.vps {
			as := asOf[vp]
			if _, ok := index[as]; !ok {
				index[as] = int32(len(index))
			}
			l.asIndex = append(l.asIndex, index[as])
		}
		l.ases = len(index)
	}
	return l
}

// LimitFar bounds the memory of targets out of a source's Record Route
// range (see SkipSource), and that of targets that answered one (see
// SilenceTells), each alike: at most entries (source, target) pairs, each for
// at most age after the probe that found it, as told by the newest
// observation's time (revtr.Observation.At). When full, the older half is
// forgotten: its targets cost a source ping again. Call it before use; it
// forgets what was learned. It returns l.
func (l *Learned) LimitFar(entries int, age time.Duration) *Learned {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.far, l.answers = newFarMemory(entries, age), newFarMemory(entries, age)
	return l
}

// LearnPaths feeds the cold-start prior with the atlas traceroutes sent
// by vantage points toward the sources: a prefix seen at TTL d of a
// vantage point's traceroute is about d hops from it. It also learns
// which prefixes the atlas's Record Route pings from each source got
// within range of (SkipSource).
func (l *Learned) LearnPaths(paths []*atlas.Path) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range paths {
		l.seen(l.prefix(p.VP), p.VP, 0)
		for i, a := range p.Hops {
			if !a.IsValid() {
				continue
			}
			l.seen(l.prefix(a), p.VP, i+1)
			l.seenFrom(p.Src, l.prefix(a), len(p.Hops)-1-i)
			if i < len(p.RR) && len(p.RR[i]) > 0 {
				l.inRange(p.Src, l.prefix(a))
				l.answers.mark(pair{{}, a}, p.Time)
			}
		}
	}
}

// inRange notes that a Record Route ping from src got within range of an
// address in p.
func (l *Learned) inRange(src netip.Addr, p netip.Prefix) {
	m := l.rrNear[src]
	if m == nil {
		m = make(map[netip.Prefix]bool)
		l.rrNear[src] = m
	}
	m[p] = true
}

// LearnSurvey feeds the cold-start prior with the reference's Record
// Route survey (a ping from every vantage point to one address per
// prefix): a vantage point whose ping got within range of the prefix,
// after d stamps, is d hops from it, and one whose ping did not is farther
// than Record Route reaches. It also learns the ingress by which each
// vantage point's ping entered the prefix (Rank, SilenceTells).
func (l *Learned) LearnSurvey(probes []SurveyProbe) {
	l.mu.Lock()
	defer l.mu.Unlock()
	hits, tries := make(map[netip.Addr]int), make(map[netip.Addr]int)
	for _, sp := range probes {
		tries[sp.VP]++
		if sp.InRange {
			hits[sp.VP]++
		}
	}
	if l.reach == nil {
		l.reach = make(map[netip.Addr]float64, len(tries))
	}
	for vp, n := range tries {
		l.reach[vp] = float64(hits[vp]) / float64(n)
	}
	for _, sp := range probes {
		p := l.prefix(sp.Target)
		d := meas.RRSlots - 1 // out of range: no slot left after the target's
		if sp.InRange {
			d = min(sp.Stamps, meas.RRSlots-2) // in range: the options get there
			l.enters(p, sp.VP, sp.Ingress)
		}
		l.seen(p, sp.VP, d)
	}
}

// enters notes that vp's probes enter p by ingress (the first survey
// ping that told wins).
func (l *Learned) enters(p netip.Prefix, vp, ingress netip.Addr) {
	m := l.ingress[p]
	if m == nil {
		m = make(map[netip.Addr]netip.Addr)
		l.ingress[p] = m
	}
	if _, ok := m[vp]; !ok {
		m[vp] = ingress
	}
}

func (l *Learned) seenFrom(src netip.Addr, p netip.Prefix, d int) {
	m := l.toSrc[src]
	if m == nil {
		m = make(map[netip.Prefix]int)
		l.toSrc[src] = m
	}
	if old, ok := m[p]; !ok || d < old {
		m[p] = d
	}
}

func (l *Learned) seen(p netip.Prefix, vp netip.Addr, d int) {
	m := l.dist[p]
	if m == nil {
		m = make(map[netip.Addr]int)
		l.dist[p] = m
	}
	if old, ok := m[vp]; !ok || d < old {
		m[vp] = d
	}
}

// prior is the cold-start expectation of the reverse hops vp reveals for
// a target in a prefix whose distances from the vantage points are dist:
// the slots its Record Route has left after d forward stamps and the
// target's two, when the prefix is d hops from it; little when unknown,
// less when known to be too far or silent, and a little more than that
// when the survey's ping got there with no slot left.
func (l *Learned) prior(dist map[netip.Addr]int, vp netip.Addr) float64 {
	d, ok := dist[vp]
	switch {
	case !ok && l.reach != nil:
		return 0.15 + 0.1*l.reach[vp] // the survey's share of prefixes in range
	case !ok:
		return 0.25
	case d >= meas.RRSlots-1:
		return 0.1 // known to be too far, or silent: below the unknown
	case d == meas.RRSlots-2:
		return 0.12 // no slot left after the target's, but the options got there
	}
	return max(0.25, float64(meas.RRSlots-2-d))
}

// score is the smoothed mean number of reverse hops vp's probes into a
// prefix revealed (t: their tally there, nil if none; dist: the prefix's
// distances): the more a probe reveals, the fewer steps (and joins
// between measurements, where errors creep in) the path needs.
func (l *Learned) score(t *tally, dist map[netip.Addr]int, vp netip.Addr) float64 {
	prior := l.prior(dist, vp)
	if t == nil {
		return prior
	}
	return (float64(t.revealed) + l.weight*prior) / (float64(t.tries) + l.weight)
}

// ranked is a vantage point in a ranking: its index in Learned.vps, its
// score for the target's prefix and the index of the ingress the survey
// saw it enter the prefix by (-1: unknown). Small and pointer-free, it
// sorts fast.
type ranked struct {
	score   float64
	vp      int32
	ingress int32
}

// Rank orders the vantage points for target by score, best first; among
// equal scores, vantage points of ASes not yet ranked come first.
func (l *Learned) Rank(src, target netip.Addr) []netip.Addr {
	p := l.prefix(target)
	l.mu.RLock()
	stats, dist, ingress := l.stats[p], l.dist[p], l.ingress[p]
	rs := make([]ranked, 0, len(l.vps))
	var ingresses []netip.Addr // a prefix has few
	for i, vp := range l.vps {
		if vp == src {
			continue
		}
		r := ranked{score: l.score(stats[vp], dist, vp), vp: int32(i), ingress: -1}
		if in, ok := ingress[vp]; ok {
			k := slices.Index(ingresses, in)
			if k < 0 {
				k = len(ingresses)
				ingresses = append(ingresses, in)
			}
			r.ingress = int32(k)
		}
		rs = append(rs, r)
	}
	l.mu.RUnlock()
	slices.SortStableFunc(rs, func(a, b ranked) int { return cmp.Compare(b.score, a.score) })
	l.diversify(rs)
	if len(ingresses) > 0 {
		rs = spreadIngresses(rs, len(ingresses))
	}
	out := make([]netip.Addr, len(rs))
	for i, r := range rs {
		out[i] = l.vps[r.vp]
	}
	return out
}

// spreadIngresses reorders a ranking so that a vantage point entering the
// prefix by an ingress a better-ranked one enters by comes after those of
// ingresses not yet ranked (or unknown) that score at least half as well:
// a router near the prefix that drops options, or forwards them without
// stamping, fails every vantage point behind it alike. The reference's
// ranking (IngressCover) spreads ingresses too. ingresses is how many
// there are.
func spreadIngresses(rs []ranked, ingresses int) []ranked {
	rest := slices.Clone(rs)
	out := rs[:0]
	used := make([]bool, ingresses)
	fresh := func(r ranked) bool { return r.ingress < 0 || !used[r.ingress] }
	for len(rest) > 0 {
		k := 0
		if !fresh(rest[0]) {
			for i := 1; i < len(rest) && rest[i].score >= rest[0].score/2; i++ {
				if fresh(rest[i]) {
					k = i
					break
				}
			}
		}
		r := rest[k]
		rest = slices.Delete(rest, k, k+1)
		if r.ingress >= 0 {
			used[r.ingress] = true
		}
		out = append(out, r)
	}
	return out
}

// SkipSource reports whether a Record Route ping from src to target
// cannot reveal a reverse hop: one already failed to get within range of
// this very target, or the atlas never saw the target's prefix fewer than
// 8 hops from src (the ping's 9 slots then fill before any reverse hop)
// and no Record Route ping from src (the atlas's, to its traceroutes'
// hops) got within range of an address in it, or fewer than one in five
// of the source's own pings toward the prefix got a reply (at least
// four, the share smoothed toward that over all prefixes: a router on
// the source's way drops options). Range is judged from Record Route
// evidence first: routers that forward Record Route without stamping
// take no slot, so a prefix many traceroute hops away may be within
// range.
func (l *Learned) SkipSource(src, target netip.Addr) bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.far.has(pair{src, target}) {
		return true
	}
	p := l.prefix(target)
	if t := l.fromSrc[srcPrefix{src, p}]; t != nil && t.tries >= 4 && t.share(replyPrior, l.all.share(replyPrior, 0.5)) < 0.2 {
		return true // the source's way to the prefix drops options
	}
	if l.rrNear[src][p] {
		return false
	}
	d, ok := l.toSrc[src][p]
	return ok && d > meas.RRSlots-2
}

// SilenceTells reports whether the silence of senders toward target (no
// reply to their Record Route pings, one each) tells that the target
// answers none, or that more senders would hardly get a reply
// (revtr.SilenceJudge). It does not when a ping to the target got a
// reply lately from any sender; otherwise it does when a target of its
// prefix that answers would have been as silent toward that many ways in
// (senders entering the prefix by one ingress are one way: ways) with a
// chance under SilentChance, or when replies from the prefix are
// rarer than RareReplies — judged by the share of pings toward the
// prefix that got a reply (ICMP rate limits and routers that drop
// options make some prefixes' replies rare), smoothed toward the share
// over all prefixes.
func (l *Learned) SilenceTells(target netip.Addr, senders []netip.Addr) bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.answers.has(pair{{}, target}) {
		return false
	}
	p := l.prefix(target)
	q := l.all.share(replyPrior, 0.5)
	if rt := l.replies[p]; rt != nil {
		// Not counting the silent pings being judged (told about, most
		// likely): they would judge themselves.
		others := replyTally{tries: max(rt.replied, rt.tries-len(senders)), replied: rt.replied}
		q = others.share(replyPrior, q)
	}
	return q < RareReplies || math.Pow(1-q, float64(l.ways(p, senders))) < SilentChance
}

// ways counts the independent ways into p that senders' probes took:
// their ingresses, where the survey told them, one per sender otherwise
// (senders entering by one ingress share the routers that may drop
// options).
func (l *Learned) ways(p netip.Prefix, senders []netip.Addr) int {
	ing := l.ingress[p]
	seen := make(map[netip.Addr]bool, len(senders))
	n := 0
	for _, s := range senders {
		in, ok := ing[s]
		if !ok || !seen[in] {
			n++
		}
		if ok {
			seen[in] = true
		}
	}
	return n
}

// SilenceTells' bounds. SilentChance is the most it lets a target that
// answers Record Route be given up on: the chance that it was as silent
// as it seemed. Below RareReplies, the share of pings toward a prefix
// answered, a few more senders would hardly get one: at 0.15, four get
// none with a chance of 0.52.
const (
	SilentChance = 0.05
	RareReplies  = 0.15
)

// replyPrior is how many pings the prior share of replies counts for.
const replyPrior = 4

// srcPrefix is a source and a prefix.
type srcPrefix struct {
	src netip.Addr
	p   netip.Prefix
}

// replyTally counts Record Route pings and their replies.
type replyTally struct{ tries, replied int }

func (t *replyTally) add(replied bool) {
	t.tries++
	if replied {
		t.replied++
	}
}

// share is the smoothed share of pings that got a reply: prior counts
// for w pings.
func (t replyTally) share(w, prior float64) float64 {
	return (float64(t.replied) + w*prior) / (float64(t.tries) + w)
}

// Observe learns from one probe.
func (l *Learned) Observe(o revtr.Observation) {
	p := l.prefix(o.Target)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.far.observe(o.At)
	l.answers.observe(o.At)
	if o.VP == o.Src && o.Replied && !o.InRange {
		l.far.mark(pair{o.Src, o.Target}, o.At)
	}
	if o.Replied {
		l.answers.mark(pair{{}, o.Target}, o.At)
	}
	rt := l.replies[p]
	if rt == nil {
		rt = &replyTally{}
		l.replies[p] = rt
	}
	rt.add(o.Replied)
	l.all.add(o.Replied)
	if o.VP == o.Src {
		k := srcPrefix{o.Src, p}
		if l.fromSrc[k] == nil {
			l.fromSrc[k] = &replyTally{}
		}
		l.fromSrc[k].add(o.Replied)
	}
	m := l.stats[p]
	if m == nil {
		m = make(map[netip.Addr]*tally)
		l.stats[p] = m
	}
	t := m[o.VP]
	if t == nil {
		t = &tally{}
		m[o.VP] = t
	}
	t.tries++
	if o.InRange {
		t.inRange++
	}
	t.revealed += o.Revealed
}

// diversify reorders runs of equal score so that vantage points of ASes
// not yet seen in the ranking come first (round-robin over ASes).
func (l *Learned) diversify(rs []ranked) {
	if l.asIndex == nil {
		return
	}
	used := make([]bool, l.ases)
	for i := 0; i < len(rs); {
		j := i + 1
		for j < len(rs) && rs[j].score == rs[i].score {
			j++
		}
		run := rs[i:j]
		if len(run) > 1 {
			slices.SortStableFunc(run, func(a, b ranked) int {
				return cmp.Compare(b2i(used[l.asIndex[a.vp]]), b2i(used[l.asIndex[b.vp]]))
			})
		}
		for _, r := range run {
			used[l.asIndex[r.vp]] = true
		}
		i = j
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

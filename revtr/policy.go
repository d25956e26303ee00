package revtr

import (
	"fmt"
	"time"
)

// Policy is the engine's strategy: how many vantage points it spoofs from,
// in which batches, what it refuses, and its limits. Two are built in:
// DefaultPolicy (ours) and ReferencePolicy (the published engine's).
type Policy struct {
	Name string
	// Batches are the sizes of the successive rounds of spoofed Record
	// Route probes toward one hop; their sum is the most spoofers per hop.
	// A batch that reveals reverse hops ends the rounds, its longest
	// segment taken.
	Batches []int
	// IngressFailures: once this many vantage points entering a prefix
	// through one ingress (as an Ingresser selector tells) revealed no
	// reverse hop in a reverse traceroute, its other vantage points are
	// passed over for targets in that prefix. 0 never gives up.
	IngressFailures int
	// TargetUnanswered: once this many probes toward a target in a
	// reverse traceroute got no reply, no more are sent to it. 0 never
	// gives up.
	TargetUnanswered int
	// QuitSilent: once a whole batch of spoofed probes toward a target got
	// no reply, and neither did any other probe toward it in the reverse
	// traceroute (the source's own, an earlier batch), no further batch is
	// sent to it: a target that answers no Record Route ping from several
	// senders drops options, or a router before it does, and will answer
	// none. Where the selector judges that silence not telling
	// (SilenceJudge: the target answered lately, or its prefix's replies
	// are rare enough that the silence is likely the senders' paths'),
	// the next batch is sent but at most twice the silent one.
	QuitSilent bool
	// DestinationHedge: when QuitSilent gives up on the destination, this
	// many vantage points more are tried first, each of an AS none of the
	// silent senders (nor an earlier one of them) is in, in the
	// selector's order; failing them, symmetry is assumed at the
	// destination. A router that drops options silences every sender
	// whose way passes it, and a ranking learned from the prefix's other
	// addresses picks senders of those ways: a router interface numbered
	// from a neighbour's prefix is reached by its own AS's ways
	// (docs/eval.md).
	DestinationHedge int
	// PreferAtlas cuts a Record Route segment at its first hop that is on
	// an atlas traceroute toward the source, even one that reached the
	// source, and takes the traceroute's continuation instead: a
	// traceroute shows the routers that forward Record Route without
	// stamping, which Record Route misses. Only a continuation that adds
	// to the Record Route hops it would replace is taken: one that has
	// them all (aliases resolved), or one no shorter that shows an AS
	// none of them is in; a traceroute misses routers that send no time
	// exceeded, and one lacking a Record Route hop would swap a router
	// of the reply's path for another. The reference stops at a segment
	// that reaches the source.
	PreferAtlas bool
	// DropLoopingSegments drops a segment that comes back to a hop at or
	// before the one it would extend, as if its measurement had revealed
	// nothing, and the search goes on; otherwise the reverse traceroute
	// fails (FailLoop), as the reference's does. Such a loop is mostly
	// made by a wrong alias: Record Route aliases are inferred
	// (atlas.inferAliases), and a router that does not stamp can pair
	// one router's interface with another's address.
	DropLoopingSegments bool
	// AllSegmentHops tries Record Route on every hop of the last segment,
	// last first; otherwise only on its last hop.
	AllSegmentHops bool
	// RefuseInterdomainSymmetry fails rather than assume symmetry over an
	// interdomain link (or one whose end's AS is unknown). A request may
	// override it.
	RefuseInterdomainSymmetry bool
	// KeepCandidates keeps the ambiguous hops of an RR-atlas segment that
	// AS-loop narrowing left; otherwise they are dropped.
	KeepCandidates bool
	// TwoHostHops asks the two-host responder of every hop the path newly
	// reaches (the last hop of each new segment, after a failed atlas
	// look-up, before Record Route), not only the destination's. An
	// address whose presence check failed is not asked again for
	// Staleness; otherwise each check costs a probe and a round.
	TwoHostHops bool
	// ShortTraces starts the traceroute that assumed symmetry needs (only
	// its hop before the current one matters) near that hop, at a TTL
	// learnt from earlier traceroutes toward its prefix or from a Record
	// Route ping toward it, instead of at TTL 1; if the start was too late
	// it runs again from 1.
	ShortTraces bool
	// Staleness: atlas traceroutes older than this are not used, nor is
	// the knowledge that an address runs no two-host responder.
	Staleness time.Duration
	// Timeouts adapts Record Route and ping timeouts to the RTTs seen
	// toward the target's prefix; zero waits the prober's default.
	Timeouts Timeouts
	// ReusePaths: reverse paths toward the source that reverse traceroutes
	// of the engine measured at most this long ago are intersected like
	// atlas traceroutes (Config.Paths, HopPathAtlas); a path is as old as
	// the oldest measurement it took hops from. 0: never. The default,
	// 1 hour, is the largest age at which reused hops were as accurate
	// as atlas traceroutes of the same age under simulated route churn
	// (docs/eval.md, "Reused paths under route churn").
	ReusePaths time.Duration
	// RTTFromProbes takes a hop's RTT from a probe the source itself
	// sent to that hop while finding the path, when one was answered — its
	// Record Route ping, the traceroute that assumed symmetry, the ping
	// that checked the destination alive — instead of pinging the hop
	// once more afterwards; the hop's RTTMeasurementID then names that
	// probe. The reference pings every hop. A router that processes IP
	// options on a slower path may delay a Record Route ping more than a
	// plain one, so such an RTT can be the larger.
	RTTFromProbes bool
	// Deepen: once no hop of the segment the path ends with leads on,
	// before symmetry is assumed, the hop that segment was revealed from
	// gets spoofed Record Route pings from this many vantage points not
	// tried toward it; a longer segment replaces the path's. A vantage
	// point nearer the hop leaves more slots for reverse hops, so its
	// segment may pass a router that answers no probe. 0: never (the
	// reference).
	Deepen int
	// Cache is how the policy reuses measurements (Config.Cache); zero:
	// it measures everything anew.
	Cache CacheRules
	// MaxProbes is the probe budget of one reverse traceroute (RTT pings
	// included).
	MaxProbes int
}

// Names of the built-in policies.
const (
	PolicyDefault   = "default"
	PolicyReference = "reference"
)

// ReferencePolicy reproduces the reference engine's choices (docs/protocols.md
// §1): spoofers in batches of 5, at most 10 per hop, an ingress given up
// after 5 of its vantage points failed and a target after 10 unanswered
// probes (both counted per reverse traceroute), every hop of the last
// segment tried, interdomain symmetry refused, atlas staleness one day.
// Pair it with the ingress-cover selector (vpsel.IngressCover).
func ReferencePolicy() Policy {
	return Policy{Name: PolicyReference, Batches: []int{5, 5}, IngressFailures: 5, TargetUnanswered: 10, AllSegmentHops: true,
		RefuseInterdomainSymmetry: true, KeepCandidates: true, Staleness: 24 * time.Hour, MaxProbes: 400,
		Cache: CacheRules{TTL: DefaultCacheTTL, Silent: DefaultCacheSilent, LastSlot: true}}
}

// DefaultPolicy is ours: the reference's refusals, staleness, limit of 10
// unanswered probes per target and at most 10 spoofers per hop in at most
// two rounds, with a learned ranking (vpsel.Learned) — and these changes.
// The first batch is 2 vantage points, not 5, and a batch that reveals
// hops ends the rounds; no second batch follows one of which no probe, nor
// any earlier one toward the target, got a reply, where that silence
// tells (QuitSilent); spoofed pings any vantage point sent toward the
// target lately are reused before any is sent (CacheRules.AnySender); Record
// Route from the source is skipped where it cannot reveal a hop
// (vpsel.Learned.SkipSource); the traceroute that assumed symmetry
// needs starts near the hop (ShortTraces); an atlas traceroute met on a
// Record Route segment is taken from there where it adds to the segment
// (PreferAtlas); a hop the source already probed keeps that probe's RTT
// (RTTFromProbes); its cache joins measurements in flight; a segment that
// loops back onto the path is dropped and the search goes on, where the
// reference fails (DropLoopingSegments); before assuming symmetry where
// a segment led nowhere, 2 more vantage points spoof toward the hop that
// revealed it (Deepen). The measured
// effect of each is in docs/eval.md. It asks the destination's
// two-host responder only (TwoHostHops off): where responders run on end
// hosts, as in the generated topologies, asking hops too cost 0.15–0.3
// probes and rounds more per reverse traceroute and found nothing (host
// destinations, seeds 1–4); with every router also a destination, it cost
// nothing, the per-address memory being shared. Turn it on where
// responders run on the way.
func DefaultPolicy() Policy {
	return Policy{Name: PolicyDefault, Batches: []int{2, 8}, TargetUnanswered: 10, QuitSilent: true, DestinationHedge: 2, Deepen: 2, DropLoopingSegments: true, ShortTraces: true, PreferAtlas: true, AllSegmentHops: true,
		RefuseInterdomainSymmetry: true, KeepCandidates: true, Staleness: 24 * time.Hour, MaxProbes: 400,
		ReusePaths: time.Hour, RTTFromProbes: true, Cache: CacheRules{TTL: DefaultCacheTTL, Silent: DefaultCacheSilent, Join: true, AnySender: true}}
}

// PolicyByName returns a built-in policy.
func PolicyByName(name string) (Policy, error) {
	switch name {
	case PolicyDefault, "":
		return DefaultPolicy(), nil
	case PolicyReference:
		return ReferencePolicy(), nil
	}
	return Policy{}, fmt.Errorf("unknown policy %q: want %s or %s", name, PolicyDefault, PolicyReference)
}

// maxSpoofers is the most spoofed probes toward one hop.
func (p Policy) maxSpoofers() int {
	n := 0
	for _, b := range p.Batches {
		n += b
	}
	return n
}

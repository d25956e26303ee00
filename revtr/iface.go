package revtr

import (
	"context"
	"net/netip"
	"time"

	"github.com/revtr/revtr/atlas"
	"github.com/revtr/revtr/ipasn"
)

// Atlas is the traceroute atlas toward the sources (package atlas). notBefore
// is the staleness bound: traceroutes measured earlier must not be used.
type Atlas interface {
	Intersect(src, addr netip.Addr, notBefore time.Time) (atlas.Hit, bool)
}

// Aliases is alias knowledge: whether two addresses belong to one router.
// It is learned (the atlas learns some; alias resolution more), never
// complete.
type Aliases interface {
	SameRouter(a, b netip.Addr) bool
}

// ASMap maps an address to the longest announced prefix covering it and
// that prefix's origin AS. ok is false when unknown. OriginAS adapts an
// ipasn.Map.
type ASMap interface {
	Lookup(addr netip.Addr) (prefix netip.Prefix, asn uint32, ok bool)
}

// OriginAS is the ASMap of a prefix-to-AS map: a multi-origin prefix maps
// to its first origin, as the reference annotates hops with one ASN.
type OriginAS struct{ M *ipasn.Map }

// Lookup returns the longest prefix covering addr and its first origin.
func (o OriginAS) Lookup(addr netip.Addr) (netip.Prefix, uint32, bool) {
	p, origins, ok := o.M.Lookup(addr)
	if !ok || origins.First() == 0 {
		return netip.Prefix{}, 0, false
	}
	return p, origins.First(), true
}

// Bogons tells addresses nobody should probe (private, reserved,
// special-purpose) from the rest; *ipasn.Bogons implements it. The engine
// still probes bogons inside its configured allow-list (the lab's own
// prefixes).
type Bogons interface {
	IsBogon(addr netip.Addr) bool
}

// Selector ranks vantage points for spoofed Record Route toward a target
// and learns from every Record Route probe's outcome. Implementations are
// in package vpsel; they must be safe for concurrent use.
type Selector interface {
	// Rank returns vantage points for probing target as src, best first.
	Rank(src, target netip.Addr) []netip.Addr
	// SkipSource reports whether a Record Route ping from src itself to
	// target is known not to be worth its probe.
	SkipSource(src, target netip.Addr) bool
	// Observe learns from one probe.
	Observe(o Observation)
}

// Ingresser is implemented by selectors that know through which ingress
// router a vantage point's probes enter a target's prefix (the reference's
// ingress cover), so that the engine can give up on an ingress whose
// vantage points keep failing (Policy.IngressFailures).
type Ingresser interface {
	Ingress(target, vp netip.Addr) (ingress netip.Addr, ok bool)
}

// SilenceJudge is implemented by selectors that can tell whether the
// senders' silence toward a target says the target answers no Record
// Route ping (it drops options), or only that their paths do not carry
// one (options dropped on the way, ICMP rate limits): Policy.QuitSilent
// gives up on a target after a silent batch only when the silence
// tells. Without one, any silence does.
type SilenceJudge interface {
	SilenceTells(target netip.Addr, senders []netip.Addr) bool
}

// Observation is the outcome of one Record Route probe toward Target as
// Src, sent by VP (VP == Src: not spoofed).
type Observation struct {
	Src, Target, VP netip.Addr
	Replied         bool // a reply reached the source
	InRange         bool // the target's stamp is in the reply: it was within 8 hops
	Revealed        int  // reverse hops the reply revealed
	// At is when the reverse traceroute that sent the probe started;
	// selectors age what they learn by it.
	At time.Time
}

// Clock tells the time of a measurement. On the Internet it is the wall
// clock; on the simulator each reverse traceroute runs on its own virtual
// timeline, which the context carries.
type Clock interface {
	Now(ctx context.Context) time.Time
}

// Brancher is implemented by clocks on which measurements advance time
// (virtual clocks): Branch returns a context for a measurement that runs
// in parallel with others from now on, and a join function that advances
// the parent timeline to the branch's end. Wall clocks need no branches.
type Brancher interface {
	Branch(ctx context.Context) (context.Context, func())
}

// WallClock is the real time.
type WallClock struct{}

// Now returns time.Now().
func (WallClock) Now(context.Context) time.Time { return time.Now() }

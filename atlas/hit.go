package atlas

import (
	"fmt"
	"net/netip"
	"time"
)

// Kind says how an address intersected the atlas.
type Kind uint8

// Intersection kinds.
const (
	// OnTrace: the address, or a known alias of it, is a hop of a
	// traceroute toward the source; the rest of the path is the rest of
	// that traceroute.
	OnTrace Kind = iota + 1
	// OnRR: the address is a Record Route interface seen on the way back
	// from a traceroute hop to the source; the rest of the path is the rest
	// of that Record Route, then of the traceroute, joined at a position
	// that incomplete alias knowledge may leave ambiguous (candidate hops).
	OnRR
)

// String returns "trace" or "rr".
func (k Kind) String() string {
	switch k {
	case OnTrace:
		return "trace"
	case OnRR:
		return "rr"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Hop is one hop of the rest of a path toward the source.
type Hop struct {
	Addr netip.Addr
	// Candidate: the hop is on the path only if the intersection lies
	// before it, which the atlas could not tell (see OnRR).
	Candidate bool
}

// Hit is an intersection of an address with the atlas toward a source.
type Hit struct {
	Kind   Kind
	PathID uint64    // measurement ID of the atlas traceroute
	Time   time.Time // when that traceroute was measured
	At     netip.Addr
	// Hops is the rest of the path after At, toward the source; the last
	// hop is the source itself.
	Hops []Hop
}

// Candidates counts the candidate hops.
func (h Hit) Candidates() int {
	n := 0
	for _, x := range h.Hops {
		if x.Candidate {
			n++
		}
	}
	return n
}

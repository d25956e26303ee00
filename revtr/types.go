package revtr

import (
	"encoding/json"
	"fmt"
)

// HopType says which technique revealed a hop, numbered as in the
// reference archive.
type HopType uint8

// Hop types. Numbers 1–6, 11 and 12 are the reference archive's; 7–10 are
// left to its timestamp-option techniques, which this engine does not use.
const (
	HopDestination   HopType = 1  // the destination itself (hop 0)
	HopSymmetry      HopType = 2  // assumed symmetry (older archives: intra or inter not told)
	HopTrace         HopType = 3  // intersection with a traceroute toward S
	HopRRAtlas       HopType = 4  // intersection through the Record Route atlas
	HopRR            HopType = 5  // Record Route ping from S
	HopSpoofedRR     HopType = 6  // Record Route ping spoofed as S by a vantage point
	HopSymmetryIntra HopType = 11 // assumed symmetry over an intradomain link
	HopSymmetryInter HopType = 12 // assumed symmetry over an interdomain link
	// HopTwoHost is new, beyond the reference: the hop was reported by a
	// two-host reverse traceroute responder (docs/protocols.md §3) running on
	// the destination or, with Policy.TwoHostHops, on a hop already on
	// the path. The responder itself sends traceroute probes toward the
	// source, so these hops are measured on the reverse path, not
	// inferred: each is the address that answered one TTL (as traceroute
	// shows a router, typically its incoming interface, where Record
	// Route shows the outgoing one); silent TTLs are left out; every hop
	// of one responder's answer carries that answer's measurement ID and
	// the path runs on to the source. 20 keeps clear of every number the
	// reference uses or reserves; older consumers should read it as an
	// unknown technique, not as any of 1–12.
	HopTwoHost HopType = 20
	// HopPathAtlas is new, beyond the reference: the hop lies on a reverse
	// path toward the source that another reverse traceroute measured
	// earlier (at most Policy.ReusePaths ago), which this one met at the
	// hop before (Config.Paths): the rest of that path is taken as the rest
	// of this one, as an atlas traceroute's would be (HopTrace). Only the
	// part of the earlier path measured hop by hop is reused, never an
	// assumed (symmetry) or candidate hop, nor past an address where two
	// such paths went on to different routers (PathAtlas). Every such
	// hop's measurement ID
	// is the ID of the earlier reverse traceroute, whose own hops say how
	// each was measured.
	HopPathAtlas HopType = 21
)

var hopTypeNames = map[HopType]string{
	HopDestination: "dst", HopSymmetry: "sym", HopTrace: "tr", HopRRAtlas: "rr-atlas",
	HopRR: "rr", HopSpoofedRR: "spoof-rr", HopSymmetryIntra: "sym-intra",
	HopSymmetryInter: "sym-inter", HopTwoHost: "two-host", HopPathAtlas: "path-atlas",
}

// String returns a short name: "dst", "rr", "spoof-rr", "tr", ...
func (t HopType) String() string {
	if s, ok := hopTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("hoptype(%d)", uint8(t))
}

// Legacy returns the type older archive consumers know: symmetry hops of
// either kind are HopSymmetry.
func (t HopType) Legacy() HopType {
	if t == HopSymmetryIntra || t == HopSymmetryInter {
		return HopSymmetry
	}
	return t
}

// Symmetry reports whether the hop was assumed, not measured.
func (t HopType) Symmetry() bool { return t.Legacy() == HopSymmetry }

// HopTypes lists every hop type the engine produces, in report order.
func HopTypes() []HopType {
	return []HopType{HopDestination, HopTwoHost, HopTrace, HopRRAtlas, HopPathAtlas, HopRR, HopSpoofedRR,
		HopSymmetryIntra, HopSymmetryInter}
}

// Stop says how a reverse traceroute ended.
type Stop uint8

// Stop reasons, spelled in JSON as the reference archive spells them.
const (
	Reaches  Stop = iota // the path reached the source
	Failed               // gave up; Result.Fail says why
	Trivial              // nothing to measure (destination is the source)
	Canceled             // the caller canceled the measurement
)

var stopNames = [...]string{"REACHES", "FAILED", "TRIVIAL", "CANCELED"}

// String returns "REACHES", "FAILED", "TRIVIAL" or "CANCELED".
func (s Stop) String() string {
	if int(s) < len(stopNames) {
		return stopNames[s]
	}
	return fmt.Sprintf("stop(%d)", uint8(s))
}

// MarshalText encodes the stop reason as its archive name.
func (s Stop) MarshalText() ([]byte, error) {
	if int(s) >= len(stopNames) {
		return nil, fmt.Errorf("marshal stop reason %d: unknown", uint8(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText decodes an archive stop reason.
func (s *Stop) UnmarshalText(b []byte) error {
	for i, n := range stopNames {
		if n == string(b) {
			*s = Stop(i)
			return nil
		}
	}
	return fmt.Errorf("unmarshal stop reason %q: want REACHES, FAILED, TRIVIAL or CANCELED", b)
}

// FailReason says why a reverse traceroute failed. Its String is the short
// sentence the archive's fail_reason holds (the reference's own sentence
// where docs/protocols.md gives one).
type FailReason uint8

// Fail reasons.
const (
	FailNone                FailReason = iota
	FailDestUnresponsive               // the destination answers no ping
	FailNoRRSupport                    // it answers pings but not Record Route pings
	FailNoVPInRange                    // no Record Route probe got within range of a hop
	FailNoHops                         // every technique failed at some hop
	FailLoop                           // the path came back to a hop it had
	FailBudget                         // the per-revtr probe budget ran out
	FailSymmetryInterdomain            // symmetry refused on an interdomain link
	FailSymmetryUnknownAS              // symmetry refused: an end's AS is unknown
	FailSymmetryTraceroute             // the traceroute for symmetry did not reach the hop
	FailSourceNotConfigured            // the source is not one of ours
	FailBogonDestination               // private or bogon destination outside the allow-list
	FailUnknownVantagePoint            // the selector named an unconfigured vantage point
	FailProber                         // the prober returned an error
	FailBadAddress                     // invalid or mixed-family address
	failReasons                        // count
)

var failSentences = [failReasons]string{
	FailNone:                "",
	FailDestUnresponsive:    "Destination does not respond to ping.",
	FailNoRRSupport:         "Destination does not respond to Record Route.",
	FailNoVPInRange:         "No vantage point within Record Route range.",
	FailNoHops:              "Failed to find hops for any path.",
	FailLoop:                "Loop detected in reverse path.",
	FailBudget:              "Probe budget exhausted.",
	FailSymmetryInterdomain: "Assume symmetry on an interdomain link",
	FailSymmetryUnknownAS:   "Assume symmetry with an unknown AS",
	FailSymmetryTraceroute:  "Traceroute failed when trying to assume symmetric",
	FailSourceNotConfigured: "Source is not configured.",
	FailBogonDestination:    "Destination is a private or bogon address.",
	FailUnknownVantagePoint: "Unknown vantage point.",
	FailProber:              "Measurement error.",
	FailBadAddress:          "Invalid address.",
}

// String returns the archive sentence ("" for FailNone).
func (f FailReason) String() string {
	if f < failReasons {
		return failSentences[f]
	}
	return fmt.Sprintf("fail reason %d", uint8(f))
}

// FailReasons lists every reason but FailNone, in declaration order.
func FailReasons() []FailReason {
	out := make([]FailReason, 0, failReasons-1)
	for f := FailReason(1); f < failReasons; f++ {
		out = append(out, f)
	}
	return out
}

// ParseFailReason maps an archive sentence back to its reason; unknown
// sentences (from other engines) give ok false.
func ParseFailReason(s string) (FailReason, bool) {
	for f, t := range failSentences {
		if t == s {
			return FailReason(f), true
		}
	}
	return FailNone, false
}

// MarshalJSON encodes the reason as its sentence.
func (f FailReason) MarshalJSON() ([]byte, error) { return json.Marshal(f.String()) }

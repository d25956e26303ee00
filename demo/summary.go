package demo

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/eval"
)

// print writes the summary; against names the ground truth ("the lab's").
func (s Summary) print(w io.Writer, against string) {
	fmt.Fprintf(w, "\n== summary of batch %d: %d reverse traceroutes measured through the API, scored against %s ground truth\n",
		s.Batch, s.Revtrs, against)
	fmt.Fprintf(w, "coverage: %d of %d reverse traceroutes reached the source%s\n", s.Reached, s.Revtrs, s.failures())
	fmt.Fprintf(w, "AS level: %d %s, %d %s, %d %s (of the %d that reached)\n",
		s.AS[eval.ASAllPresent], eval.ASAllPresent, s.AS[eval.ASMissingOne], eval.ASMissingOne, s.AS[eval.ASDiscrepant], eval.ASDiscrepant, s.Reached)
	fmt.Fprintf(w, "router level: %d exactly the true path, %d with no hop off it; %d of %d hops off the true path\n",
		s.Exact, s.Consistent, s.WrongHops, s.Hops)
	fmt.Fprintf(w, "hops by technique: %s\n", s.hopTypes())
	if s.TwoHost > 0 {
		fmt.Fprintf(w, "two-host: %d reverse paths with hops from the destinations' responders\n", s.TwoHost)
	}
	c := s.Cost
	fmt.Fprintf(w, "probes: %d (%.1f per reverse traceroute): %d RR, %d spoofed RR, %d traceroute, %d ping, %d RTT ping, %d two-host; %.1f rounds per reverse traceroute\n",
		c.Probes(), per(c.Probes(), s.Revtrs), c.RR, c.SpoofedRR, c.Trace, c.Ping, c.RTT, c.TwoHost, per(c.Rounds, s.Revtrs))
	fmt.Fprintf(w, "forward traceroutes equal to the ground truth: %d of %d\n", s.ForwardOK, s.Forward)
}

func per(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// failures lists the fail reasons, most frequent first.
func (s Summary) failures() string {
	if len(s.Failed) == 0 {
		return ""
	}
	reasons := slices.SortedFunc(maps.Keys(s.Failed), func(a, b string) int {
		if d := s.Failed[b] - s.Failed[a]; d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = fmt.Sprintf("%d %q", s.Failed[r], r)
	}
	return "; did not: " + strings.Join(parts, ", ")
}

// hopTypes counts the hops by technique, in the engine's report order.
func (s Summary) hopTypes() string {
	var parts []string
	for _, t := range revtr.HopTypes() {
		if n := s.HopTypes[t]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, t))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

package eval

import (
	"fmt"
	"math"

	"github.com/revtr/revtr/revtr"
)

// markOf reads what a reverse traceroute achieved.
func markOf(o Outcome) Mark {
	if o.Result.Stop != revtr.Reaches {
		return 0
	}
	m := MarkReached
	if o.Score.Exact {
		m |= MarkExact
	}
	if o.Score.AS == ASAllPresent {
		m |= MarkAllASes
	}
	return m
}

// Discordant counts, for one achievement, the pairs where only the first
// policy had it and those where only the second did.
type Discordant struct{ OnlyFirst, OnlySecond int }

// SE is the difference in standard errors of the sign test: how far
// OnlyFirst − OnlySecond is from what chance alone gives (0 with no
// discordant pair).
func (d Discordant) SE() float64 {
	n := d.OnlyFirst + d.OnlySecond
	if n == 0 {
		return 0
	}
	return float64(d.OnlyFirst-d.OnlySecond) / math.Sqrt(float64(n))
}

// Paired compares two policies' runs over the same pairs, pair by pair:
// reaching the source over every pair, the exact path and all ASes
// present over the pairs both reached (where both are judged). ok is
// false when the runs are not over the same number of pairs.
func Paired(a, b Summary) (reached, exact, allASes Discordant, ok bool) {
	if len(a.Marks) != len(b.Marks) || len(a.Marks) == 0 {
		return reached, exact, allASes, false
	}
	for i, ma := range a.Marks {
		d := discord(ma, b.Marks[i])
		reached.count(ma, d, MarkReached)
		exact.count(ma, d, MarkExact)
		allASes.count(ma, d, MarkAllASes)
	}
	return reached, exact, allASes, true
}

// discord returns the achievements that exactly one of marks a and b
// has, among those judged: reaching the source on every pair, the exact
// path and all ASes present on pairs both reached.
func discord(a, b Mark) Mark {
	switch d := a ^ b; {
	case d&MarkReached != 0:
		return MarkReached
	case a&MarkReached == 0:
		return 0
	default:
		return d
	}
}

// count counts a pair whose discordant achievements are d, the first
// policy's mark a, in bit's tally.
func (c *Discordant) count(a, d, bit Mark) {
	switch {
	case d&bit == 0:
	case a&bit != 0:
		c.OnlyFirst++
	default:
		c.OnlySecond++
	}
}

// String is "first / second (±x.x s.e.)".
func (d Discordant) String() string {
	return fmt.Sprintf("%d / %d (%+.1f s.e.)", d.OnlyFirst, d.OnlySecond, d.SE())
}

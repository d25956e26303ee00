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

// Common is accuracy on one set of pairs: the pairs both of two runs
// over the same pairs reached (N), and how many of them each run got
// exact and with all ASes present. Where coverage differs, a share of
// the pairs each run reached weighs the pairs only one of them reached —
// mostly the hardest — against that one; on the common set both are
// judged on the same pairs.
type Common struct {
	N              int
	Exact, AllASes [2]int
}

// CommonSet counts accuracy on the pairs both runs reached; ok is false
// when the runs are not over the same number of pairs.
func CommonSet(a, b Summary) (c Common, ok bool) {
	if len(a.Marks) != len(b.Marks) || len(a.Marks) == 0 {
		return c, false
	}
	for i, ma := range a.Marks {
		mb := b.Marks[i]
		if ma&mb&MarkReached == 0 {
			continue
		}
		c.N++
		for k, m := range [2]Mark{ma, mb} {
			if m&MarkExact != 0 {
				c.Exact[k]++
			}
			if m&MarkAllASes != 0 {
				c.AllASes[k]++
			}
		}
	}
	return c, true
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

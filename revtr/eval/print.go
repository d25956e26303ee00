package eval

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/revtr/revtr/revtr"
)

// row is one line of the side-by-side table.
type row struct {
	name    string
	val     func(Summary) float64
	f       string
	simOnly bool // meaningful on the simulator only
}

// accuracyRows come first, then (for two policies) the common set's
// lines, then costRows.
var accuracyRows = []row{
	{"coverage (reach S)", Summary.Coverage, "%.3f", false},
	{"router-level exact", Summary.ExactShare, "%.3f", false},
	{"no wrong hop, in order", Summary.ConsistentShare, "%.3f", false},
	{"hops wrong", Summary.WrongShare, "%.3f", false},
	{"true routers found", Summary.Recall, "%.3f", false},
	{"AS: all present", func(s Summary) float64 { return s.ASShare(ASAllPresent) }, "%.3f", false},
	{"AS: missing one", func(s Summary) float64 { return s.ASShare(ASMissingOne) }, "%.3f", false},
	{"AS: discrepant", func(s Summary) float64 { return s.ASShare(ASDiscrepant) }, "%.3f", false},
}

var costRows = []row{
	{"probes / revtr", Summary.ProbesPerRevtr, "%.2f", false},
	{"  finding the path", func(s Summary) float64 { return ratio(s.Cost.Measure(), s.N) }, "%.2f", false},
	{"  RR from S", func(s Summary) float64 { return ratio(s.Cost.RR, s.N) }, "%.2f", false},
	{"  spoofed RR", func(s Summary) float64 { return ratio(s.Cost.SpoofedRR, s.N) }, "%.2f", false},
	{"  traceroute (sym)", func(s Summary) float64 { return ratio(s.Cost.Trace, s.N) }, "%.2f", false},
	{"  two-host", func(s Summary) float64 { return ratio(s.Cost.TwoHost, s.N) }, "%.2f", false},
	{"  ping (diagnosis)", func(s Summary) float64 { return ratio(s.Cost.Ping, s.N) }, "%.2f", false},
	{"  ping (RTTs)", func(s Summary) float64 { return ratio(s.Cost.RTT, s.N) }, "%.2f", false},
	{"rounds / revtr", Summary.RoundsPerRevtr, "%.2f", false},
	{"runtime median (s)", func(s Summary) float64 { return s.Runtime(0.5).Seconds() }, "%.3f", false},
	{"runtime p95 (s)", func(s Summary) float64 { return s.Runtime(0.95).Seconds() }, "%.3f", false},
	{"engine CPU / revtr (µs)", func(s Summary) float64 { return float64(s.EngineCPU().Nanoseconds()) / 1e3 }, "%.1f", true},
}

// Write prints the report: the world's knobs, then every policy side by
// side with the first-over-second ratio, then per hop type and fail
// reason.
func (r *Report) Write(w io.Writer) error {
	p := r.Params
	net := "lab: real probers (runtimes are wall time)"
	if r.Simulated {
		net = "simulator (runtimes are virtual time)"
	}
	fmt.Fprintf(w, "network: %s\n", net)
	fmt.Fprintf(w, "seed %d: %d ASes, %d routers, %d sources, %d vantage points (%.0f%% may spoof; %d passed the spoofing test), %d targets\n",
		r.Seed, r.ASes, r.Routers, r.Sources, r.VPs, 100*p.CanSpoofShare, r.Spoofers, r.Targets)
	fmt.Fprintf(w, "routers: %.0f%% no RR stamp, %.0f%% drop options, %.0f%% no time exceeded, %.0f%% rate-limited; destinations: %.0f%% no echo, %.0f%% drop options\n",
		100*p.NoRRStampShare, 100*p.DropOptionsShare, 100*p.NoTimeExceededShare, 100*p.RateLimitShare,
		100*p.NoEchoShare, 100*p.DropOptionsDstShare)
	fmt.Fprintf(w, "atlas: %d traceroutes (%d probes), %d RR pings; spoofing tests: %d RR pings; reference survey: %d RR pings\n\n",
		r.AtlasCost[0], r.AtlasCost[1], r.AtlasCost[2], r.SpoofTest, r.Survey)
	if r.Symmetry != revtr.SymmetryPolicy {
		fmt.Fprintf(w, "symmetry: %s, every request and policy\n\n", r.Symmetry)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	r.header(tw)
	r.rows(tw, accuracyRows)
	r.commonLines(tw)
	r.rows(tw, costRows)
	for _, t := range revtr.HopTypes()[1:] {
		r.typeLines(tw, t)
	}
	for _, f := range revtr.FailReasons() {
		r.failLine(tw, f)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := r.writePaired(w); err != nil {
		return err
	}
	if r.Churn > 0 || r.PerHour > 0 {
		return r.writeAges(w)
	}
	return nil
}

// writeAges prints, per policy and kind of reused hop, the share wrong
// in each age bucket (wrong/hops).
func (r *Report) writeAges(w io.Writer) error {
	fmt.Fprintf(w, "\nreused hops wrong by age (route churn %g link-cost changes/h, %g revtrs/h):\n", r.Churn, r.PerHour)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for _, n := range AgeBucketNames {
		fmt.Fprintf(tw, "%s\t", n)
	}
	fmt.Fprintln(tw)
	for _, s := range r.Policies {
		for k := range ageKinds {
			fmt.Fprintf(tw, "%s %s\t", s.Policy, k)
			for b := range ageBuckets {
				share, n := s.AgeWrongShare(k, b)
				fmt.Fprintf(tw, "%.3f (%d/%d)\t", share, s.AgeWrong[k][b], n)
			}
			fmt.Fprintln(tw)
		}
	}
	return tw.Flush()
}

// writePaired prints, for two policies over the same pairs, the pairs
// where only one of them reached the source, or (of those both reached)
// got the exact path or all ASes.
func (r *Report) writePaired(w io.Writer) error {
	if len(r.Policies) != 2 {
		return nil
	}
	a, b := r.Policies[0], r.Policies[1]
	reached, exact, all, ok := Paired(a, b)
	if !ok {
		return nil
	}
	_, err := fmt.Fprintf(w, "\npaired, revtr by revtr (only %s / only %s):\n  reached the source: %v\n  exact, of those both reached: %v\n  all ASes present, of those both reached: %v\n",
		a.Policy, b.Policy, reached, exact, all)
	return err
}

func (r *Report) header(w io.Writer) {
	fmt.Fprint(w, "\t")
	for _, s := range r.Policies {
		fmt.Fprintf(w, "%s (n=%d)\t", s.Policy, s.N)
	}
	if len(r.Policies) == 2 {
		fmt.Fprint(w, "ratio\t")
	}
	fmt.Fprintln(w)
}

// rows prints a line per row (the simulator's only on the simulator).
func (r *Report) rows(w io.Writer, rows []row) {
	for _, rw := range rows {
		if !rw.simOnly || r.Simulated {
			r.line(w, rw.name, rw.f, rw.val)
		}
	}
}

// commonLines prints, for two policies over the same pairs, the exact
// and all-ASes shares of the pairs both reached (CommonSet).
func (r *Report) commonLines(w io.Writer) {
	if len(r.Policies) != 2 {
		return
	}
	c, ok := CommonSet(r.Policies[0], r.Policies[1])
	if !ok {
		return
	}
	share := func(n [2]int) []float64 { return []float64{ratio(n[0], c.N), ratio(n[1], c.N)} }
	r.values(w, "exact (both reached)", "%.3f", share(c.Exact))
	r.values(w, "AS: all present (both reached)", "%.3f", share(c.AllASes))
}

func (r *Report) line(w io.Writer, name, f string, val func(Summary) float64) {
	vals := make([]float64, len(r.Policies))
	for i, s := range r.Policies {
		vals[i] = val(s)
	}
	r.values(w, name, f, vals)
}

// values prints a line of one value per policy, with the first-over-
// second ratio when there are two.
func (r *Report) values(w io.Writer, name, f string, vals []float64) {
	fmt.Fprintf(w, "%s\t", name)
	for _, v := range vals {
		fmt.Fprintf(w, f+"\t", v)
	}
	if len(vals) == 2 {
		a, b := vals[0], vals[1]
		if b != 0 {
			fmt.Fprintf(w, "%.2f\t", a/b)
		} else {
			fmt.Fprint(w, "-\t")
		}
	}
	fmt.Fprintln(w)
}

func (r *Report) typeLines(w io.Writer, t revtr.HopType) {
	k := int(t) % maxType
	if !r.any(func(s Summary) bool { return s.TypeHops[k] > 0 }) {
		return
	}
	r.line(w, fmt.Sprintf("type %d (%s) hops / revtr", t, t), "%.2f", func(s Summary) float64 { return ratio(s.TypeHops[k], s.N) })
	r.line(w, fmt.Sprintf("type %d (%s) wrong", t, t), "%.3f", func(s Summary) float64 { return ratio(s.TypeWrong[k], s.TypeHops[k]) })
}

func (r *Report) failLine(w io.Writer, f revtr.FailReason) {
	if !r.any(func(s Summary) bool { return s.Fails[f] > 0 }) {
		return
	}
	r.line(w, "FAILED: "+f.String(), "%.3f", func(s Summary) float64 { return ratio(s.Fails[f], s.N) })
}

func (r *Report) any(f func(Summary) bool) bool {
	for _, s := range r.Policies {
		if f(s) {
			return true
		}
	}
	return false
}

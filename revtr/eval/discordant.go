package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/topo"
)

// Discordance is one pair on which two policies' runs differ pair by
// pair (Paired): whether they reached the source or, both having reached
// it, the exact path or every AS of it. WriteDiscordant writes it as a
// JSON line.
type Discordance struct {
	Pair    int             `json:"pair"` // the pair's index in the run
	Differs []string        `json:"differs"`
	Runs    []DiscordantRun `json:"runs"` // the first policy's, then the second's
}

// DiscordantRun is one policy's side of a Discordance: what its reverse
// traceroute achieved, its archive record, the router owning each of its
// hops ("" where no router has the address) and the true reverse path of
// the echo replies when it started, router by router.
type DiscordantRun struct {
	Policy  string       `json:"policy"`
	Reached bool         `json:"reached"`
	Exact   bool         `json:"exact"`
	AllASes bool         `json:"all_ases"`
	Record  revtr.Record `json:"record"`
	Owners  []string     `json:"owners"`
	Truth   []TrueHop    `json:"truth"`
}

// TrueHop is a router of a true reverse path and its AS.
type TrueHop struct {
	Router string `json:"router"`
	ASN    uint32 `json:"asn"`
}

// WriteDiscordant writes a JSON line (Discordance) for every pair on
// which a and b, two policies' runs over the same pairs that kept their
// results (Schedule.KeepResults), differ, and returns how many it wrote.
func (w *World) WriteDiscordant(out io.Writer, a, b Summary) (int, error) {
	if len(a.Results) != len(a.Marks) || len(b.Results) != len(a.Results) {
		return 0, fmt.Errorf("eval: discordant pairs need two runs over the same pairs that kept their results: %w", ErrConfig)
	}
	enc := json.NewEncoder(out)
	n := 0
	for i := range a.Results {
		differs := differences(a.Marks[i], b.Marks[i])
		if len(differs) == 0 {
			continue
		}
		d := Discordance{Pair: i, Differs: differs}
		for _, s := range []Summary{a, b} {
			r, err := w.discordantRun(s.Policy, s.Results[i], s.Marks[i])
			if err != nil {
				return n, err
			}
			d.Runs = append(d.Runs, r)
		}
		if err := enc.Encode(d); err != nil {
			return n, fmt.Errorf("eval: discordant pairs: %w", err)
		}
		n++
	}
	return n, nil
}

// differences names the achievements of which exactly one of two marks
// has, as Paired judges them (discord).
func differences(a, b Mark) []string {
	d := discord(a, b)
	var out []string
	for _, k := range []struct {
		bit  Mark
		name string
	}{{MarkReached, "reached"}, {MarkExact, "exact"}, {MarkAllASes, "all_ases"}} {
		if d&k.bit != 0 {
			out = append(out, k.name)
		}
	}
	return out
}

// discordantRun is one policy's side of a discordant pair.
func (w *World) discordantRun(policy string, res revtr.Result, m Mark) (DiscordantRun, error) {
	d := DiscordantRun{Policy: policy, Reached: m&MarkReached != 0, Exact: m&MarkExact != 0, AllASes: m&MarkAllASes != 0,
		Record: res.Record(), Owners: make([]string, len(res.Hops))}
	for i, h := range res.Hops {
		if ep, ok := w.Topo.Owner(h.Addr); ok {
			d.Owners[i] = w.Topo.Nodes[ep.Node].Name
		}
	}
	tp := w.truthAt(w.startOf(res))
	truth, err := tp.ReversePath(topo.FlowKey{Src: res.Src, Dst: res.Dst})
	if err != nil {
		return d, fmt.Errorf("eval: truth of %v to %v: %w", res.Src, res.Dst, err)
	}
	for _, n := range truth.Nodes() {
		d.Truth = append(d.Truth, TrueHop{Router: tp.Nodes[n].Name, ASN: tp.Nodes[n].AS})
	}
	return d, nil
}

// startOf is when res started on the evaluation's clock (since its
// zero): on the simulator's virtual clock; 0 on a wall clock, whose
// ground truth does not change.
func (w *World) startOf(res revtr.Result) time.Duration {
	if vc, ok := w.Clock.(VirtualClock); ok {
		return res.Date.Sub(vc.Epoch)
	}
	return 0
}

package demo

import (
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/topo"
)

// result is one reverse traceroute as the API served it, and its score
// against the ground truth.
type result struct {
	detail  controller.RevtrDetail
	res     revtr.Result
	cost    revtr.Cost
	score   eval.Score // if res reached the source
	forward *meas.Trace
	fwdOK   bool // forward equals the ground truth
}

// Summary is what the demo reports of a batch: the API's results, scored
// against the emulated Internet's ground truth.
type Summary struct {
	Batch   uint32
	Revtrs  int
	Reached int            // stop reason REACHES
	Failed  map[string]int // by fail reason
	// AS counts the reverse paths that reached the source by AS-level
	// category: all ASes present, missing one AS, discrepant.
	AS         [3]int
	Exact      int // router by router the true path
	Consistent int // no hop off the true path, in the true order
	Hops       int // hops after the destination, of the paths that reached
	WrongHops  int // of which not on the true path
	HopTypes   map[revtr.HopType]int
	TwoHost    int        // reverse paths with a hop from a two-host responder
	Cost       revtr.Cost // probes by technique and rounds, summed
	Forward    int        // forward traceroutes kept
	ForwardOK  int        // of which equal to the ground truth
}

// newResult reads one reverse traceroute of the API and scores it.
func newResult(tp *topo.Topology, d controller.RevtrDetail) (result, error) {
	r := result{detail: d}
	if d.Record == nil {
		return r, fmt.Errorf("demo: reverse traceroute %d has no record (state %s)", d.ID, d.State)
	}
	var err error
	if r.res, err = d.Record.Result(); err != nil {
		return r, fmt.Errorf("demo: %w", err)
	}
	r.cost = costOf(d.Stats)
	if r.res.Stop == revtr.Reaches {
		if r.score, err = eval.ScoreResult(tp, r.res); err != nil {
			return r, fmt.Errorf("demo: score reverse traceroute %d: %w", d.ID, err)
		}
	}
	if d.ForwardTrace != nil {
		tr, err := traceOf(*d.ForwardTrace)
		if err != nil {
			return r, fmt.Errorf("demo: forward traceroute of %d: %w", d.ID, err)
		}
		r.forward, r.fwdOK = &tr, tp.CheckTrace(tr) == nil
	}
	return r, nil
}

// costOf reads the API's statistics.
func costOf(s *controller.Stats) revtr.Cost {
	if s == nil {
		return revtr.Cost{}
	}
	return revtr.Cost{RR: int(s.RRProbes), SpoofedRR: int(s.SpoofedRRProbes), Trace: int(s.TracerouteProbes),
		Ping: int(s.PingProbes), RTT: int(s.RTTProbes), TwoHost: int(s.TwoHostProbes), Rounds: int(s.RRRoundCount)}
}

// traceOf reads the API's forward traceroute (ICMP, the default flow).
func traceOf(f controller.ForwardTrace) (meas.Trace, error) {
	tr := meas.Trace{Flow: meas.Flow{Proto: meas.ICMP}, Probes: f.Probes}
	var err error
	if tr.Src, err = netip.ParseAddr(f.Src); err != nil {
		return tr, err
	}
	if tr.Dst, err = netip.ParseAddr(f.Dst); err != nil {
		return tr, err
	}
	for _, h := range f.Hops {
		mh := meas.Hop{TTL: h.TTL}
		if h.Addr != "" {
			if mh.Addr, err = netip.ParseAddr(h.Addr); err != nil {
				return tr, err
			}
		}
		tr.Hops = append(tr.Hops, mh)
	}
	return tr, nil
}

// summarize adds up a batch's results.
func summarize(batch uint32, rs []result) Summary {
	s := Summary{Batch: batch, Revtrs: len(rs), Failed: map[string]int{}, HopTypes: map[revtr.HopType]int{}}
	for _, r := range rs {
		s.Cost = s.Cost.Add(r.cost)
		if r.forward != nil {
			s.Forward++
			if r.fwdOK {
				s.ForwardOK++
			}
		}
		if r.res.Stop != revtr.Reaches {
			s.Failed[failure(r.res)]++
			continue
		}
		s.add(r)
	}
	return s
}

// add counts a reverse path that reached the source.
func (s *Summary) add(r result) {
	s.Reached++
	s.AS[r.score.AS]++
	if r.score.Exact {
		s.Exact++
	}
	if r.score.Consistent {
		s.Consistent++
	}
	s.Hops += r.score.Hops
	s.WrongHops += r.score.Wrong
	twoHost := false
	for _, h := range r.res.Hops[1:] {
		s.HopTypes[h.Type]++
		twoHost = twoHost || h.Type == revtr.HopTwoHost
	}
	if twoHost {
		s.TwoHost++
	}
}

// failure names how a reverse traceroute that did not reach ended.
func failure(r revtr.Result) string {
	if r.Stop == revtr.Failed {
		if r.Detail != "" {
			return r.Detail
		}
		return r.Fail.String()
	}
	return r.Stop.String()
}

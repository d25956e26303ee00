package revtr

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"
)

// maxHops bounds a reverse path: no real path is longer than the initial
// TTL of the replies.
const maxHops = 64

// run is the state of one reverse traceroute.
type run struct {
	e        *Engine
	req      Request
	res      *Result
	path     []Hop
	segStart int                 // first hop of the last segment
	rrTried  map[netip.Addr]bool // hops Record Route was tried on
	atlasMis map[netip.Addr]bool // hops the atlas does not know
	thAsked  map[netip.Addr]bool // hops whose two-host responder was asked
	replied  bool                // some Record Route probe got a reply
	reusedAt time.Time           // when the oldest atlas traceroute or reverse path reused was measured
	mu       sync.Mutex          // guards res.Cost during parallel probes
	// unanswered counts the probes toward each target that got no reply,
	// ingressFails the spoofed probes per ingress that revealed nothing
	// (Policy.TargetUnanswered, Policy.IngressFailures). These and thAsked
	// are made on first use: most runs need none.
	unanswered, ingressFails map[netip.Addr]int
	answered                 map[netip.Addr]int // probes toward each target that got a reply
	// stampsBefore is, per target a Record Route ping from the source
	// reached, how many slots it stamped before the target's (a lower
	// bound on the target's distance; Policy.ShortTraces).
	stampsBefore map[netip.Addr]int
	// probedRTT holds the RTTs answered probes from the source measured
	// toward addresses (Policy.RTTFromProbes).
	probedRTT map[netip.Addr]hopRTT
	// revealedBy is the hop whose Record Route revealed the segment the
	// path ends with, and the vantage points its spoofed batches left
	// untried (Policy.Deepen); nil once used.
	revealedBy *untried
}

func newRun(e *Engine, req Request, res *Result) *run {
	return &run{e: e, req: req, res: res,
		path:    []Hop{{Addr: req.Dst, Type: HopDestination}},
		rrTried: make(map[netip.Addr]bool), atlasMis: make(map[netip.Addr]bool)}
}

// nextID numbers a measurement of the run.
func (r *run) nextID() uint64 {
	if r.req.MeasurementIDs != nil {
		return r.req.MeasurementIDs()
	}
	return r.e.nextID()
}

// measure extends the path hop by hop until it reaches the source; it
// returns the error that stopped it otherwise. The destination's
// responder is asked first; at every step after that, the free atlas
// look-up, then the newly reached hop's responder (if the policy allows),
// then Record Route, then the reverse paths measured earlier (if the
// policy reuses them), then more vantage points toward the hop that
// revealed the last segment (if the policy deepens), then symmetry.
func (r *run) measure(ctx context.Context) error {
	if ok, err := r.twoHost(ctx); ok || err != nil {
		return err
	}
	for !r.reached() {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("revtr %v to %v: %w", r.req.Src, r.req.Dst, err)
		}
		if len(r.path) >= maxHops {
			return fail(FailLoop, fmt.Errorf("revtr: path longer than %d hops: %w", maxHops, errLoop))
		}
		grew, err := r.step(ctx)
		if err != nil {
			return err
		}
		if grew || r.reusePaths() {
			continue
		}
		if grew, err = r.deepen(ctx); err != nil {
			return err
		}
		if !grew {
			if err := r.symmetry(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// step tries the measuring techniques, cheapest first, and reports
// whether one of them extended the path.
func (r *run) step(ctx context.Context) (bool, error) {
	if r.intersect() {
		return true, nil
	}
	if ok, err := r.twoHostHop(ctx); ok || err != nil {
		return ok, err
	}
	grew, err := r.recordRoute(ctx)
	if grew && err == nil && r.e.cfg.Policy.PreferAtlas {
		r.preferAtlas()
	}
	return grew, err
}

// last returns the current hop.
func (r *run) last() netip.Addr { return r.path[len(r.path)-1].Addr }

// reached reports whether the path ends at the source.
func (r *run) reached() bool { return r.same(r.last(), r.req.Src) }

// same reports whether two addresses are one router, as far as the engine
// knows.
func (r *run) same(a, b netip.Addr) bool {
	return a == b || (r.e.cfg.Aliases != nil && r.e.cfg.Aliases.SameRouter(a, b))
}

// extend replaces what follows path[at] by seg. Repeated hops inside seg
// are cut out (loops removed); seg is cut after the source. It reports
// false when nothing new is left, and fails when seg comes back to a hop
// at or before path[at].
func (r *run) extend(at int, seg []Hop) (bool, error) {
	seg = r.trimSource(r.removeLoops(seg))
	if len(seg) == 0 {
		return false, nil
	}
	for _, h := range seg {
		for _, p := range r.path[:at+1] {
			if r.same(h.Addr, p.Addr) {
				if r.e.cfg.Policy.DropLoopingSegments {
					return false, nil
				}
				return false, fail(FailLoop, fmt.Errorf("revtr: %v is already hop of the path: %w", h.Addr, errLoop))
			}
		}
	}
	r.path = append(r.path[:at+1], seg...)
	r.segStart = at + 1
	return true, nil
}

// removeLoops cuts out, for every hop that occurs twice, everything
// between its occurrences.
func (r *run) removeLoops(seg []Hop) []Hop {
	out := make([]Hop, 0, len(seg))
	for _, h := range seg {
		if !h.Addr.IsValid() {
			continue
		}
		cut := -1
		for i, o := range out {
			if r.same(o.Addr, h.Addr) {
				cut = i
				break
			}
		}
		if cut >= 0 {
			out = out[:cut]
		}
		out = append(out, h)
	}
	return out
}

// trimSource cuts seg after the source's first occurrence, writing the
// source's own address there.
func (r *run) trimSource(seg []Hop) []Hop {
	for i, h := range seg {
		if r.same(h.Addr, r.req.Src) {
			seg[i].Addr, seg[i].Candidate = r.req.Src, false
			return seg[:i+1]
		}
	}
	return seg
}

// spend accounts for probes, failing when the budget does not allow them.
func (r *run) spend(n int, field *int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.res.Cost.Probes()+n > r.e.cfg.Policy.MaxProbes {
		return fail(FailBudget, fmt.Errorf("revtr: %d probes spent, %d more asked: %w", r.res.Cost.Probes(), n, errBudget))
	}
	*field += n
	return nil
}

// spendAfter accounts for probes already sent, failing when they went over
// the budget.
func (r *run) spendAfter(n int, field *int) error {
	r.mu.Lock()
	*field += n
	over := r.res.Cost.Probes() > r.e.cfg.Policy.MaxProbes
	r.mu.Unlock()
	if over {
		return fail(FailBudget, fmt.Errorf("revtr: %d probes spent: %w", r.res.Cost.Probes(), errBudget))
	}
	return nil
}

// round counts one sequential probe round.
func (r *run) round() {
	r.mu.Lock()
	r.res.Cost.Rounds++
	r.mu.Unlock()
}

// parallel runs f(ctx, i) for i < n at once, as one probe round; on a
// virtual clock each runs on its own branch of the timeline.
func (r *run) parallel(ctx context.Context, n int, f func(ctx context.Context, i int)) {
	r.round()
	if n == 1 {
		f(ctx, 0) // one probe needs no branch of its own
		return
	}
	br, ok := r.e.cfg.Clock.(Brancher)
	joins := make([]func(), n)
	var wg sync.WaitGroup
	for i := range n {
		c := ctx
		if ok {
			c, joins[i] = br.Branch(ctx)
		}
		wg.Go(func() { f(c, i) })
	}
	wg.Wait()
	for _, j := range joins {
		if j != nil {
			j()
		}
	}
}

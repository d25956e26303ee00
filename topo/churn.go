package topo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Churn is route churn on a topology: a seeded sequence of IGP link-cost
// changes (maintenance, traffic engineering, a link drained or restored),
// one intra-AS link at a time, at a mean rate per hour as a Poisson
// process on a timeline starting at zero. A cost change moves the
// shortest paths inside the link's AS and, through hot-potato routing,
// the exits its traffic to other ASes takes; inter-AS routes (BGP) do not
// change. Epoch k is the topology after the first k changes, its
// forwarding tables recomputed: the ground truth of packets sent while it
// is in force. The sequence depends only on the topology, the seed and
// the rate. Safe for concurrent use.
type Churn struct {
	base    *Topology
	perHour float64
	intra   []LinkID // the links a change may touch

	mu     sync.Mutex
	rng    *rand.Rand
	events []churnEvent // drawn in time order, as far as asked
	clock  time.Duration
}

// churnEvent is one change: link's cost becomes cost at time at.
type churnEvent struct {
	at   time.Duration
	link LinkID
	cost int
}

// ErrChurn is returned for a churn rate that cannot be simulated.
var ErrChurn = errors.New("bad route churn")

// NewChurn returns the churn of t at perHour link-cost changes per hour
// (0: none; the topology never changes), drawn from seed.
func NewChurn(t *Topology, seed int64, perHour float64) (*Churn, error) {
	if t == nil {
		return nil, fmt.Errorf("topo: churn: nil topology: %w", ErrChurn)
	}
	if !(perHour >= 0) || math.IsInf(perHour, 1) {
		return nil, fmt.Errorf("topo: churn: %g changes per hour, want a finite rate ≥ 0: %w", perHour, ErrChurn)
	}
	c := &Churn{base: t, perHour: perHour, rng: rand.New(rand.NewPCG(uint64(seed), 0x636875726e))}
	for i, l := range t.Links {
		if !l.InterAS {
			c.intra = append(c.intra, LinkID(i))
		}
	}
	return c, nil
}

// Epoch returns how many changes happened at or before at.
func (c *Churn) Epoch(at time.Duration) int {
	if c.perHour == 0 || len(c.intra) == 0 {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.clock <= at && c.clock < math.MaxInt64 {
		c.draw()
	}
	i, _ := slices.BinarySearchFunc(c.events, at, func(e churnEvent, t time.Duration) int {
		if e.at <= t {
			return -1
		}
		return 1
	})
	return i
}

// draw appends the next change.
func (c *Churn) draw() {
	gap := c.rng.ExpFloat64() / c.perHour * float64(time.Hour)
	if gap >= float64(math.MaxInt64-c.clock) {
		c.clock = math.MaxInt64 // no change before the end of time
		return
	}
	c.clock += max(time.Duration(gap), 1)
	l := c.intra[c.rng.IntN(len(c.intra))]
	cost := c.base.Links[l].Cost
	for k := len(c.events) - 1; k >= 0; k-- {
		if c.events[k].link == l {
			cost = c.events[k].cost
			break
		}
	}
	next := cost
	for next == cost {
		next = 1 + c.rng.IntN(maxGenCost)
	}
	c.events = append(c.events, churnEvent{at: c.clock, link: l, cost: next})
}

// maxGenCost is the largest cost the generator and churn give a link.
const maxGenCost = 10

// Topology returns epoch k: the topology after the first k changes (k
// from Epoch), a new copy with its forwarding tables recomputed (epoch 0
// is the topology itself).
func (c *Churn) Topology(k int) *Topology {
	if k <= 0 {
		return c.base
	}
	c.mu.Lock()
	costs := make(map[LinkID]int, k)
	for _, e := range c.events[:min(k, len(c.events))] {
		costs[e.link] = e.cost
	}
	c.mu.Unlock()
	return c.base.withCosts(costs)
}

// withCosts returns a copy of t whose intra-AS links in costs carry the
// given IGP costs, its forwarding tables recomputed. Costs of 1 and up
// on links that exist cannot partition an AS, so routing cannot fail.
func (t *Topology) withCosts(costs map[LinkID]int) *Topology {
	c := &Topology{Seed: t.Seed, Params: t.Params, ASes: t.ASes, Nodes: slices.Clone(t.Nodes),
		Links: slices.Clone(t.Links), HashSeed: t.HashSeed}
	for l, cost := range costs {
		c.Links[l].Cost = cost
	}
	for i := range c.Nodes {
		c.Nodes[i].Routes = nil
	}
	if err := c.computeRoutes(); err != nil {
		panic(fmt.Sprintf("topo: rerouting a valid topology failed: %v", err)) // unreachable: see above
	}
	return c
}

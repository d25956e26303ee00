package revtr_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/eval"
)

// chaos answers every measurement with random addresses from a small pool
// (the source and destination included), random silence and, now and
// then, an error.
type chaos struct {
	mu   sync.Mutex
	rng  *rand.Rand
	pool []netip.Addr
}

func (c *chaos) pick(n int) []netip.Addr {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]netip.Addr, c.rng.IntN(n+1))
	for i := range out {
		out[i] = c.pool[c.rng.IntN(len(c.pool))]
	}
	return out
}

func (c *chaos) roll(p float64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rng.Float64() < p
}

var errChaos = errors.New("chaos")

func (c *chaos) Ping(_ context.Context, r meas.PingRequest) (meas.Ping, error) {
	return meas.Ping{Src: r.Src, Dst: r.Dst, Sent: 1}, nil
}

func (c *chaos) RecordRoute(_ context.Context, r meas.RRRequest) (meas.RRPing, error) {
	if c.roll(0.01) {
		return meas.RRPing{}, errChaos
	}
	return meas.RRPing{Src: r.Src, Dst: r.Dst, Sender: r.Sender, Replied: c.roll(0.7), Recorded: c.pick(meas.RRSlots)}, nil
}

func (c *chaos) Traceroute(_ context.Context, r meas.TraceRequest) (meas.Trace, error) {
	tr := meas.Trace{Src: r.Src, Dst: r.Dst, Stop: meas.StopCompleted, Probes: 5}
	for i, a := range append(c.pick(6), r.Dst) {
		tr.Hops = append(tr.Hops, meas.Hop{TTL: i + 1, Addr: a})
	}
	return tr, nil
}

// TestChaos: whatever the measurements say, the engine ends (REACHES or
// FAILED, never a panic), within its budget, and a path it reports
// reaches the source without repeating a hop — measuring everything anew
// with a looping segment failing the reverse traceroute (as in the
// reference), and sharing its cache and reverse paths among reverse
// traceroutes run at once, whose answers expire between rounds, with
// looping segments dropped (none fails for a loop then).
func TestChaos(t *testing.T) {
	for name, reuse := range map[string]bool{"anew": false, "cached": true} {
		t.Run(name, func(t *testing.T) {
			pol := revtr.DefaultPolicy()
			pol.RefuseInterdomainSymmetry = false
			if !reuse { // and a looping segment fails, as in the reference
				pol.Cache, pol.ReusePaths, pol.DropLoopingSegments = revtr.CacheRules{}, 0, false
			}
			chaosRun(t, pol, reuse)
		})
	}
}

func chaosRun(t *testing.T, pol revtr.Policy, reuse bool) {
	c := &chaos{rng: rand.New(rand.NewPCG(7, 7))}
	for i := range 12 {
		c.pool = append(c.pool, netip.AddrFrom4([4]byte{10, 3, 0, byte(i + 1)}))
	}
	c.pool = append(c.pool, fSrc, fDst)
	e, err := revtr.New(revtr.Config{Prober: c, ASMap: asTable{}, Selector: rankSel{},
		Sources: []netip.Addr{fSrc}, VantagePoints: rankSel{}.Rank(fSrc, fDst),
		Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, Policy: pol, Clock: eval.VirtualClock{Epoch: epoch}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	stops, fails := map[revtr.Stop]int{}, map[revtr.FailReason]int{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < 2000; i += 4 {
				at := time.Duration(0)
				if reuse { // a new round every 10: older answers have expired
					at = time.Duration(i/10) * 2 * pol.ReusePaths
				}
				res, err := e.Run(eval.Timeline(context.Background(), at), revtr.Request{Src: fSrc, Dst: fDst})
				if err == nil {
					err = chaosCheck(res, pol)
				}
				mu.Lock()
				stops[res.Stop]++
				fails[res.Fail]++
				mu.Unlock()
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if stops[revtr.Reaches] == 0 || stops[revtr.Failed] == 0 || fails[revtr.FailProber] == 0 ||
		(fails[revtr.FailLoop] == 0) != pol.DropLoopingSegments {
		t.Errorf("stops %v, fails %v: want both outcomes, prober errors, and loops failing unless dropped", stops, fails)
	}
	t.Logf("stops %v, fails %v", stops, fails)
}

// chaosCheck holds one result to the engine's promises.
func chaosCheck(res revtr.Result, pol revtr.Policy) error {
	if res.Cost.Measure() > pol.MaxProbes {
		return fmt.Errorf("spent %d probes, budget %d", res.Cost.Measure(), pol.MaxProbes)
	}
	if res.Stop == revtr.Failed && res.Fail == revtr.FailNone {
		return fmt.Errorf("FAILED without a reason: %s", res.Detail)
	}
	if res.Stop != revtr.Reaches {
		return nil
	}
	seen := map[netip.Addr]bool{}
	for _, h := range res.Hops {
		if seen[h.Addr] {
			return fmt.Errorf("hop %v repeated in %v", h.Addr, addrsOf(res.Hops))
		}
		seen[h.Addr] = true
	}
	if last := res.Hops[len(res.Hops)-1].Addr; last != fSrc {
		return fmt.Errorf("reached path ends at %v", last)
	}
	return nil
}

package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/store"
)

// idsPerRevtr is how many measurement IDs one run may take: every
// measurement costs at least one probe, and the policy's probe budget
// (400) plus the RTT pings of the longest path (64) fit.
const idsPerRevtr = 1024

// writeTimeout bounds the writes of results once a job's context ended.
const writeTimeout = 30 * time.Second

// work measures a job's reverse traceroutes (those not done yet: a retry
// measures only what its earlier runs left) and writes their results,
// completing the job in the same transaction. If the job's context ends
// first (its timeout, or a shutdown), what was measured is written and an
// error returned so that River retries the job; on its last attempt, the
// rest fail instead.
func (c *Controller) work(ctx context.Context, ids []int64, attempt, maxAttempts int, complete func(context.Context, *store.Tx) error) error {
	vs, first, err := c.store.Start(ctx, ids, idsPerRevtr)
	if err != nil {
		return err
	}
	var next atomic.Int64
	next.Store(first - 1)
	mids := func() uint64 { return uint64(next.Add(1)) }
	out := make([]*store.Finished, len(vs))
	var retry atomic.Value // why some are left to measure again (an error)
	var wg sync.WaitGroup
	for i, v := range vs {
		if err := c.admit(ctx); err != nil {
			break
		}
		wg.Go(func() {
			defer c.release()
			var err error
			if out[i], err = c.measure(ctx, v, mids); err != nil {
				retry.Store(err)
			}
		})
	}
	wg.Wait()
	var done []store.Finished
	var left []int64
	for i, f := range out {
		if f == nil {
			left = append(left, vs[i].ID)
		} else {
			done = append(done, *f)
		}
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	if len(left) == 0 {
		_, err := c.store.Finish(wctx, c.cfg.Name, done, complete)
		return err
	}
	why := context.Cause(ctx)
	if why == nil {
		why, _ = retry.Load().(error)
	}
	if attempt >= maxAttempts {
		for _, id := range left {
			done = append(done, store.Finished{ID: id, Stop: "FAILED", FailReason: abandoned(attempt, why.Error())})
		}
		_, err := c.store.Finish(wctx, c.cfg.Name, done, complete)
		return err
	}
	if _, err := c.store.Finish(wctx, c.cfg.Name, done, nil); err != nil {
		return err
	}
	return fmt.Errorf("controller: %d of %d reverse traceroutes not measured: %w", len(left), len(vs), why)
}

// admit waits for room in flight and for the start rate.
func (c *Controller) admit(ctx context.Context) error {
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := c.starts.Wait(ctx); err != nil {
		<-c.slots
		return err
	}
	c.metrics.inFlight.Inc()
	return nil
}

func (c *Controller) release() {
	c.metrics.inFlight.Dec()
	<-c.slots
}

// measure runs one reverse traceroute through the backend and returns its
// outcome, or nil if the job's context ended before it did, or (with the
// reason) if the backend asks for it to be measured again.
func (c *Controller) measure(ctx context.Context, v store.Revtr, mids func() uint64) (*store.Finished, error) {
	var opts RevtrRequest
	if err := json.Unmarshal([]byte(v.Options), &opts); err != nil {
		c.log.Error("stored options unreadable; measuring with none", "revtr", v.ID, "err", err)
	}
	req := revtr.Request{Src: v.Src, Dst: v.Dst, Label: v.Label, ID: uint64(v.ID), MeasurementIDs: mids}
	if opts.SymmetryOptions != nil && opts.SymmetryOptions.IsAllowInterdomainSymmetry {
		req.Symmetry = revtr.SymmetryAllowInter
	}
	res, err := c.run(ctx, req, opts.TwoHost)
	if err != nil {
		return nil, err
	}
	if res.Stop == revtr.Canceled && ctx.Err() != nil {
		return nil, nil
	}
	if c.asmap != nil {
		annotate(res.Hops, c.asmap)
	}
	rec, err := json.Marshal(res.Record())
	if err != nil { // cannot happen: every field marshals
		c.log.Error("result unwritable", "revtr", v.ID, "err", err)
		return nil, nil
	}
	stats, _ := json.Marshal(statsOf(res.Cost)) // plain integers always marshal
	c.metrics.done(&res)
	return &store.Finished{ID: v.ID, Stop: res.Stop.String(), FailReason: res.Fail.String(), Record: rec, Stats: stats,
		Forward: c.forward(ctx, v.Src, v.Dst, opts)}, nil
}

// run asks the backend, turning a panic into a failed result; an error
// wrapping errRetry asks for the reverse traceroute to be measured again.
func (c *Controller) run(ctx context.Context, req revtr.Request, twoHost bool) (res revtr.Result, retry error) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("engine panicked", "revtr", req.ID, "panic", p, "trace", string(debug.Stack()))
			res = revtr.Result{ID: req.ID, Stop: revtr.Failed, Fail: revtr.FailProber, Src: req.Src, Dst: req.Dst,
				Label: req.Label, Date: time.Now()}
		}
	}()
	res, err := c.backend.Run(ctx, req, twoHost)
	switch {
	case errors.Is(err, errRetry):
		c.log.Warn("reverse traceroute to be measured again", "revtr", req.ID, "err", err)
		return res, err
	case err != nil: // bad input the API let through: the result says why
		c.log.Warn("reverse traceroute refused by the engine", "revtr", req.ID, "err", err)
	}
	return res, nil
}

// annotate gives every hop the prefix and AS of m (none if m has none).
func annotate(hops []revtr.Hop, m revtr.ASMap) {
	for i := range hops {
		p, asn, _ := m.Lookup(hops[i].Addr)
		hops[i].Prefix, hops[i].ASN = p, asn
	}
}

// statsOf is a result's cost as the API's Stats.
func statsOf(c revtr.Cost) Stats {
	return Stats{RRProbes: int32(c.RR), SpoofedRRProbes: int32(c.SpoofedRR), RRRoundCount: int32(c.Rounds),
		TracerouteProbes: int32(c.Trace), PingProbes: int32(c.Ping), RTTProbes: int32(c.RTT), TwoHostProbes: int32(c.TwoHost)}
}

package controller

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/store"
)

// maxListed bounds the reverse traceroutes one JSON answer lists: the
// reference's answers hold a whole batch or label in memory; ours stop
// here, and the JSON Lines endpoints stream any number.
const maxListed = 10_000

// listPage is the page size of listings.
const listPage = 1000

// revtrsOf lists the key's reverse traceroutes f selects, as the
// reference serves them.
func (c *Controller) revtrsOf(ctx context.Context, key string, f store.Filter) (*revtrsOutput, error) {
	u, err := c.user(ctx, key)
	if err != nil {
		return nil, err
	}
	f.UserID = u.ID
	if err := checkLabel(f.Label); err != nil {
		return nil, apiError(http.StatusBadRequest, codeBadRequest, "label: %v", err)
	}
	out := &revtrsOutput{Body: RevtrsResult{Revtrs: []ReverseTraceroute{}}}
	err = c.each(ctx, f, func(v store.Revtr) error {
		rt, err := reverseTraceroute(v)
		out.Body.Revtrs = append(out.Body.Revtrs, rt)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// errTooMany is returned by each past maxListed.
var errTooMany = apiError(http.StatusRequestEntityTooLarge, codeTooMany,
	"more than %d reverse traceroutes: fetch them as JSON Lines (/api/v2/batches/{id}/records, /api/v2/labels/{label}/records)", maxListed)

// each calls fn on the reverse traceroutes f selects, in ID order, at most
// maxListed of them. A batch ID that is not the user's gives not_found.
func (c *Controller) each(ctx context.Context, f store.Filter, fn func(store.Revtr) error) error {
	if f.BatchID != 0 {
		if _, _, err := c.batch(ctx, f.UserID, f.BatchID); err != nil {
			return err
		}
	}
	var after int64
	n := 0
	for {
		vs, err := c.store.Revtrs(ctx, f, after, listPage)
		if err != nil {
			return c.internal(err)
		}
		for _, v := range vs {
			if n++; n > maxListed {
				return errTooMany
			}
			if err := fn(v); err != nil {
				return c.internal(err)
			}
			after = v.ID
		}
		if len(vs) < listPage {
			return nil
		}
	}
}

// batch returns the user's batch, or the API's not_found.
func (c *Controller) batch(ctx context.Context, user, id int64) (store.Batch, store.Counts, error) {
	b, n, err := c.store.Batch(ctx, user, id)
	if errors.Is(err, store.ErrNotFound) {
		return b, n, apiError(http.StatusNotFound, codeNotFound, "you have no batch %d", id)
	}
	if err != nil {
		return b, n, c.internal(err)
	}
	return b, n, nil
}

// status is the reference's status of a stored reverse traceroute.
func status(v store.Revtr) string {
	switch {
	case v.State != store.Done:
		return "RUNNING"
	case v.Stop == "CANCELED":
		return "CANCELED"
	}
	return "COMPLETED"
}

// hopTypeNames are the reference's names of hop types, and ours for the
// types it does not have.
var hopTypeNames = map[revtr.HopType]string{
	revtr.HopDestination: "DST_REV_SEGMENT", revtr.HopSymmetry: "DST_SYM_REV_SEGMENT",
	revtr.HopTrace: "TR_TO_SRC_REV_SEGMENT", revtr.HopRRAtlas: "TR_TO_SRC_REV_SEGMENT_BETWEEN",
	revtr.HopRR: "RR_REV_SEGMENT", revtr.HopSpoofedRR: "SPOOF_RR_REV_SEGMENT",
	revtr.HopSymmetryIntra: "DST_SYM_REV_SEGMENT_INTRADOMAIN", revtr.HopSymmetryInter: "DST_SYM_REV_SEGMENT_INTERDOMAIN",
	revtr.HopTwoHost: "TWO_HOST_REV_SEGMENT", revtr.HopPathAtlas: "PATH_ATLAS_REV_SEGMENT",
}

// reverseTraceroute is a stored reverse traceroute as the reference
// serves it: the path once completed, the runtime so far while running.
func reverseTraceroute(v store.Revtr) (ReverseTraceroute, error) {
	rt := ReverseTraceroute{Status: status(v), Src: v.Src.String(), Dst: v.Dst.String(), ID: uint32(v.ID), Label: v.Label,
		StopReason: v.Stop, FailReason: v.FailReason}
	start := v.Started
	if start.IsZero() {
		start = v.Created
	}
	rt.Date, rt.StartTime = start.UTC().Truncate(time.Second).String(), Int64String(start.Unix())
	if v.State == store.Running {
		rt.Runtime = Int64String(time.Since(v.Started))
	}
	if v.Stats != nil {
		rt.Stats = new(Stats)
		if err := json.Unmarshal(v.Stats, rt.Stats); err != nil {
			return rt, err
		}
	}
	if v.Record == nil {
		return rt, nil
	}
	var rec revtr.Record
	if err := json.Unmarshal(v.Record, &rec); err != nil {
		return rt, err
	}
	rt.Runtime, rt.StartTime = Int64String(rec.Runtime), Int64String(rec.Date)
	rt.Date = time.Unix(rec.Date, 0).UTC().String()
	for _, h := range rec.Hops {
		rt.Path = append(rt.Path, RevtrHop{Hop: h.HopIP.String(), Type: hopTypeNames[h.HopType], MeasurementID: Int64String(h.MeasurementID),
			RTT: uint32(h.RTT), RTTMeasurementID: Int64String(h.RTTMeasurementID)})
	}
	return rt, nil
}

func (c *Controller) meta(ctx context.Context, in *batchPathInput) (*metaOutput, error) {
	u, err := c.user(ctx, in.Key)
	if err != nil {
		return nil, err
	}
	out := &metaOutput{Body: MetaResult{RevtrsMeta: []RevtrMeta{}}}
	err = c.each(ctx, store.Filter{UserID: u.ID, BatchID: int64(in.BatchID)}, func(v store.Revtr) error {
		out.Body.RevtrsMeta = append(out.Body.RevtrsMeta, RevtrMeta{Status: status(v), Src: v.Src.String(), Dst: v.Dst.String(), ID: uint32(v.ID)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *Controller) statuses(ctx context.Context, in *batchPathInput) (*statusOutput, error) {
	u, err := c.user(ctx, in.Key)
	if err != nil {
		return nil, err
	}
	out := &statusOutput{Body: StatusResult{RevtrsStatus: []string{}}}
	err = c.each(ctx, store.Filter{UserID: u.ID, BatchID: int64(in.BatchID)}, func(v store.Revtr) error {
		out.Body.RevtrsStatus = append(out.Body.RevtrsStatus, status(v))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *Controller) sources(ctx context.Context, in *KeyHeader) (*sourcesOutput, error) {
	if _, err := c.user(ctx, in.Key); err != nil {
		return nil, err
	}
	ss, err := c.store.Sources(ctx)
	if err != nil {
		return nil, c.internal(err)
	}
	out := &sourcesOutput{Body: SourcesResult{Srcs: make([]SourceInfo, len(ss))}}
	for i, s := range ss {
		out.Body.Srcs[i] = SourceInfo{Hostname: s.Hostname, IP: s.Addr.String(), Site: s.Site}
	}
	return out, nil
}

func (c *Controller) batchStatus(ctx context.Context, in *batchPathInput) (*batchStatusOutput, error) {
	u, err := c.user(ctx, in.Key)
	if err != nil {
		return nil, err
	}
	b, n, err := c.batch(ctx, u.ID, int64(in.BatchID))
	if err != nil {
		return nil, err
	}
	return &batchStatusOutput{Body: batchStatusOf(b, n)}, nil
}

func batchStatusOf(b store.Batch, n store.Counts) BatchStatus {
	s := BatchStatus{BatchID: uint32(b.ID), Created: b.Created.UTC().Format(time.RFC3339Nano), Total: b.Total,
		Pending: n.Pending, Running: n.Running, Reaches: n.Reaches, Failed: n.Failed, Trivial: n.Trivial, Canceled: n.Canceled,
		Done: n.Done() == b.Total}
	if !b.Canceled.IsZero() {
		s.CanceledAt = b.Canceled.UTC().Format(time.RFC3339Nano)
	}
	return s
}

func (c *Controller) cancel(ctx context.Context, in *batchPathInput) (*batchStatusOutput, error) {
	u, err := c.user(ctx, in.Key)
	if err != nil {
		return nil, err
	}
	if _, err := c.store.Cancel(ctx, u.ID, int64(in.BatchID)); errors.Is(err, store.ErrNotFound) {
		return nil, apiError(http.StatusNotFound, codeNotFound, "you have no batch %d", in.BatchID)
	} else if err != nil {
		return nil, c.internal(err)
	}
	b, n, err := c.batch(ctx, u.ID, int64(in.BatchID))
	if err != nil {
		return nil, err
	}
	return &batchStatusOutput{Body: batchStatusOf(b, n)}, nil
}

package controller

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/store"
)

// The read endpoints a browser needs to look around (beyond the
// reference): a key's batches and labels, paged rows of a batch or label
// with what a table shows, one reverse traceroute whole, and its ground
// truth where the backend knows it.

// Page sizes of the listings: default and largest.
const (
	batchesPage, maxBatchesPage = 50, 200
	labelsPage, maxLabelsPage   = 200, 1000
	rowsPage, maxRowsPage       = 1000, 5000
)

// BatchItem is one of a key's batches.
type BatchItem struct {
	BatchStatus
	Labels []string `json:"labels" doc:"The batch's distinct labels (at most 5)."`
}

// BatchesResult is a page of a key's batches, newest first.
type BatchesResult struct {
	Batches []BatchItem `json:"batches"`
	Next    uint32      `json:"next,omitempty" doc:"Pass as before= for the next page; absent on the last page."`
}

// LabelItem is one of a key's labels.
type LabelItem struct {
	Label  string `json:"label"`
	Total  int    `json:"total"`
	Done   int    `json:"done"`
	Latest string `json:"latest" format:"date-time" doc:"When its latest reverse traceroute was accepted."`
}

// LabelsResult lists a key's labels, the most recently used first.
type LabelsResult struct {
	Labels []LabelItem `json:"labels"`
}

// RevtrRow is a reverse traceroute as a table shows it.
type RevtrRow struct {
	ID         uint32 `json:"id"`
	BatchID    uint32 `json:"batchId"`
	Src        string `json:"src"`
	Dst        string `json:"dst"`
	Label      string `json:"label"`
	State      string `json:"state" enum:"pending,running,done"`
	StopReason string `json:"stopReason,omitempty" enum:"REACHES,FAILED,TRIVIAL,CANCELED"`
	FailReason string `json:"failReason,omitempty"`
	Runtime    int64  `json:"runtime" doc:"Nanoseconds spent measuring (0 until done)."`
	Date       int64  `json:"date,omitempty" doc:"Unix seconds it started at (0 until started)."`
	Hops       int    `json:"hops" doc:"Hops of the reverse path, the destination included."`
	// HopTypes counts the hops by archive hop type (keys are the type
	// numbers: 1 destination, 3 traceroute, 4 RR atlas, 5 RR, 6 spoofed
	// RR, 11 and 12 assumed symmetry, 20 two-host).
	HopTypes   map[string]int `json:"hopTypes"`
	ASes       int            `json:"ases" doc:"Distinct ASes on the reverse path."`
	HasForward bool           `json:"forward" doc:"A forward traceroute is kept beside it."`
}

// RowsResult is a page of rows, by ID.
type RowsResult struct {
	Rows []RevtrRow `json:"rows"`
	Next uint32     `json:"next,omitempty" doc:"Pass as after= for the next page; absent on the last page."`
}

// RevtrDetail is one reverse traceroute whole.
type RevtrDetail struct {
	RevtrRow
	Runs         int            `json:"runs" doc:"How many times a worker started it."`
	Worker       string         `json:"worker,omitempty" doc:"The controller that finished it."`
	Created      string         `json:"created" format:"date-time"`
	Started      string         `json:"started,omitempty" format:"date-time"`
	Finished     string         `json:"finished,omitempty" format:"date-time"`
	Options      map[string]any `json:"options" doc:"The request's options, as accepted."`
	Stats        *Stats         `json:"stats,omitempty"`
	Record       *revtr.Record  `json:"record,omitempty" doc:"The archive record, once it has one."`
	ForwardTrace *ForwardTrace  `json:"forwardTrace,omitempty" doc:"The forward traceroute, if the request asked for one (is_run_forward_traceroute)."`
	Truth        bool           `json:"truth" doc:"GET /api/v2/revtrs/{id}/truth has its ground truth (simulator and lab backends only)."`
}

type batchesInput struct {
	KeyHeader
	Before uint32 `query:"before" doc:"List batches older than this ID (0: from the newest)."`
	Limit  int    `query:"limit" minimum:"0" maximum:"200" doc:"Batches per page (0: 50)."`
}

type labelsInput struct {
	KeyHeader
	Limit int `query:"limit" minimum:"0" maximum:"1000" doc:"Labels to list (0: 200)."`
}

// Page is where a page of rows starts and how long it is.
type Page struct {
	After uint32 `query:"after" doc:"List reverse traceroutes after this ID (0: from the first)."`
	Limit int    `query:"limit" minimum:"0" maximum:"5000" doc:"Rows per page (0: 1000)."`
}

type batchRowsInput struct {
	KeyHeader
	Page
	BatchID uint32 `path:"batch_id" minimum:"1" doc:"The batch's ID."`
}

type labelRowsInput struct {
	KeyHeader
	Page
	Label string `path:"label" maxLength:"256"`
}

type revtrInput struct {
	KeyHeader
	ID uint32 `path:"revtr_id" minimum:"1" doc:"The reverse traceroute's ID."`
}

type batchesOutput struct{ Body BatchesResult }

type labelsOutput struct{ Body LabelsResult }

type rowsOutput struct{ Body RowsResult }

type detailOutput struct{ Body RevtrDetail }

type truthOutput struct{ Body TruthResult }

func (c *Controller) registerBrowse(api huma.API) {
	huma.Register(api, op("batches", http.MethodGet, "/api/v2/batches", "Your batches, newest first, paged", 0), c.batches)
	huma.Register(api, op("labels", http.MethodGet, "/api/v2/labels", "Your labels, the most recently used first", 0), c.labels)
	huma.Register(api, op("batchRows", http.MethodGet, "/api/v2/batches/{batch_id}/rows", "A batch's reverse traceroutes as table rows, paged", 0),
		func(ctx context.Context, in *batchRowsInput) (*rowsOutput, error) {
			return c.rows(ctx, in.Key, store.Filter{BatchID: int64(in.BatchID)}, in.Page)
		})
	huma.Register(api, op("labelRows", http.MethodGet, "/api/v2/labels/{label}/rows", "A label's reverse traceroutes as table rows, paged", 0),
		func(ctx context.Context, in *labelRowsInput) (*rowsOutput, error) {
			return c.rows(ctx, in.Key, store.Filter{Label: in.Label}, in.Page)
		})
	huma.Register(api, op("revtr", http.MethodGet, "/api/v2/revtrs/{revtr_id}", "One reverse traceroute: archive record, forward traceroute, request and cost", 0), c.revtr)
	o := op("truth", http.MethodGet, "/api/v2/revtrs/{revtr_id}/truth", "Ground truth of a reverse traceroute (simulator and lab backends only)", 0)
	o.Description = truthNote + " Other backends answer 404 (not_found)."
	huma.Register(api, o, c.truth)
}

func (c *Controller) batches(ctx context.Context, in *batchesInput) (*batchesOutput, error) {
	u, err := c.user(ctx, in.Key)
	if err != nil {
		return nil, err
	}
	limit := pageSize(in.Limit, batchesPage)
	bs, err := c.store.Batches(ctx, u.ID, int64(in.Before), limit)
	if err != nil {
		return nil, c.internal(err)
	}
	out := &batchesOutput{Body: BatchesResult{Batches: make([]BatchItem, len(bs))}}
	for i, b := range bs {
		out.Body.Batches[i] = BatchItem{BatchStatus: batchStatusOf(b.Batch, b.Counts), Labels: b.Labels}
	}
	if len(bs) == limit {
		out.Body.Next = uint32(bs[len(bs)-1].ID)
	}
	return out, nil
}

func pageSize(asked, def int) int {
	if asked <= 0 {
		return def
	}
	return asked
}

func (c *Controller) labels(ctx context.Context, in *labelsInput) (*labelsOutput, error) {
	u, err := c.user(ctx, in.Key)
	if err != nil {
		return nil, err
	}
	ls, err := c.store.Labels(ctx, u.ID, pageSize(in.Limit, labelsPage))
	if err != nil {
		return nil, c.internal(err)
	}
	out := &labelsOutput{Body: LabelsResult{Labels: make([]LabelItem, len(ls))}}
	for i, l := range ls {
		out.Body.Labels[i] = LabelItem{Label: l.Label, Total: l.Total, Done: l.Done, Latest: time.Unix(0, l.Latest).UTC().Format(time.RFC3339Nano)}
	}
	return out, nil
}

// scope authenticates key and returns f for its user: a label that can be
// stored, a batch that is the user's.
func (c *Controller) scope(ctx context.Context, key string, f store.Filter) (store.Filter, error) {
	u, err := c.user(ctx, key)
	if err != nil {
		return f, err
	}
	f.UserID = u.ID
	if err := checkLabel(f.Label); err != nil {
		return f, apiError(http.StatusBadRequest, codeBadRequest, "label: %v", err)
	}
	if f.BatchID != 0 {
		if _, _, err := c.batch(ctx, u.ID, f.BatchID); err != nil {
			return f, err
		}
	}
	return f, nil
}

// rows lists a page of the reverse traceroutes f selects.
func (c *Controller) rows(ctx context.Context, key string, f store.Filter, p Page) (*rowsOutput, error) {
	f, err := c.scope(ctx, key, f)
	if err != nil {
		return nil, err
	}
	limit := pageSize(p.Limit, rowsPage)
	vs, err := c.store.Revtrs(ctx, f, int64(p.After), limit)
	if err != nil {
		return nil, c.internal(err)
	}
	out := &rowsOutput{Body: RowsResult{Rows: make([]RevtrRow, len(vs))}}
	for i, v := range vs {
		if out.Body.Rows[i], _, err = rowOf(v); err != nil {
			return nil, c.internal(err)
		}
	}
	if len(vs) == limit {
		out.Body.Next = uint32(vs[len(vs)-1].ID)
	}
	return out, nil
}

// rowOf is a stored reverse traceroute as a row, and its record if it has
// one.
func rowOf(v store.Revtr) (RevtrRow, *revtr.Record, error) {
	r := RevtrRow{ID: uint32(v.ID), BatchID: uint32(v.BatchID), Src: v.Src.String(), Dst: v.Dst.String(), Label: v.Label,
		State: v.State.String(), StopReason: v.Stop, FailReason: v.FailReason, HopTypes: map[string]int{}, HasForward: v.Forward != nil}
	if !v.Started.IsZero() {
		r.Date = v.Started.Unix()
	}
	if v.Record == nil {
		return r, nil, nil
	}
	rec := new(revtr.Record)
	if err := json.Unmarshal(v.Record, rec); err != nil {
		return r, nil, err
	}
	r.Runtime, r.Date, r.Hops = rec.Runtime, rec.Date, len(rec.Hops)
	ases := make(map[uint32]bool)
	for _, h := range rec.Hops {
		r.HopTypes[strconv.Itoa(int(h.HopType))]++
		if h.ASN != nil {
			ases[*h.ASN] = true
		}
	}
	r.ASes = len(ases)
	return r, rec, nil
}

// ownRevtr returns the user's reverse traceroute id, or not_found.
func (c *Controller) ownRevtr(ctx context.Context, key string, id uint32) (store.Revtr, error) {
	u, err := c.user(ctx, key)
	if err != nil {
		return store.Revtr{}, err
	}
	v, err := c.store.Revtr(ctx, int64(id))
	if errors.Is(err, store.ErrNotFound) || err == nil && v.UserID != u.ID {
		return v, apiError(http.StatusNotFound, codeNotFound, "you have no reverse traceroute %d", id)
	}
	if err != nil {
		return v, c.internal(err)
	}
	return v, nil
}

func (c *Controller) revtr(ctx context.Context, in *revtrInput) (*detailOutput, error) {
	v, err := c.ownRevtr(ctx, in.Key, in.ID)
	if err != nil {
		return nil, err
	}
	row, rec, err := rowOf(v)
	if err != nil {
		return nil, c.internal(err)
	}
	d := RevtrDetail{RevtrRow: row, Runs: v.Runs, Worker: v.Worker, Created: stamp(v.Created), Started: stamp(v.Started),
		Finished: stamp(v.Finished), Options: map[string]any{}, Record: rec}
	_, d.Truth = c.backend.(GroundTruth)
	d.Truth = d.Truth && rec != nil
	if err := json.Unmarshal([]byte(v.Options), &d.Options); err != nil {
		return nil, c.internal(err)
	}
	if v.Stats != nil {
		d.Stats = new(Stats)
		if err := json.Unmarshal(v.Stats, d.Stats); err != nil {
			return nil, c.internal(err)
		}
	}
	if v.Forward != nil {
		d.ForwardTrace = new(ForwardTrace)
		if err := json.Unmarshal(v.Forward, d.ForwardTrace); err != nil {
			return nil, c.internal(err)
		}
	}
	return &detailOutput{Body: d}, nil
}

// stamp is t in RFC 3339, "" for the zero time.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func (c *Controller) truth(ctx context.Context, in *revtrInput) (*truthOutput, error) {
	v, err := c.ownRevtr(ctx, in.Key, in.ID)
	if err != nil {
		return nil, err
	}
	gt, ok := c.backend.(GroundTruth)
	if !ok {
		return nil, apiError(http.StatusNotFound, codeNotFound, "no ground truth here: only the simulator and lab backends know the true paths")
	}
	if v.Record == nil {
		return nil, apiError(http.StatusNotFound, codeNotFound, "reverse traceroute %d has no result to compare", in.ID)
	}
	var rec revtr.Record
	if err := json.Unmarshal(v.Record, &rec); err != nil {
		return nil, c.internal(err)
	}
	res, err := rec.Result()
	if err != nil {
		return nil, c.internal(err)
	}
	t, err := gt.Truth(res)
	if err != nil {
		return nil, apiError(http.StatusNotFound, codeNotFound, "no ground truth for reverse traceroute %d: %v", in.ID, err)
	}
	return &truthOutput{Body: t}, nil
}

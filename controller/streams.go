package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/revtr/revtr/archive"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/store"
)

// Media types of the streaming answers.
const (
	jsonLines   = "application/jsonl"
	eventStream = "text/event-stream"
)

// progressEvery is how often a progress stream looks at its batch.
const progressEvery = 250 * time.Millisecond

// registerStreams registers the JSON Lines and progress streams, whose
// responses huma cannot describe from a Go type: they are described here.
func (c *Controller) registerStreams(api huma.API) {
	rec := recordSchema(api.OpenAPI().Components.Schemas)
	lines := func(o huma.Operation) huma.Operation {
		o.Responses = map[string]*huma.Response{"200": {
			Description: "One archive record (revtr.Record: the reference archive's format) per line, for every done reverse traceroute, by ID.",
			Content:     map[string]*huma.MediaType{jsonLines: {Schema: rec}}}}
		return o
	}
	huma.Register(api, lines(op("batchRecords", http.MethodGet, "/api/v2/batches/{batch_id}/records", "A batch's results as JSON Lines, in the archive record format", 0)),
		func(ctx context.Context, in *batchPathInput) (*huma.StreamResponse, error) {
			return c.records(ctx, in.Key, store.Filter{BatchID: int64(in.BatchID)})
		})
	huma.Register(api, lines(op("labelRecords", http.MethodGet, "/api/v2/labels/{label}/records", "A label's results as JSON Lines, in the archive record format", 0)),
		func(ctx context.Context, in *labelInput) (*huma.StreamResponse, error) {
			return c.records(ctx, in.Key, store.Filter{Label: in.Label})
		})
	events := op("batchEvents", http.MethodGet, "/api/v2/batches/{batch_id}/events", "A batch's progress as server-sent events", 0)
	events.Description = "An event \"status\" (data: BatchStatus) now and whenever the counts change, until the batch is done; then the stream ends."
	events.Responses = map[string]*huma.Response{"200": {Description: "Server-sent events, each a BatchStatus.",
		Content: map[string]*huma.MediaType{eventStream: {Schema: api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[BatchStatus](), true, "")}}}}
	huma.Register(api, events, c.progress)
}

// recordSchema registers the archive record's schema, whose cidr and asn
// are null when unknown.
func recordSchema(r huma.Registry) *huma.Schema {
	ref := r.Schema(reflect.TypeFor[revtr.Record](), true, "")
	hop := r.SchemaFromRef(r.Schema(reflect.TypeFor[revtr.RecordHop](), true, "").Ref)
	hop.Properties["cidr"].Nullable = true
	hop.Properties["asn"].Nullable = true
	return ref
}

// records streams the done reverse traceroutes f selects as JSON Lines,
// page by page: memory stays flat whatever their number.
func (c *Controller) records(ctx context.Context, key string, f store.Filter) (*huma.StreamResponse, error) {
	f, err := c.scope(ctx, key, f)
	if err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hc huma.Context) {
		hc.SetHeader("Content-Type", jsonLines)
		hc.SetStatus(http.StatusOK)
		_, err := archive.Write(hc.Context(), hc.BodyWriter(), func(ctx context.Context, after int64, limit int) ([]store.Revtr, error) {
			return c.store.Revtrs(ctx, f, after, limit)
		})
		if err != nil && hc.Context().Err() == nil {
			c.log.Error("JSON Lines stream cut short", "err", err)
		}
	}}, nil
}

// progress streams a batch's counts as server-sent events until it is
// done (or the client leaves).
func (c *Controller) progress(ctx context.Context, in *batchPathInput) (*huma.StreamResponse, error) {
	u, err := c.user(ctx, in.Key)
	if err != nil {
		return nil, err
	}
	b, n, err := c.batch(ctx, u.ID, int64(in.BatchID))
	if err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hc huma.Context) {
		hc.SetHeader("Content-Type", eventStream)
		hc.SetHeader("Cache-Control", "no-store")
		hc.SetStatus(http.StatusOK)
		w, _ := hc.BodyWriter().(http.ResponseWriter) // the adapter's writer, which flushes
		if err := c.sendProgress(hc.Context(), w, b, n); err != nil && hc.Context().Err() == nil {
			c.log.Warn("progress stream cut short", "batch", b.ID, "err", err)
		}
	}}, nil
}

func (c *Controller) sendProgress(ctx context.Context, w http.ResponseWriter, b store.Batch, n store.Counts) error {
	rc := http.NewResponseController(w)
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	var last store.Counts
	for first := true; ; first = false {
		if first || n != last {
			data, err := json.Marshal(batchStatusOf(b, n))
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(w, "event: status\ndata: %s\n\n", data); err != nil {
				return err
			}
			if err := rc.Flush(); err != nil {
				return err
			}
			last = n
		}
		if n.Done() == b.Total {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		var err error
		if b, n, err = c.store.Batch(ctx, b.UserID, b.ID); err != nil {
			return err
		}
	}
}

package controller

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/revtr/revtr/store"
)

// apiVersion is the OpenAPI document's version of the API.
const apiVersion = "1.0.0"

// KeyHeader is the API key, in the reference's header: every operation
// takes it (huma reads it from this embedded, exported struct).
type KeyHeader struct {
	Key string `header:"Revtr-Key" maxLength:"256" doc:"Your API key."`
}

type submitInput struct {
	KeyHeader
	Body SubmitBody
}

type submitOutput struct{ Body SubmitResult }

type batchQueryInput struct {
	KeyHeader
	BatchID uint32 `query:"batchid" required:"true" minimum:"1" doc:"The batch's ID."`
}

type batchPathInput struct {
	KeyHeader
	BatchID uint32 `path:"batch_id" minimum:"1" doc:"The batch's ID."`
}

type batchOrLabelInput struct {
	KeyHeader
	ID string `path:"batch_id" maxLength:"256" doc:"A batch ID (digits), or else a label."`
}

type labelInput struct {
	KeyHeader
	Label string `path:"label" maxLength:"256"`
}

type revtrsOutput struct{ Body RevtrsResult }

type sourcesOutput struct{ Body SourcesResult }

// AtlasBody is the v2 body of the atlas operations (the reference's
// RunAtlasReq and CleanAtlasReq).
type AtlasBody struct {
	Source string `json:"source,omitempty" maxLength:"64"`
	Auth   string `json:"auth,omitempty" maxLength:"256"`
}

type atlasInput struct {
	KeyHeader
	Source  string     `header:"source" maxLength:"64" doc:"The source whose atlas to act on."`
	RIPEKey string     `header:"RIPE-Key" maxLength:"256" doc:"A RIPE Atlas API key: atlas/run measures the atlas's traceroutes with RIPE Atlas (agents backend; the simulator and lab backends build theirs at start)."`
	Body    *AtlasBody `required:"false"`
}

type emptyOutput struct{ Body Empty }

type batchStatusOutput struct{ Body BatchStatus }

type metaOutput struct{ Body MetaResult }

type statusOutput struct{ Body StatusResult }

// newAPI registers the operations on mux and returns the API.
func (c *Controller) newAPI(mux *http.ServeMux) huma.API {
	cfg := huma.Config{
		OpenAPI: &huma.OpenAPI{
			OpenAPI: "3.1.0",
			Info: &huma.Info{Title: "revtr controller", Version: apiVersion,
				Description: "Reverse traceroutes on request: the REVTR 2.0 service's API (v1 and v2 paths), and more."},
			Components: &huma.Components{Schemas: huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer)},
		},
		OpenAPIPath:   "/openapi",
		Formats:       huma.DefaultFormats,
		DefaultFormat: "application/json",
	}
	api := humago.New(mux, cfg)
	c.registerV1(api)
	c.registerV2(api)
	c.registerBeyond(api)
	return api
}

func (c *Controller) registerV1(api huma.API) {
	huma.Register(api, op("submitV1", http.MethodPost, "/api/v1/revtr", "Measure reverse traceroutes", c.cfg.API.MaxBody), c.submit)
	huma.Register(api, op("getV1", http.MethodGet, "/api/v1/revtr", "Fetch a batch's reverse traceroutes", 0),
		func(ctx context.Context, in *batchQueryInput) (*revtrsOutput, error) {
			return c.revtrsOf(ctx, in.Key, store.Filter{BatchID: int64(in.BatchID)})
		})
	huma.Register(api, op("sourcesV1", http.MethodGet, "/api/v1/sources", "List the available sources", 0), c.sources)
	huma.Register(api, op("atlasRunV1", http.MethodPost, "/api/v1/atlas/run", "Build a source's traceroute atlas", 0), c.atlasRun)
	huma.Register(api, op("atlasCleanV1", http.MethodPost, "/api/v1/atlas/clean", "Mark a source's atlas stale", 0), c.atlasClean)
}

func (c *Controller) registerV2(api huma.API) {
	huma.Register(api, op("submitV2", http.MethodPost, "/api/v2/revtr", "Measure reverse traceroutes", c.cfg.API.MaxBody), c.submit)
	huma.Register(api, op("getV2", http.MethodGet, "/api/v2/revtr/{batch_id}", "Fetch a batch's, or a label's, reverse traceroutes", 0),
		func(ctx context.Context, in *batchOrLabelInput) (*revtrsOutput, error) {
			f := store.Filter{Label: in.ID}
			if id, err := strconv.ParseUint(in.ID, 10, 32); err == nil && id > 0 {
				f = store.Filter{BatchID: int64(id)}
			}
			return c.revtrsOf(ctx, in.Key, f)
		})
	huma.Register(api, op("getByLabelV2", http.MethodGet, "/api/v2/revtr/label/{label}", "Fetch a label's reverse traceroutes", 0),
		func(ctx context.Context, in *labelInput) (*revtrsOutput, error) {
			return c.revtrsOf(ctx, in.Key, store.Filter{Label: in.Label})
		})
	huma.Register(api, op("metaV2", http.MethodGet, "/api/v2/revtr/meta/{batch_id}", "A batch's reverse traceroutes: status, source, destination, ID", 0), c.meta)
	huma.Register(api, op("statusV2", http.MethodGet, "/api/v2/revtr/status/{batch_id}", "A batch's reverse traceroutes' statuses", 0), c.statuses)
	huma.Register(api, op("sourcesV2", http.MethodGet, "/api/v2/sources", "List the available sources", 0), c.sources)
	huma.Register(api, op("atlasRunV2", http.MethodPost, "/api/v2/atlas/run", "Build a source's traceroute atlas", 0), c.atlasRun)
	huma.Register(api, op("atlasCleanV2", http.MethodPost, "/api/v2/atlas/clean", "Mark a source's atlas stale", 0), c.atlasClean)
}

func (c *Controller) registerBeyond(api huma.API) {
	huma.Register(api, op("batch", http.MethodGet, "/api/v2/batches/{batch_id}", "A batch's progress: counts by state and stop reason", 0), c.batchStatus)
	huma.Register(api, op("cancelBatch", http.MethodPost, "/api/v2/batches/{batch_id}/cancel", "Cancel a batch's unfinished reverse traceroutes", 0), c.cancel)
	c.registerStreams(api)
	c.registerAgents(api)
	c.registerBrowse(api)
	c.registerUpload(api)
}

// op describes an operation; maxBody 0 keeps huma's default (1 MiB). Every
// operation may answer 400, 401 and 404; submissions also 403, 413 and
// 429; listings 413 (too many to list: use the JSON Lines).
func op(id, method, path, summary string, maxBody int64) huma.Operation {
	o := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, MaxBodyBytes: maxBody,
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound}}
	switch {
	case method == http.MethodPost && maxBody > 0:
		o.Errors = append(o.Errors, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests)
	case strings.HasPrefix(id, "atlas"):
		o.Errors = append(o.Errors, http.StatusForbidden)
	case method == http.MethodGet:
		o.Errors = append(o.Errors, http.StatusRequestEntityTooLarge)
	}
	return o
}

// user authenticates a request by its API key.
func (c *Controller) user(ctx context.Context, key string) (store.User, error) {
	if key == "" {
		return store.User{}, apiError(http.StatusUnauthorized, codeUnauthorized, "no API key: send it in the Revtr-Key header")
	}
	u, err := c.store.UserByKey(ctx, key)
	switch {
	case errors.Is(err, store.ErrUnknownKey):
		return u, apiError(http.StatusUnauthorized, codeUnauthorized, "unknown API key")
	case errors.Is(err, store.ErrRevokedKey):
		return u, apiError(http.StatusUnauthorized, codeUnauthorized, "revoked API key")
	case err != nil:
		return u, c.internal(err)
	}
	return u, nil
}

// internal logs an unexpected error and returns the API's 500, which
// shows none of it.
func (c *Controller) internal(err error) error {
	c.log.Error("internal error", "err", err)
	return &Error{status: http.StatusInternalServerError, Code: codeInternal, Message: "internal error"}
}

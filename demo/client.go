package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/revtr/revtr/controller"
)

// client calls the controller's REST API with the demo's key, as any
// user of the service would.
type client struct {
	base, key string
	http      *http.Client
}

func newClient(base, key string) *client {
	return &client{base: base, key: key, http: &http.Client{Timeout: time.Minute}}
}

// do sends a request with body (JSON, if not nil) and decodes the JSON
// answer into out (if not nil); an error answer becomes an error with
// its code and message.
func (c *client) do(ctx context.Context, method, path string, body, out any, headers ...string) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Revtr-Key", c.key)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("demo: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("demo: %s %s: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e controller.Error
		json.Unmarshal(b, &e) // a body that is not an error's leaves the status alone
		return fmt.Errorf("demo: %s %s: %s %s: %s", method, path, resp.Status, e.Code, strings.TrimSpace(e.Message))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("demo: %s %s: %w", method, path, err)
	}
	return nil
}

func (c *client) sources(ctx context.Context) ([]controller.SourceInfo, error) {
	var r controller.SourcesResult
	err := c.do(ctx, http.MethodGet, "/api/v1/sources", nil, &r)
	return r.Srcs, err
}

// runAtlas asks the controller to build src's atlas.
func (c *client) runAtlas(ctx context.Context, src netip.Addr) error {
	return c.do(ctx, http.MethodPost, "/api/v1/atlas/run", nil, nil, "source", src.String())
}

func (c *client) submit(ctx context.Context, reqs []controller.RevtrRequest) (uint32, error) {
	var r controller.SubmitResult
	err := c.do(ctx, http.MethodPost, "/api/v1/revtr", controller.SubmitBody{Revtrs: reqs}, &r)
	return r.BatchID, err
}

func (c *client) batch(ctx context.Context, id uint32) (controller.BatchStatus, error) {
	var r controller.BatchStatus
	err := c.do(ctx, http.MethodGet, fmt.Sprintf("/api/v2/batches/%d", id), nil, &r)
	return r, err
}

// ids lists a batch's reverse traceroutes, in submission order.
func (c *client) ids(ctx context.Context, batch uint32) ([]uint32, error) {
	var r controller.MetaResult
	if err := c.do(ctx, http.MethodGet, fmt.Sprintf("/api/v2/revtr/meta/%d", batch), nil, &r); err != nil {
		return nil, err
	}
	out := make([]uint32, len(r.RevtrsMeta))
	for i, m := range r.RevtrsMeta {
		out[i] = m.ID
	}
	return out, nil
}

// revtr is one reverse traceroute whole: its record, cost and forward
// traceroute.
func (c *client) revtr(ctx context.Context, id uint32) (controller.RevtrDetail, error) {
	var r controller.RevtrDetail
	err := c.do(ctx, http.MethodGet, fmt.Sprintf("/api/v2/revtrs/%d", id), nil, &r)
	return r, err
}

// agents lists the agents (GET /api/v2/agents).
func (c *client) agents(ctx context.Context) ([]controller.AgentInfo, error) {
	var r controller.AgentsResult
	err := c.do(ctx, http.MethodGet, "/api/v2/agents", nil, &r)
	return r.Agents, err
}

// atlasStatus is src's atlas build (GET /api/v2/atlas/status/{source}).
func (c *client) atlasStatus(ctx context.Context, src netip.Addr) (controller.AtlasStatus, error) {
	var r controller.AtlasStatus
	err := c.do(ctx, http.MethodGet, "/api/v2/atlas/status/"+src.String(), nil, &r)
	return r, err
}

package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"unicode"

	"github.com/revtr/revtr/store"
)

// submit accepts a batch: every reverse traceroute valid, toward a source
// the key may use, within the key's quotas, or none is accepted.
func (c *Controller) submit(ctx context.Context, in *submitInput) (*submitOutput, error) {
	key := in.Key
	if key == "" {
		key = in.Body.Auth
	}
	u, err := c.user(ctx, key)
	if err != nil {
		return nil, err
	}
	reqs := in.Body.Revtrs
	switch {
	case len(reqs) == 0:
		return nil, apiError(http.StatusBadRequest, codeEmptyBatch, "no reverse traceroute in the request")
	case len(reqs) > c.cfg.API.MaxBatch:
		return nil, apiError(http.StatusRequestEntityTooLarge, codeBatchTooLarge, "%d reverse traceroutes in one request; at most %d", len(reqs), c.cfg.API.MaxBatch)
	}
	// What the quotas cannot allow is refused before the work of
	// validating (the store checks again, in the transaction).
	if u.RunToday+len(reqs) > u.PerDay {
		return nil, apiError(http.StatusTooManyRequests, codeQuotaPerDay, msgQuotaPerDay)
	}
	if u.InFlight+len(reqs) > u.Parallel {
		return nil, apiError(http.StatusTooManyRequests, codeQuotaParallel, msgQuotaParallel)
	}
	rs, err := c.validate(ctx, u, reqs)
	if err != nil {
		return nil, err
	}
	batch, err := c.store.Submit(ctx, u.ID, rs, c.queue.enqueue)
	if err != nil {
		return nil, c.submitError(err)
	}
	c.metrics.accepted.Add(float64(len(rs)))
	return &submitOutput{Body: SubmitResult{BatchID: uint32(batch)}}, nil
}

// validate checks every request and returns them as the store takes
// them; the error, a 4xx, names the first bad one.
func (c *Controller) validate(ctx context.Context, u store.User, reqs []RevtrRequest) ([]store.NewRevtr, error) {
	rs := make([]store.NewRevtr, len(reqs))
	allowed := make(map[netip.Addr]error) // per source: nil if the key may use it
	for i, r := range reqs {
		src, err := parseAddr(r.Src)
		if err != nil {
			return nil, apiError(http.StatusBadRequest, codeBadAddress, "revtrs[%d].src %q: %v", i, r.Src, err)
		}
		dst, err := parseAddr(r.Dst)
		if err != nil {
			return nil, apiError(http.StatusBadRequest, codeBadAddress, "revtrs[%d].dst %q: %v", i, r.Dst, err)
		}
		if src.Is4() != dst.Is4() {
			return nil, apiError(http.StatusBadRequest, codeBadAddress, "revtrs[%d]: source %v and destination %v are of different families", i, src, dst)
		}
		if c.bogons.IsBogon(dst) {
			return nil, apiError(http.StatusBadRequest, codeBadDestination, "revtrs[%d].dst %v: not a public unicast address", i, dst)
		}
		if err := checkLabel(r.Label); err != nil {
			return nil, apiError(http.StatusBadRequest, codeBadRequest, "revtrs[%d].label: %v", i, err)
		}
		err, seen := allowed[src]
		if !seen {
			err = c.mayUse(ctx, u, src)
			allowed[src] = err
		}
		if err != nil {
			return nil, err
		}
		opts, err := json.Marshal(r)
		if err != nil {
			return nil, c.internal(err)
		}
		rs[i] = store.NewRevtr{Src: src, Dst: dst, Label: r.Label, Options: string(opts)}
	}
	return rs, nil
}

// parseAddr parses an address strictly: no zone, no IPv4-mapped IPv6, no
// leading zeros (netip refuses those).
func parseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	switch {
	case err != nil:
		return a, errors.New("not an IP address")
	case a.Zone() != "":
		return a, errors.New("an address with a zone")
	case a.Is4In6():
		return a, errors.New("an IPv4-mapped IPv6 address: write it as IPv4")
	}
	return a, nil
}

// checkLabel refuses labels no database stores as text and no client
// can show: control characters (NUL among them).
func checkLabel(l string) error {
	for _, r := range l {
		if unicode.IsControl(r) {
			return fmt.Errorf("control character %U", r)
		}
	}
	return nil
}

// mayUse checks that src is an authorized source and one of u's.
func (c *Controller) mayUse(ctx context.Context, u store.User, src netip.Addr) error {
	if _, err := c.store.Source(ctx, src); errors.Is(err, store.ErrNotFound) {
		return apiError(http.StatusForbidden, codeSourceNotAuthorized, "source %v is not an authorized source", src)
	} else if err != nil {
		return c.internal(err)
	}
	if !u.MaySource(src) {
		return apiError(http.StatusForbidden, codeSourceNotAllowed, "your key may not measure toward source %v", src)
	}
	if c.agents != nil && !c.agents.usable(src) {
		return apiError(http.StatusForbidden, codeSourceNotOnboarded,
			"source %v has not passed onboarding (its agent connected and tested): see GET /api/v1/sources/%v/onboarding", src, src)
	}
	return nil
}

// atlasRun accepts a request to build or refresh a source's atlas: with
// agents, from their traceroutes toward the source (or RIPE Atlas's,
// with a RIPE-Key) and the source's Record Route pings, in the
// background (GET /api/v2/atlas/status/{source} shows its progress); the
// simulator and lab backends measure every source's atlas when they
// start.
func (c *Controller) atlasRun(ctx context.Context, in *atlasInput) (*emptyOutput, error) {
	src, err := c.atlasSource(ctx, in)
	if err != nil || c.agents == nil {
		return &emptyOutput{}, err
	}
	started, err := c.agents.startAtlas(ctx, src, in.RIPEKey)
	if err != nil {
		return nil, c.internal(err)
	}
	c.log.Info("atlas/run", "source", src, "started", started, "ripe", in.RIPEKey != "")
	return &emptyOutput{}, nil
}

// atlasClean marks a source's atlas stale: it is rebuilt (with agents)
// at the next refresh.
func (c *Controller) atlasClean(ctx context.Context, in *atlasInput) (*emptyOutput, error) {
	src, err := c.atlasSource(ctx, in)
	if err != nil || c.agents == nil {
		return &emptyOutput{}, err
	}
	if err := c.agents.cleanAtlas(ctx, src); err != nil {
		return nil, c.internal(err)
	}
	return &emptyOutput{}, nil
}

// atlasSource checks an atlas request as the reference checks it and
// returns its source.
func (c *Controller) atlasSource(ctx context.Context, in *atlasInput) (netip.Addr, error) {
	key, source := in.Key, in.Source
	if in.Body != nil {
		key, source = first(key, in.Body.Auth), first(source, in.Body.Source)
	}
	u, err := c.user(ctx, key)
	if err != nil {
		return netip.Addr{}, err
	}
	src, err := parseAddr(source)
	if err != nil {
		return src, apiError(http.StatusBadRequest, codeBadAddress, "source %q: %v", source, err)
	}
	return src, c.mayUse(ctx, u, src)
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

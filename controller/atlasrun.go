package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/revtr/revtr/atlas"
	"github.com/revtr/revtr/atlas/ripe"
	"github.com/revtr/revtr/store"
)

// Atlas providers, as stored.
const (
	providerAgents = "agents"
	providerRIPE   = "ripe"
)

// atlasTimeout bounds one atlas build.
const atlasTimeout = 30 * time.Minute

// refreshAtlases rebuilds the atlas of every onboarded source whose
// atlas is older than the staleness or was marked stale (atlas/clean).
// A source's first atlas is built when atlas/run asks, as the
// reference's bootstrap is.
func (b *agentsBackend) refreshAtlases(ctx context.Context) {
	b.mu.RLock()
	srcs := b.sources
	b.mu.RUnlock()
	for _, s := range srcs {
		a, err := b.store.AtlasOf(ctx, s)
		switch {
		case errors.Is(err, store.ErrNotFound):
			continue
		case err != nil:
			b.log.Warn("atlas unreadable", "source", s, "err", err)
			continue
		case a.State == store.AtlasRunning,
			a.State == store.AtlasDone && a.Stale.IsZero() && time.Since(a.Finished) < b.cfg.AtlasStaleness,
			a.State == store.AtlasFailed && time.Since(a.Finished) < b.cfg.AtlasStaleness:
			continue
		}
		if _, err := b.startAtlas(ctx, s, ""); err != nil {
			b.log.Warn("atlas refresh not started", "source", s, "err", err)
		}
	}
}

// startAtlas starts building src's atlas in the background, from the
// agents' traceroutes, or from RIPE Atlas with ripeKey; it reports false
// if a build is already running.
func (b *agentsBackend) startAtlas(ctx context.Context, src netip.Addr, ripeKey string) (bool, error) {
	provider := providerAgents
	if ripeKey != "" {
		provider = providerRIPE
	}
	if _, busy := b.building.LoadOrStore(src, true); busy {
		return false, nil
	}
	ok, err := b.store.StartAtlas(ctx, src, provider)
	if err != nil || !ok {
		b.building.Delete(src)
		return false, err
	}
	go func() {
		defer b.building.Delete(src)
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), atlasTimeout)
		defer cancel()
		b.buildAtlas(bctx, src, ripeKey)
	}()
	return true, nil
}

// buildAtlas measures src's atlas and stores it, then rebuilds the engine.
func (b *agentsBackend) buildAtlas(ctx context.Context, src netip.Addr, ripeKey string) {
	var vps []netip.Addr
	for _, ag := range b.fleet.Agents() {
		if a, ok := firstIPv4(ag.Addrs); ok && ag.VantagePoint {
			vps = append(vps, a)
		}
	}
	own := atlas.ProberProvider{Prober: b.fleet, Parallel: b.cfg.AtlasParallel}
	var p atlas.Provider = own
	if ripeKey != "" {
		p = &ripe.Provider{Key: ripeKey, BaseURL: b.cfg.RIPEBaseURL, Client: &http.Client{Timeout: time.Minute},
			Probes: []ripe.Probes{ripe.Area("WW", b.cfg.RIPEProbes)}, KeepPrivate: b.cfg.RIPEKeepPrivate, RR: own}
	}
	start := time.Now()
	paths, cost, err := atlas.Build(ctx, p, src, vps, start, func() uint64 { return b.ids.Add(1) })
	var pj, cj []byte
	if err == nil {
		pj, err = json.Marshal(paths)
	}
	if err == nil {
		cj, err = json.Marshal(cost)
	}
	if ferr := b.store.FinishAtlas(context.WithoutCancel(ctx), src, pj, cj, err); ferr != nil {
		b.log.Error("atlas not stored", "source", src, "err", ferr)
		return
	}
	if err != nil {
		b.log.Warn("atlas build failed", "source", src, "err", err)
		return
	}
	b.log.Info("atlas built", "source", src, "paths", len(paths), "traces", cost.Traces, "rr_pings", cost.RRPings, "took", time.Since(start))
	if err := b.rebuild(ctx); err != nil {
		b.log.Error("engine not rebuilt after the atlas", "err", err)
	}
}

// cleanAtlas marks src's atlas stale: the next refresh rebuilds it.
func (b *agentsBackend) cleanAtlas(ctx context.Context, src netip.Addr) error {
	err := b.store.MarkAtlasStale(ctx, src)
	if errors.Is(err, store.ErrNotFound) {
		return nil // nothing built yet: nothing stale
	}
	if err != nil {
		return fmt.Errorf("controller: clean atlas: %w", err)
	}
	return nil
}

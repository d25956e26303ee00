package store

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Atlas states.
const (
	AtlasRunning = "running"
	AtlasDone    = "done"
	AtlasFailed  = "failed"
)

// Atlas is a source's traceroute atlas: the state of its last build and,
// once one succeeded, the paths of the last that did (JSON, as the
// controller writes them).
type Atlas struct {
	Src       netip.Addr
	State     string
	Provider  string // the last build's: "agents" or "ripe"
	Requested time.Time
	Finished  time.Time // zero while running
	Stale     time.Time // marked stale (atlas/clean); zero otherwise
	Error     string
	Cost      []byte // JSON, of the build that measured Paths
	Paths     []byte // JSON; nil until a build succeeded
	// PathsProvider measured Paths: the provider of the last build that
	// succeeded ("" before one did).
	PathsProvider string
}

// atlasAbandoned is how long a build may run before another may start
// over it (its controller died).
const atlasAbandoned = time.Hour

// StartAtlas marks a build of src's atlas running, keeping the paths of
// the last one; it returns false, writing nothing, if one is running
// (and started less than an hour ago).
func (s *Store) StartAtlas(ctx context.Context, src netip.Addr, provider string) (bool, error) {
	n, err := s.w.exec(ctx, `INSERT INTO atlases (src, state, provider, requested) VALUES (?, ?, ?, ?)
		ON CONFLICT (src) DO UPDATE SET state = excluded.state, provider = excluded.provider, requested = excluded.requested, error = ''
		WHERE atlases.state <> ? OR atlases.requested < ?`, src.String(), AtlasRunning, provider, s.now().UnixNano(), AtlasRunning,
		s.now().Add(-atlasAbandoned).UnixNano())
	if err != nil {
		return false, fmt.Errorf("store: start atlas of %v: %w", src, err)
	}
	return n == 1, nil
}

// FinishAtlas records a build's end: its paths and cost, or its error
// (the paths of the last good build then stay).
func (s *Store) FinishAtlas(ctx context.Context, src netip.Addr, paths, cost []byte, buildErr error) error {
	now := s.now().UnixNano()
	var err error
	if buildErr != nil {
		_, err = s.w.exec(ctx, "UPDATE atlases SET state = ?, finished = ?, error = ? WHERE src = ?", AtlasFailed, now, buildErr.Error(), src.String())
	} else {
		_, err = s.w.exec(ctx, "UPDATE atlases SET state = ?, finished = ?, stale = 0, paths = ?, cost = ?, paths_provider = provider WHERE src = ?",
			AtlasDone, now, string(paths), string(cost), src.String())
	}
	if err != nil {
		return fmt.Errorf("store: finish atlas of %v: %w", src, err)
	}
	return nil
}

// MarkAtlasStale marks src's atlas stale (atlas/clean), or ErrNotFound.
func (s *Store) MarkAtlasStale(ctx context.Context, src netip.Addr) error {
	n, err := s.w.exec(ctx, "UPDATE atlases SET stale = ? WHERE src = ?", s.now().UnixNano(), src.String())
	if err != nil {
		return fmt.Errorf("store: clean atlas of %v: %w", src, err)
	}
	if n == 0 {
		return fmt.Errorf("store: clean atlas of %v: %w", src, ErrNotFound)
	}
	return nil
}

// AtlasOf returns src's atlas, or ErrNotFound.
func (s *Store) AtlasOf(ctx context.Context, src netip.Addr) (Atlas, error) {
	a, err := scanAtlas(s.r.queryRow(ctx, "SELECT "+atlasColumns+" FROM atlases WHERE src = ?", src.String()))
	if errors.Is(err, errNoRows) {
		return a, ErrNotFound
	}
	return a, err
}

// Atlases lists every source's atlas.
func (s *Store) Atlases(ctx context.Context) ([]Atlas, error) {
	rs, err := s.r.query(ctx, "SELECT "+atlasColumns+" FROM atlases ORDER BY src")
	if err != nil {
		return nil, fmt.Errorf("store: list atlases: %w", err)
	}
	defer rs.Close()
	var out []Atlas
	for rs.Next() {
		a, err := scanAtlas(rs)
		if err != nil {
			return nil, fmt.Errorf("store: list atlases: %w", err)
		}
		out = append(out, a)
	}
	return out, rs.Err()
}

const atlasColumns = "src, state, provider, requested, finished, stale, error, cost, paths, paths_provider"

func scanAtlas(r row) (Atlas, error) {
	var a Atlas
	var src, cost string
	var paths *string
	var req, fin, stale int64
	if err := r.Scan(&src, &a.State, &a.Provider, &req, &fin, &stale, &a.Error, &cost, &paths, &a.PathsProvider); err != nil {
		return a, err
	}
	addr, err := netip.ParseAddr(src)
	a.Src, a.Requested, a.Finished, a.Stale, a.Cost = addr, time.Unix(0, req), unixNano(fin), unixNano(stale), []byte(cost)
	if paths != nil {
		a.Paths = []byte(*paths)
	}
	return a, err
}

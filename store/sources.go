package store

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// Source is an authorized source: an address reverse paths may be
// measured toward.
type Source struct {
	Addr           netip.Addr
	Hostname, Site string
	Added          time.Time
}

// AddSource authorizes a source, or updates its hostname and site; it
// is the operator's from then on (SyncSources never withdraws it).
func (s *Store) AddSource(ctx context.Context, src Source) error {
	if !src.Addr.IsValid() || src.Addr.Zone() != "" {
		return fmt.Errorf("store: add source %v: %w", src.Addr, ErrBadArgument)
	}
	_, err := s.w.exec(ctx, `INSERT INTO sources (addr, hostname, site, added) VALUES (?, ?, ?, ?)
		ON CONFLICT (addr) DO UPDATE SET hostname = excluded.hostname, site = excluded.site, authorized_by = ''`,
		src.Addr.String(), src.Hostname, src.Site, s.now().UnixNano())
	if err != nil {
		return fmt.Errorf("store: add source %v: %w", src.Addr, err)
	}
	return nil
}

// byBackend marks the sources SyncSources authorized.
const byBackend = "backend"

// SyncSources makes the backend's authorized sources exactly srcs, in
// one transaction: it authorizes those new (updating the hostname and
// site of those known), and withdraws those it authorized before that
// srcs no longer has (a topology that changed), so that no source stays
// authorized that nothing measures. Sources the operator added
// (AddSource) are left as they are, names included. It returns the sources withdrawn.
func (s *Store) SyncSources(ctx context.Context, srcs []Source) ([]netip.Addr, error) {
	keep := make(map[netip.Addr]bool, len(srcs))
	for _, src := range srcs {
		if !src.Addr.IsValid() || src.Addr.Zone() != "" {
			return nil, fmt.Errorf("store: sync sources: %v: %w", src.Addr, ErrBadArgument)
		}
		keep[src.Addr] = true
	}
	var gone []netip.Addr
	err := s.inTx(ctx, func(tx *Tx) error {
		gone = gone[:0]
		now := s.now().UnixNano()
		for _, src := range srcs {
			if _, err := tx.q.exec(ctx, `INSERT INTO sources (addr, hostname, site, added, authorized_by) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (addr) DO UPDATE SET hostname = excluded.hostname, site = excluded.site WHERE sources.authorized_by = ?`,
				src.Addr.String(), src.Hostname, src.Site, now, byBackend, byBackend); err != nil {
				return err
			}
		}
		old, err := backendSources(ctx, tx.q)
		if err != nil {
			return err
		}
		for _, a := range old {
			if keep[a] {
				continue
			}
			if _, err := tx.q.exec(ctx, "DELETE FROM sources WHERE addr = ?", a.String()); err != nil {
				return err
			}
			gone = append(gone, a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: sync sources: %w", err)
	}
	return gone, nil
}

// backendSources lists the sources the backend authorized.
func backendSources(ctx context.Context, q querier) ([]netip.Addr, error) {
	rs, err := q.query(ctx, "SELECT addr FROM sources WHERE authorized_by = ?", byBackend)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []netip.Addr
	for rs.Next() {
		var a string
		if err := rs.Scan(&a); err != nil {
			return nil, err
		}
		addr, err := netip.ParseAddr(a)
		if err != nil {
			return nil, err
		}
		out = append(out, addr)
	}
	return out, rs.Err()
}

// RemoveSource withdraws a source's authorization; keys naming it can no
// longer measure toward it.
func (s *Store) RemoveSource(ctx context.Context, addr netip.Addr) error {
	n, err := s.w.exec(ctx, "DELETE FROM sources WHERE addr = ?", addr.String())
	if err != nil {
		return fmt.Errorf("store: remove source %v: %w", addr, err)
	}
	if n == 0 {
		return fmt.Errorf("store: remove source %v: %w", addr, ErrNotFound)
	}
	return nil
}

// Sources lists the authorized sources by address.
func (s *Store) Sources(ctx context.Context) ([]Source, error) {
	rs, err := s.r.query(ctx, "SELECT addr, hostname, site, added FROM sources")
	if err != nil {
		return nil, fmt.Errorf("store: list sources: %w", err)
	}
	defer rs.Close()
	var out []Source
	for rs.Next() {
		src, err := scanSource(rs)
		if err != nil {
			return nil, fmt.Errorf("store: list sources: %w", err)
		}
		out = append(out, src)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list sources: %w", err)
	}
	slices.SortFunc(out, func(a, b Source) int { return a.Addr.Compare(b.Addr) }) // the database orders text
	return out, nil
}

// Source returns the authorized source addr, or ErrNotFound.
func (s *Store) Source(ctx context.Context, addr netip.Addr) (Source, error) {
	return sourceIn(ctx, s.r, addr)
}

func sourceIn(ctx context.Context, q querier, addr netip.Addr) (Source, error) {
	src, err := scanSource(q.queryRow(ctx, "SELECT addr, hostname, site, added FROM sources WHERE addr = ?", addr.String()))
	if errors.Is(err, errNoRows) {
		return Source{}, ErrNotFound
	}
	return src, err
}

func scanSource(r row) (Source, error) {
	var src Source
	var a string
	var added int64
	if err := r.Scan(&a, &src.Hostname, &src.Site, &added); err != nil {
		return src, err
	}
	addr, err := netip.ParseAddr(a)
	if err != nil {
		return src, err
	}
	src.Addr, src.Added = addr, time.Unix(0, added)
	return src, nil
}

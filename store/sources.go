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

// AddSource authorizes a source, or updates its hostname and site.
func (s *Store) AddSource(ctx context.Context, src Source) error {
	if !src.Addr.IsValid() || src.Addr.Zone() != "" {
		return fmt.Errorf("store: add source %v: %w", src.Addr, ErrBadArgument)
	}
	_, err := s.w.exec(ctx, `INSERT INTO sources (addr, hostname, site, added) VALUES (?, ?, ?, ?)
		ON CONFLICT (addr) DO UPDATE SET hostname = excluded.hostname, site = excluded.site`,
		src.Addr.String(), src.Hostname, src.Site, s.now().UnixNano())
	if err != nil {
		return fmt.Errorf("store: add source %v: %w", src.Addr, err)
	}
	return nil
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

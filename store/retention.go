package store

import (
	"context"
	"fmt"
	"time"
)

// Purged counts what one Purge deleted.
type Purged struct {
	Batches, Revtrs, Exports int
}

// purgePage bounds the batches one query of Purge selects, and purgeChunk
// the reverse traceroutes one statement deletes: each statement is short,
// so that SQLite's one writer is never held for long.
const (
	purgePage  = 100
	purgeChunk = 1000
)

// archivedBefore is true of a reverse traceroute (of table revtrs) held by
// an export whose file was written before the parameter.
const archivedBefore = "export_seq IN (SELECT seq FROM exports WHERE written > 0 AND written < ?)"

// Purge deletes the batches every reverse traceroute of which is held by
// an export whose archive file was written before before, with those
// reverse traceroutes, and then the written exports that hold nothing any
// more. Nothing unfinished, unexported or exported but not yet written is
// ever deleted, and a batch goes whole or not at all (a purge interrupted
// midway leaves part of one, which the next purge finishes). Export
// numbers are never reused, so archive file names stay unique.
func (s *Store) Purge(ctx context.Context, before time.Time) (Purged, error) {
	var p Purged
	cutoff := before.UnixNano()
	for after := int64(0); ; {
		ids, err := s.purgeable(ctx, cutoff, after)
		if err != nil || len(ids) == 0 {
			if err == nil {
				err = s.purgeExports(ctx, cutoff, &p)
			}
			return p, err
		}
		for _, id := range ids {
			if err := s.purgeBatch(ctx, id, cutoff, &p); err != nil {
				return p, err
			}
		}
		after = ids[len(ids)-1]
	}
}

// purgeable returns up to purgePage batches above after that Purge
// deletes, by ID.
func (s *Store) purgeable(ctx context.Context, cutoff, after int64) ([]int64, error) {
	rows, err := s.r.query(ctx, `SELECT b.id FROM batches b WHERE b.id > ? AND b.created < ? AND NOT EXISTS
		(SELECT 1 FROM revtrs r WHERE r.batch_id = b.id AND (r.export_seq IS NULL OR NOT r.`+archivedBefore+`))
		ORDER BY b.id LIMIT ?`, after, cutoff, cutoff, purgePage)
	if err != nil {
		return nil, fmt.Errorf("store: purge: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: purge: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: purge: %w", err)
	}
	return ids, nil
}

// purgeBatch deletes batch id's archived reverse traceroutes, a chunk at
// a time, and then the batch if none is left.
func (s *Store) purgeBatch(ctx context.Context, id, cutoff int64, p *Purged) error {
	for {
		n, err := s.w.exec(ctx, `DELETE FROM revtrs WHERE id IN (SELECT id FROM revtrs WHERE batch_id = ? AND `+archivedBefore+`
			ORDER BY id LIMIT ?)`, id, cutoff, purgeChunk)
		if err != nil {
			return fmt.Errorf("store: purge batch %d: %w", id, err)
		}
		p.Revtrs += int(n)
		if n < purgeChunk {
			break
		}
	}
	n, err := s.w.exec(ctx, "DELETE FROM batches WHERE id = ? AND NOT EXISTS (SELECT 1 FROM revtrs WHERE batch_id = ?)", id, id)
	if err != nil {
		return fmt.Errorf("store: purge batch %d: %w", id, err)
	}
	p.Batches += int(n)
	return nil
}

// purgeExports deletes the exports written before cutoff that hold no
// reverse traceroute any more.
func (s *Store) purgeExports(ctx context.Context, cutoff int64, p *Purged) error {
	n, err := s.w.exec(ctx, `DELETE FROM exports WHERE written > 0 AND written < ? AND
		NOT EXISTS (SELECT 1 FROM revtrs WHERE revtrs.export_seq = exports.seq)`, cutoff)
	if err != nil {
		return fmt.Errorf("store: purge exports: %w", err)
	}
	p.Exports = int(n)
	return nil
}

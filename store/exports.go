package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Export is a numbered set of done reverse traceroutes that one exporter
// claimed to write into one archive file. Claiming and writing are
// separate steps so that a crash in between is mended by writing the same
// file again: every done reverse traceroute is in exactly one export.
type Export struct {
	Seq      int64
	Exporter string
	Created  time.Time
	Records  int
	Written  time.Time // zero until the file is written
}

// ClaimExport claims for exporter up to max done reverse traceroutes that
// no export holds, oldest first, and returns the export (Records 0, and
// nothing claimed, if there were none). Exporters sharing a database
// claim disjoint sets.
func (s *Store) ClaimExport(ctx context.Context, exporter string, max int) (Export, error) {
	e := Export{Exporter: exporter}
	err := s.inTx(ctx, func(tx *Tx) error {
		now := s.now()
		if err := tx.q.queryRow(ctx, "INSERT INTO exports (exporter, created, records) VALUES (?, ?, 0) RETURNING seq",
			exporter, now.UnixNano()).Scan(&e.Seq); err != nil {
			return fmt.Errorf("store: claim export: %w", err)
		}
		n, err := tx.q.exec(ctx, `UPDATE revtrs SET export_seq = ? WHERE export_seq IS NULL AND state = 2 AND id IN
			(SELECT id FROM revtrs WHERE state = 2 AND export_seq IS NULL ORDER BY id LIMIT ?)`, e.Seq, max)
		if err != nil {
			return fmt.Errorf("store: claim export: %w", err)
		}
		if n == 0 {
			return errNothing
		}
		e.Created, e.Records = now, int(n)
		if _, err := tx.q.exec(ctx, "UPDATE exports SET records = ? WHERE seq = ?", n, e.Seq); err != nil {
			return fmt.Errorf("store: claim export: %w", err)
		}
		return nil
	})
	if errors.Is(err, errNothing) {
		return Export{Exporter: exporter}, nil
	}
	return e, err
}

// errNothing rolls back a claim that found nothing to export.
var errNothing = errors.New("nothing to export")

// Unwritten returns exporter's exports whose file is not written yet, in
// order: after a crash, the exporter writes them again.
func (s *Store) Unwritten(ctx context.Context, exporter string) ([]Export, error) {
	rows, err := s.r.query(ctx, "SELECT seq, created, records FROM exports WHERE exporter = ? AND written = 0 ORDER BY seq", exporter)
	if err != nil {
		return nil, fmt.Errorf("store: unwritten exports: %w", err)
	}
	defer rows.Close()
	var out []Export
	for rows.Next() {
		e := Export{Exporter: exporter}
		var created int64
		if err := rows.Scan(&e.Seq, &created, &e.Records); err != nil {
			return nil, fmt.Errorf("store: unwritten exports: %w", err)
		}
		e.Created = unixNano(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// ExportPage returns up to limit of export seq's reverse traceroutes with
// IDs above after, by ID.
func (s *Store) ExportPage(ctx context.Context, seq, after int64, limit int) ([]Revtr, error) {
	rows, err := s.r.query(ctx, "SELECT "+revtrColumns+" FROM revtrs WHERE export_seq = ? AND id > ? ORDER BY id LIMIT ?", seq, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: export %d: %w", seq, err)
	}
	out, err := appendRevtrs(make([]Revtr, 0, limit), rows)
	if err != nil {
		return nil, fmt.Errorf("store: export %d: %w", seq, err)
	}
	return out, nil
}

// MarkWritten records that export seq's file is written.
func (s *Store) MarkWritten(ctx context.Context, seq int64) error {
	if _, err := s.w.exec(ctx, "UPDATE exports SET written = ? WHERE seq = ?", s.now().UnixNano(), seq); err != nil {
		return fmt.Errorf("store: export %d written: %w", seq, err)
	}
	return nil
}

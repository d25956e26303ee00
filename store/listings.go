package store

import (
	"context"
	"fmt"
)

// BatchListing is one of a user's batches with its counts and labels, as
// a listing of batches shows it.
type BatchListing struct {
	Batch
	Counts Counts
	// Labels are the batch's distinct labels, at most MaxListedLabels.
	Labels []string
}

// MaxListedLabels bounds the labels a BatchListing names.
const MaxListedLabels = 5

// Batches returns up to limit of user's batches whose ID is below before
// (0: from the newest), newest first.
func (s *Store) Batches(ctx context.Context, user, before int64, limit int) ([]BatchListing, error) {
	q := "SELECT id, created, total, canceled FROM batches WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?"
	if before <= 0 {
		before = 1 << 62
	}
	rows, err := s.r.query(ctx, q, user, before, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list batches: %w", err)
	}
	var out []BatchListing
	for rows.Next() {
		b := BatchListing{Batch: Batch{UserID: user}}
		var created, canceled int64
		if err := rows.Scan(&b.ID, &created, &b.Total, &canceled); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: list batches: %w", err)
		}
		b.Created, b.Canceled = unixNano(created), unixNano(canceled)
		out = append(out, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list batches: %w", err)
	}
	for i := range out {
		if out[i].Counts, err = s.counts(ctx, out[i].ID); err != nil {
			return nil, err
		}
		if out[i].Labels, err = s.batchLabels(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) batchLabels(ctx context.Context, batch int64) ([]string, error) {
	rows, err := s.r.query(ctx, "SELECT DISTINCT label FROM revtrs WHERE batch_id = ? ORDER BY label LIMIT ?", batch, MaxListedLabels)
	if err != nil {
		return nil, fmt.Errorf("store: labels of batch %d: %w", batch, err)
	}
	defer rows.Close()
	labels := []string{}
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, fmt.Errorf("store: labels of batch %d: %w", batch, err)
		}
		labels = append(labels, l)
	}
	return labels, rows.Err()
}

// LabelListing is one of a user's labels: how many reverse traceroutes
// carry it, how many are done, and when the latest was accepted.
type LabelListing struct {
	Label       string
	Total, Done int
	Latest      int64 // Unix nanoseconds
}

// Labels returns up to limit of user's labels, the most recently used
// first.
func (s *Store) Labels(ctx context.Context, user int64, limit int) ([]LabelListing, error) {
	rows, err := s.r.query(ctx, `SELECT label, COUNT(*), SUM(CASE WHEN state = 2 THEN 1 ELSE 0 END), MAX(created)
		FROM revtrs WHERE user_id = ? GROUP BY label ORDER BY MAX(created) DESC, label LIMIT ?`, user, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list labels: %w", err)
	}
	defer rows.Close()
	var out []LabelListing
	for rows.Next() {
		var l LabelListing
		if err := rows.Scan(&l.Label, &l.Total, &l.Done, &l.Latest); err != nil {
			return nil, fmt.Errorf("store: list labels: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

const revtrColumns = "id, batch_id, user_id, src, dst, label, options, state, runs, worker, created, started, finished, stop, fail_reason, record, stats, forward"

func scanRevtr(r row) (Revtr, error) {
	var v Revtr
	var src, dst string
	var created, started, finished int64
	var record, stats, forward sql.NullString
	if err := r.Scan(&v.ID, &v.BatchID, &v.UserID, &src, &dst, &v.Label, &v.Options, &v.State, &v.Runs, &v.Worker,
		&created, &started, &finished, &v.Stop, &v.FailReason, &record, &stats, &forward); err != nil {
		return v, err
	}
	var err error
	if v.Src, err = netip.ParseAddr(src); err != nil {
		return v, err
	}
	if v.Dst, err = netip.ParseAddr(dst); err != nil {
		return v, err
	}
	v.Created, v.Started, v.Finished = unixNano(created), unixNano(started), unixNano(finished)
	if record.Valid {
		v.Record = []byte(record.String)
	}
	if stats.Valid {
		v.Stats = []byte(stats.String)
	}
	if forward.Valid {
		v.Forward = []byte(forward.String)
	}
	return v, nil
}

// unixNano is the time of a stored timestamp; 0 is the zero time.
func unixNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// appendRevtrs scans rows onto out and closes them.
func appendRevtrs(out []Revtr, rows rows) ([]Revtr, error) {
	defer rows.Close()
	for rows.Next() {
		v, err := scanRevtr(rows)
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Batch is an accepted batch of reverse traceroutes.
type Batch struct {
	ID, UserID int64
	Created    time.Time
	Total      int
	Canceled   time.Time // zero unless the batch was canceled
}

// Counts are a batch's reverse traceroutes by state and, once done, by
// stop reason.
type Counts struct {
	Pending, Running                   int
	Reaches, Failed, Trivial, Canceled int
}

// Done is how many are done.
func (c Counts) Done() int { return c.Reaches + c.Failed + c.Trivial + c.Canceled }

// Batch returns user's batch id and its counts; ErrNotFound if user has
// no such batch.
func (s *Store) Batch(ctx context.Context, user, id int64) (Batch, Counts, error) {
	b := Batch{ID: id, UserID: user}
	var created, canceled int64
	err := s.r.queryRow(ctx, "SELECT created, total, canceled FROM batches WHERE id = ? AND user_id = ?", id, user).
		Scan(&created, &b.Total, &canceled)
	if errors.Is(err, errNoRows) {
		return b, Counts{}, fmt.Errorf("store: batch %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return b, Counts{}, fmt.Errorf("store: batch %d: %w", id, err)
	}
	b.Created, b.Canceled = unixNano(created), unixNano(canceled)
	c, err := s.counts(ctx, id)
	return b, c, err
}

func (s *Store) counts(ctx context.Context, batch int64) (Counts, error) {
	rows, err := s.r.query(ctx, "SELECT state, stop, COUNT(*) FROM revtrs WHERE batch_id = ? GROUP BY state, stop", batch)
	if err != nil {
		return Counts{}, fmt.Errorf("store: batch %d: %w", batch, err)
	}
	defer rows.Close()
	var c Counts
	for rows.Next() {
		var st State
		var stop string
		var n int
		if err := rows.Scan(&st, &stop, &n); err != nil {
			return c, fmt.Errorf("store: batch %d: %w", batch, err)
		}
		switch {
		case st == Pending:
			c.Pending += n
		case st == Running:
			c.Running += n
		case stop == "REACHES":
			c.Reaches += n
		case stop == "TRIVIAL":
			c.Trivial += n
		case stop == "CANCELED":
			c.Canceled += n
		default:
			c.Failed += n
		}
	}
	return c, rows.Err()
}

// Filter selects a user's reverse traceroutes: those of a batch, or
// (BatchID 0) those of a label.
type Filter struct {
	UserID, BatchID int64
	Label           string
}

// Revtrs returns up to limit of the reverse traceroutes f selects whose
// ID is above after, by ID: pages that a caller walks in constant memory.
func (s *Store) Revtrs(ctx context.Context, f Filter, after int64, limit int) ([]Revtr, error) {
	q := "SELECT " + revtrColumns + " FROM revtrs WHERE user_id = ? AND batch_id = ? AND id > ? ORDER BY id LIMIT ?"
	args := []any{f.UserID, f.BatchID, after, limit}
	if f.BatchID == 0 {
		q = "SELECT " + revtrColumns + " FROM revtrs WHERE user_id = ? AND label = ? AND id > ? ORDER BY id LIMIT ?"
		args[1] = f.Label
	}
	rows, err := s.r.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list reverse traceroutes: %w", err)
	}
	out, err := appendRevtrs(make([]Revtr, 0, limit), rows)
	if err != nil {
		return nil, fmt.Errorf("store: list reverse traceroutes: %w", err)
	}
	return out, nil
}

// Revtr returns reverse traceroute id, whoever's it is.
func (s *Store) Revtr(ctx context.Context, id int64) (Revtr, error) {
	v, err := scanRevtr(s.r.queryRow(ctx, "SELECT "+revtrColumns+" FROM revtrs WHERE id = ?", id))
	if errors.Is(err, errNoRows) {
		return v, fmt.Errorf("store: reverse traceroute %d: %w", id, ErrNotFound)
	}
	return v, err
}

// Cancel cancels user's batch id: its reverse traceroutes that are not
// done are done, stopped CANCELED (a run still measuring one finds its
// result refused). It returns how many it canceled; ErrNotFound if user
// has no such batch.
func (s *Store) Cancel(ctx context.Context, user, id int64) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *Tx) error {
		now := s.now().UnixNano()
		k, err := tx.q.exec(ctx, "UPDATE batches SET canceled = ? WHERE id = ? AND user_id = ? AND canceled = 0", now, id, user)
		if err != nil {
			return fmt.Errorf("store: cancel batch %d: %w", id, err)
		}
		if k == 0 {
			var one int
			if err := tx.q.queryRow(ctx, "SELECT 1 FROM batches WHERE id = ? AND user_id = ?", id, user).Scan(&one); errors.Is(err, errNoRows) {
				return fmt.Errorf("store: cancel batch %d: %w", id, ErrNotFound)
			}
		}
		k, err = tx.q.exec(ctx, "UPDATE revtrs SET state = 2, stop = 'CANCELED', finished = ? WHERE batch_id = ? AND state < 2", now, id)
		if err != nil {
			return fmt.Errorf("store: cancel batch %d: %w", id, err)
		}
		n = int(k)
		return free(ctx, tx.q, map[int64]int{user: n})
	})
	return n, err
}

// Fail ends the reverse traceroutes ids that are not done as FAILED with
// reason (their runs never gave a result: the job measuring them was
// abandoned), frees their quota, and runs also in the same transaction.
// It returns how many it failed.
func (s *Store) Fail(ctx context.Context, worker string, ids []int64, reason string, also func(context.Context, *Tx) error) (int, error) {
	fs := make([]Finished, len(ids))
	for i, id := range ids {
		fs[i] = Finished{ID: id, Stop: "FAILED", FailReason: reason}
	}
	return s.Finish(ctx, worker, fs, also)
}

// Pending counts the reverse traceroutes accepted and not started, of
// every user.
func (s *Store) Pending(ctx context.Context) (int, error) {
	var n int
	if err := s.r.queryRow(ctx, "SELECT COUNT(*) FROM revtrs WHERE state = 0").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: pending: %w", err)
	}
	return n, nil
}

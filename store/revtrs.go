package store

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Quota errors: the request would take the key over its daily or its
// parallel quota.
var (
	ErrQuotaDay      = errors.New("daily quota exceeded")
	ErrQuotaParallel = errors.New("parallel quota exceeded")
)

// State is where a reverse traceroute is in its life.
type State uint8

// States. A done reverse traceroute has a stop reason (REACHES, FAILED,
// TRIVIAL, CANCELED).
const (
	Pending State = iota // accepted, waiting for a worker
	Running              // a worker started it
	Done                 // finished, failed or canceled
)

var stateNames = [...]string{"pending", "running", "done"}

// String returns "pending", "running" or "done".
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// NewRevtr is a reverse traceroute to accept: the path from Dst back to
// Src. Options is the request's options as JSON, kept as given.
type NewRevtr struct {
	Src, Dst netip.Addr
	Label    string
	Options  string
}

// Revtr is a stored reverse traceroute.
type Revtr struct {
	ID, BatchID, UserID        int64
	Src, Dst                   netip.Addr
	Label, Options             string
	State                      State
	Runs                       int    // how many times a worker started it
	Worker                     string // the controller that finished it
	Created, Started, Finished time.Time
	Stop, FailReason           string
	// Record is the archive record (JSON) the engine's result gave; nil
	// for one that never ran (canceled) or whose runs all failed, which
	// the stop and fail reason describe. Stats is the result's cost.
	Record, Stats []byte
	// Forward is the forward traceroute the request asked for (JSON);
	// nil if it asked for none or none was measured.
	Forward []byte
}

// Enqueue queues the jobs for accepted reverse traceroutes in the
// transaction that accepts them.
type Enqueue func(ctx context.Context, tx *Tx, ids []int64) error

// insertChunk bounds the rows of one INSERT (SQLite and PostgreSQL both
// limit the placeholders of a statement).
const insertChunk = 500

// Submit accepts a batch of reverse traceroutes for user in one
// transaction: the batch and its reverse traceroutes are written, enqueue
// queues their jobs, and the quotas are charged; if anything fails,
// nothing is written (what enqueue wrote in the transaction included). It returns the batch's ID. A revoked or unknown
// user gets ErrUnknownKey; quotas ErrQuotaDay or ErrQuotaParallel.
func (s *Store) Submit(ctx context.Context, user int64, rs []NewRevtr, enqueue Enqueue) (int64, error) {
	if len(rs) == 0 {
		return 0, fmt.Errorf("store: submit: empty batch: %w", ErrBadArgument)
	}
	var batch int64
	err := s.inTx(ctx, func(tx *Tx) error {
		now := s.now().UnixNano()
		if err := tx.q.queryRow(ctx, "INSERT INTO batches (user_id, created, total) VALUES (?, ?, ?) RETURNING id",
			user, now, len(rs)).Scan(&batch); err != nil {
			return fmt.Errorf("store: submit: %w", err)
		}
		ids, err := insertRevtrs(ctx, tx.q, batch, user, now, rs)
		if err != nil {
			return fmt.Errorf("store: submit: %w", err)
		}
		if err := enqueue(ctx, tx, ids); err != nil {
			return err
		}
		// Last, so that the user's row is locked (PostgreSQL) for as
		// short a time as can be: the key's submissions wait for each
		// other only here.
		return s.charge(ctx, tx.q, user, len(rs))
	})
	return batch, err
}

// charge counts n more reverse traceroutes against user's quotas.
func (s *Store) charge(ctx context.Context, q querier, user int64, n int) error {
	day := s.day()
	var today, inFlight, perDay, parallel int64
	err := q.queryRow(ctx, `UPDATE users SET
		run_today = CASE WHEN quota_day = ? THEN run_today ELSE 0 END + ?, quota_day = ?, in_flight = in_flight + ?
		WHERE id = ? AND revoked = 0 RETURNING run_today, in_flight, max_per_day, max_parallel`,
		day, n, day, n, user).Scan(&today, &inFlight, &perDay, &parallel)
	switch {
	case errors.Is(err, errNoRows):
		return ErrUnknownKey
	case err != nil:
		return fmt.Errorf("store: submit: quota: %w", err)
	case today > perDay:
		return ErrQuotaDay
	case inFlight > parallel:
		return ErrQuotaParallel
	}
	return nil
}

func insertRevtrs(ctx context.Context, q querier, batch, user, now int64, rs []NewRevtr) ([]int64, error) {
	ids := make([]int64, 0, len(rs))
	for len(rs) > 0 {
		chunk := rs[:min(len(rs), insertChunk)]
		rs = rs[len(chunk):]
		var b strings.Builder
		b.WriteString("INSERT INTO revtrs (batch_id, user_id, src, dst, label, options, created) VALUES ")
		args := make([]any, 0, 7*len(chunk))
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
			opts := r.Options
			if opts == "" {
				opts = "{}"
			}
			args = append(args, batch, user, r.Src.String(), r.Dst.String(), r.Label, opts, now)
		}
		b.WriteString(" RETURNING id")
		rows, err := q.query(ctx, b.String(), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// idChunk bounds the IDs of one IN list.
const idChunk = 500

// Start marks the reverse traceroutes ids that are not done as running
// (counting the run) and returns them; done ones (finished by an earlier
// run, or canceled) are left out. It also reserves idsPer measurement IDs
// for each one returned, unique across controllers and restarts: those
// from first on.
func (s *Store) Start(ctx context.Context, ids []int64, idsPer int) (rs []Revtr, first int64, err error) {
	err = s.inTx(ctx, func(tx *Tx) error {
		rs = rs[:0]
		for todo := ids; len(todo) > 0; {
			chunk := todo[:min(len(todo), idChunk)]
			todo = todo[len(chunk):]
			args := append([]any{Running, s.now().UnixNano()}, int64s(chunk)...)
			rows, err := tx.q.query(ctx, `UPDATE revtrs SET state = ?, runs = runs + 1, started = ?
				WHERE id IN (`+placeholders(len(chunk))+`) AND state < 2 RETURNING `+revtrColumns, args...)
			if err != nil {
				return fmt.Errorf("store: start: %w", err)
			}
			if rs, err = appendRevtrs(rs, rows); err != nil {
				return fmt.Errorf("store: start: %w", err)
			}
		}
		if len(rs) == 0 || idsPer <= 0 {
			return nil
		}
		n := int64(len(rs) * idsPer)
		if err := tx.q.queryRow(ctx, "UPDATE counters SET next = next + ? WHERE name = 'measurement' RETURNING next", n).Scan(&first); err != nil {
			return fmt.Errorf("store: start: reserve IDs: %w", err)
		}
		first -= n
		return nil
	})
	return rs, first, err
}

func int64s(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// Finished is the outcome of one reverse traceroute, as Finish writes it.
type Finished struct {
	ID               int64
	Stop, FailReason string
	Record, Stats    []byte // nil when the reverse traceroute never got a result
	Forward          []byte // the forward traceroute, if one was asked for and measured
}

// Finish writes outcomes in one transaction, each only if its reverse
// traceroute is not done yet (a result is written once, whatever runs
// and retries happened), frees the keys' parallel quota, and runs also
// (if not nil) in the same transaction: the job that measured them is
// completed with its results. It returns how many it wrote.
func (s *Store) Finish(ctx context.Context, worker string, fs []Finished, also func(context.Context, *Tx) error) (int, error) {
	var written int
	err := s.inTx(ctx, func(tx *Tx) error {
		written = 0
		now := s.now().UnixNano()
		freed := make(map[int64]int)
		for todo := fs; len(todo) > 0; {
			chunk := todo[:min(len(todo), finishChunk)]
			todo = todo[len(chunk):]
			n, err := finishChunkIn(ctx, tx.q, worker, now, chunk, freed)
			if err != nil {
				return fmt.Errorf("store: finish: %w", err)
			}
			written += n
		}
		if err := free(ctx, tx.q, freed); err != nil {
			return err
		}
		if also != nil {
			return also(ctx, tx)
		}
		return nil
	})
	return written, err
}

// finishChunk bounds the outcomes one statement writes.
const finishChunk = 100

// finishChunkIn writes outcomes in one statement (a round trip, a
// statement to prepare), counting the freed quota per user.
func finishChunkIn(ctx context.Context, q querier, worker string, now int64, fs []Finished, freed map[int64]int) (int, error) {
	var b strings.Builder
	b.WriteString("UPDATE revtrs SET state = 2, stop = v.column2, fail_reason = v.column3, record = v.column4, stats = v.column5, forward = v.column6, finished = ?, worker = ? FROM (VALUES ")
	args := make([]any, 0, 2+6*len(fs))
	args = append(args, now, worker)
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT))")
		args = append(args, f.ID, f.Stop, f.FailReason, nullString(f.Record), nullString(f.Stats), nullString(f.Forward))
	}
	b.WriteString(") AS v WHERE revtrs.id = v.column1 AND revtrs.state < 2 RETURNING revtrs.user_id")
	rows, err := q.query(ctx, b.String(), args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var user int64
		if err := rows.Scan(&user); err != nil {
			return n, err
		}
		freed[user]++
		n++
	}
	return n, rows.Err()
}

// free gives back parallel quota.
func free(ctx context.Context, q querier, freed map[int64]int) error {
	for user, n := range freed {
		if _, err := q.exec(ctx, "UPDATE users SET in_flight = in_flight - ? WHERE id = ?", n, user); err != nil {
			return fmt.Errorf("store: free quota of key %d: %w", user, err)
		}
	}
	return nil
}

func nullString(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

package controller

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/revtr/revtr/store"
)

// revtrArgs is a job: a slice of a batch's reverse traceroutes.
type revtrArgs struct {
	IDs []int64 `json:"ids"`
}

// Kind names the job kind in River's tables.
func (revtrArgs) Kind() string { return "revtr" }

// queueName is the River queue of reverse traceroute jobs.
const queueName = "revtr"

// queue is the job queue over either database.
type queue interface {
	// enqueue queues jobs for accepted reverse traceroutes in their
	// batch's transaction.
	enqueue(ctx context.Context, tx *store.Tx, ids []int64) error
	start(ctx context.Context) error
	// stop waits for running jobs to finish (or ctx to end).
	stop(ctx context.Context) error
	// sweep fails the reverse traceroutes of jobs River discarded (their
	// attempts ran out, however their workers died) and deletes the jobs.
	sweep(ctx context.Context) (int, error)
}

// newQueue makes the River client of the store's database; with work,
// this controller works jobs too (otherwise it only queues them).
func newQueue(c *Controller, work bool) (queue, error) {
	if db := c.store.SQLDB(); db != nil {
		return newRiverQueue(c, riversqlite.New(db), func(tx *store.Tx) *sql.Tx { return tx.Raw().(*sql.Tx) }, work)
	}
	return newRiverQueue(c, riverpgxv5.New(c.store.Pool()), func(tx *store.Tx) pgx.Tx { return tx.Raw().(pgx.Tx) }, work)
}

// riverQueue is the queue on River with driver D, whose transactions are
// TTx.
type riverQueue[D riverdriver.Driver[TTx], TTx any] struct {
	c      *Controller
	client *river.Client[TTx]
	txOf   func(*store.Tx) TTx
}

func newRiverQueue[D riverdriver.Driver[TTx], TTx any](c *Controller, d D, txOf func(*store.Tx) TTx, work bool) (*riverQueue[D, TTx], error) {
	q := &riverQueue[D, TTx]{c: c, txOf: txOf}
	s := c.cfg.Scheduler
	rc := &river.Config{
		Logger:               c.log.With("component", "queue"),
		MaxAttempts:          s.MaxAttempts,
		JobTimeout:           s.JobTimeout,
		RescueStuckJobsAfter: s.RescueAfter,
		RetryPolicy:          linearRetry(s.RetryBackoff),
		FetchPollInterval:    s.PollInterval,
		FetchCooldown:        min(s.PollInterval, 20*time.Millisecond),
		ErrorHandler:         errorLogger{c.log},
		// Kept forever at 0 (River's -1).
		CompletedJobRetentionPeriod: riverRetention(c.cfg.Retention.CompletedJobs),
		CancelledJobRetentionPeriod: riverRetention(c.cfg.Retention.CancelledJobs),
		DiscardedJobRetentionPeriod: riverRetention(c.cfg.Retention.DiscardedJobs),
	}
	if work {
		workers := river.NewWorkers()
		if err := river.AddWorkerSafely(workers, &revtrWorker[D, TTx]{q: q}); err != nil {
			return nil, fmt.Errorf("controller: queue: %w", err)
		}
		rc.Workers = workers
		// Enough workers to keep max_in_flight measuring: the jobs that
		// fill it, and two more, one waiting for room while the other
		// is fetched (River polls SQLite), so that the slots a job
		// leaves while its slowest reverse traceroutes finish are taken
		// at once (with exactly enough, max_in_flight 4 and slice 10
		// kept 1.5 measuring on average); within River's bound (slice 1
		// would otherwise ask for 12,000).
		rc.Queues = map[string]river.QueueConfig{queueName: {MaxWorkers: min(river.QueueNumWorkersMax, (s.MaxInFlight+s.Slice-1)/s.Slice+2)}}
	}
	client, err := river.NewClient[TTx](d, rc)
	if err != nil {
		return nil, fmt.Errorf("controller: queue: %w", err)
	}
	q.client = client
	return q, nil
}

// riverRetention is River's spelling of a retention: -1 keeps forever.
func riverRetention(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

func (q *riverQueue[D, TTx]) enqueue(ctx context.Context, tx *store.Tx, ids []int64) error {
	slice := q.c.cfg.Scheduler.Slice
	params := make([]river.InsertManyParams, 0, (len(ids)+slice-1)/slice)
	for len(ids) > 0 {
		n := min(len(ids), slice)
		params = append(params, river.InsertManyParams{Args: revtrArgs{IDs: ids[:n]}, InsertOpts: &river.InsertOpts{Queue: queueName}})
		ids = ids[n:]
	}
	if _, err := q.client.InsertManyFastTx(ctx, q.txOf(tx), params); err != nil {
		return fmt.Errorf("controller: queue jobs: %w", err)
	}
	return nil
}

func (q *riverQueue[D, TTx]) start(ctx context.Context) error { return q.client.Start(ctx) }

func (q *riverQueue[D, TTx]) stop(ctx context.Context) error {
	err := q.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		// Jobs still running are canceled; they are retried (by this
		// controller when it restarts, or by another).
		return q.client.StopAndCancel(context.WithoutCancel(ctx))
	}
	return err
}

// sweepBatch bounds the discarded jobs one sweep handles.
const sweepBatch = 100

func (q *riverQueue[D, TTx]) sweep(ctx context.Context) (int, error) {
	res, err := q.client.JobList(ctx, river.NewJobListParams().Kinds(revtrArgs{}.Kind()).
		States(rivertype.JobStateDiscarded).First(sweepBatch))
	if err != nil {
		return 0, fmt.Errorf("controller: sweep: %w", err)
	}
	failed := 0
	for _, job := range res.Jobs {
		var args revtrArgs
		if err := json.Unmarshal(job.EncodedArgs, &args); err != nil {
			return failed, fmt.Errorf("controller: sweep job %d: %w", job.ID, err)
		}
		n, err := q.c.store.Fail(ctx, q.c.cfg.Name, args.IDs, abandonReason(job), func(ctx context.Context, tx *store.Tx) error {
			_, err := q.client.JobDeleteTx(ctx, q.txOf(tx), job.ID)
			return err
		})
		if err != nil {
			return failed, fmt.Errorf("controller: sweep job %d: %w", job.ID, err)
		}
		failed += n
	}
	return failed, nil
}

// abandonReason is the fail reason of reverse traceroutes whose job ran
// out of attempts.
func abandonReason(job *rivertype.JobRow) string {
	why := "no reason recorded"
	if n := len(job.Errors); n > 0 {
		why = job.Errors[n-1].Error
	}
	return abandoned(job.Attempt, why)
}

// abandoned is the fail reason of a reverse traceroute whose job gave up
// after its attempts, the last failing for why.
func abandoned(attempts int, why string) string {
	return fmt.Sprintf("Measurement abandoned (attempts: %d): %s.", attempts, strings.TrimSuffix(why, "."))
}

// revtrWorker works reverse traceroute jobs.
type revtrWorker[D riverdriver.Driver[TTx], TTx any] struct {
	river.WorkerDefaults[revtrArgs]
	q *riverQueue[D, TTx]
}

// Work measures the job's reverse traceroutes, and completes the job in
// the transaction that writes their results.
func (w *revtrWorker[D, TTx]) Work(ctx context.Context, job *river.Job[revtrArgs]) error {
	return w.q.c.work(ctx, job.Args.IDs, job.Attempt, job.MaxAttempts, func(ctx context.Context, tx *store.Tx) error {
		_, err := river.JobCompleteTx[D](ctx, w.q.txOf(tx), job)
		return err
	})
}

// linearRetry waits backoff times the attempt number before a retry.
type linearRetry time.Duration

// NextRetry is when job runs again.
func (b linearRetry) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(time.Duration(job.Attempt) * time.Duration(b))
}

// errorLogger logs the errors and panics of jobs.
type errorLogger struct{ log *slog.Logger }

func (e errorLogger) HandleError(_ context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	e.log.Warn("job failed; it is retried", "job", job.ID, "attempt", job.Attempt, "err", err)
	return nil
}

func (e errorLogger) HandlePanic(_ context.Context, job *rivertype.JobRow, v any, trace string) *river.ErrorHandlerResult {
	e.log.Error("job panicked; it is retried", "job", job.ID, "attempt", job.Attempt, "panic", v, "trace", trace)
	return nil
}

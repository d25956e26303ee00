package archive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/revtr/revtr/store"
)

// DefaultInterval is how often an Exporter exports, as the reference
// service does.
const DefaultInterval = 10 * time.Minute

// DefaultMaxRecords bounds the records of one file.
const DefaultMaxRecords = 1_000_000

// Exporter exports the done reverse traceroutes of a store into files of
// a directory. Each file is written whole or not at all (a temporary
// file, synced, renamed, the directory synced) and named after its
// export's number (FileName), which the store allots when the export is
// claimed; an export claimed but not written when the process died is
// written again, with the same name and content, when the exporter next
// starts. So every done reverse traceroute is in exactly one file, across
// crashes and restarts, and across several exporters sharing a database
// (each with its own Name).
//
// A stop never interrupts an export: a claim whose transaction is
// canceled while it commits may commit unseen by the exporter, whose last
// pass would then miss it (its records would wait, claimed, for the
// exporter's next start). So the store's work runs to its end, and a
// canceled context only keeps Once from starting the next export.
type Exporter struct {
	Store Store
	Dir   string
	// Name tells this exporter's claims from others' on a shared
	// database; it must stay the same across restarts.
	Name       string
	Interval   time.Duration // 0 means DefaultInterval
	MaxRecords int           // 0 means DefaultMaxRecords
	Log        *slog.Logger  // nil: slog.Default()
	// Exported, if set, is told of every file written.
	Exported func(file string, records int)
}

// Store is what an Exporter needs of the store (*store.Store).
type Store interface {
	Unwritten(ctx context.Context, exporter string) ([]store.Export, error)
	ClaimExport(ctx context.Context, exporter string, max int) (store.Export, error)
	ExportPage(ctx context.Context, seq, after int64, limit int) ([]store.Revtr, error)
	MarkWritten(ctx context.Context, seq int64) error
}

// FileName is the name of export seq's file.
func FileName(seq int64) string { return fmt.Sprintf("revtr-%012d.jsonl", seq) }

// Run exports until ctx ends, then once more (so that a graceful stop
// leaves nothing done unexported), and returns nil, or the error that
// stopped it.
func (e *Exporter) Run(ctx context.Context) error {
	if err := os.MkdirAll(e.Dir, 0o755); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	interval := e.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := e.Once(ctx); err != nil && ctx.Err() == nil {
			e.log().Error("archive export failed; retrying at the next interval", "err", err)
		}
		select {
		case <-ctx.Done():
			return e.Once(context.WithoutCancel(ctx))
		case <-t.C:
		}
	}
}

func (e *Exporter) log() *slog.Logger {
	if e.Log == nil {
		return slog.Default()
	}
	return e.Log
}

// Once writes this exporter's unwritten exports, then claims and writes
// new ones until nothing done is left unexported. When ctx ends, Once
// finishes the export under way (its transactions and its file are not
// interrupted) and starts no other.
func (e *Exporter) Once(ctx context.Context) error {
	stop := ctx
	ctx = context.WithoutCancel(ctx)
	un, err := e.Store.Unwritten(ctx, e.Name)
	if err != nil {
		return err
	}
	for _, x := range un {
		if err := stop.Err(); err != nil {
			return err
		}
		if err := e.write(ctx, x); err != nil {
			return err
		}
	}
	max := e.MaxRecords
	if max <= 0 {
		max = DefaultMaxRecords
	}
	for {
		if err := stop.Err(); err != nil {
			return err
		}
		x, err := e.Store.ClaimExport(ctx, e.Name, max)
		if err != nil || x.Records == 0 {
			return err
		}
		if err := e.write(ctx, x); err != nil {
			return err
		}
	}
}

// write writes export x's file atomically and marks it written.
func (e *Exporter) write(ctx context.Context, x store.Export) error {
	name := filepath.Join(e.Dir, FileName(x.Seq))
	tmp := filepath.Join(e.Dir, "."+FileName(x.Seq)+".tmp")
	n, err := writeFile(ctx, tmp, func(ctx context.Context, after int64, limit int) ([]store.Revtr, error) {
		return e.Store.ExportPage(ctx, x.Seq, after, limit)
	})
	if err != nil {
		return errors.Join(err, removeIfThere(tmp))
	}
	if n != x.Records {
		return errors.Join(fmt.Errorf("archive: export %d: wrote %d records, claimed %d", x.Seq, n, x.Records), os.Remove(tmp))
	}
	if err := os.Rename(tmp, name); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if err := syncDir(e.Dir); err != nil {
		return err
	}
	if err := e.Store.MarkWritten(ctx, x.Seq); err != nil {
		return err
	}
	e.log().Info("archive export written", "file", name, "records", n)
	if e.Exported != nil {
		e.Exported(name, n)
	}
	return nil
}

// writeFile writes the pages' records into a new file at path, synced.
func writeFile(ctx context.Context, path string, page Page) (int, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, fmt.Errorf("archive: %w", err)
	}
	n, err := Write(ctx, f, page)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("archive: write %s: %w", path, err)
	}
	return n, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("archive: sync %s: %w", dir, err)
	}
	return nil
}

func removeIfThere(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

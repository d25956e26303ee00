// Package archive writes finished reverse traceroutes as JSON Lines in the
// archive record format of the reference service (revtr.Record: one
// record per line), to a client as it pages through the store, and into
// a directory of files exported every few minutes, each reverse
// traceroute in exactly one file whatever crashes happen (Exporter).
package archive

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/store"
)

// Record returns the archive line (without its newline) of a done reverse
// traceroute: the engine's record, or, for one that never got a result
// (canceled before it ran, or abandoned by its workers), a record of its
// stop and fail reason with no hops, dated when it was last started (or
// accepted).
func Record(v store.Revtr) ([]byte, error) {
	if v.Record != nil {
		return v.Record, nil
	}
	date := v.Started
	if date.IsZero() {
		date = v.Created
	}
	rec := revtr.Record{ID: uint64(v.ID), StopReason: v.Stop, FailReason: v.FailReason, Src: v.Src, Dst: v.Dst,
		Date: date.Unix(), Label: v.Label, Hops: []revtr.RecordHop{}}
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("archive: record %d: %w", v.ID, err)
	}
	return b, nil
}

// Page fetches the reverse traceroutes after an ID, at most limit of them
// in ID order (store.Store.Revtrs and ExportPage are pages).
type Page func(ctx context.Context, after int64, limit int) ([]store.Revtr, error)

// pageSize is how many reverse traceroutes a writer holds at once.
const pageSize = 500

// Write writes the done reverse traceroutes of every page, one record per
// line, skipping those not done, in constant memory; it returns how many
// it wrote.
func Write(ctx context.Context, w io.Writer, page Page) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	var after int64
	for {
		vs, err := page(ctx, after, pageSize)
		if err != nil {
			return n, err
		}
		for _, v := range vs {
			after = v.ID
			if v.State != store.Done {
				continue
			}
			rec, err := Record(v)
			if err != nil {
				return n, err
			}
			bw.Write(rec) //nolint:errcheck // bufio keeps the error for the next call
			if err := bw.WriteByte('\n'); err != nil {
				return n, fmt.Errorf("archive: write: %w", err)
			}
			n++
		}
		if len(vs) < pageSize {
			return n, bw.Flush()
		}
	}
}

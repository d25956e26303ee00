package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// querier runs statements on a pool or in a transaction, whichever the
// database: queries are written once, with ? placeholders, and rebound
// for PostgreSQL.
type querier interface {
	exec(ctx context.Context, q string, args ...any) (int64, error)
	query(ctx context.Context, q string, args ...any) (rows, error)
	queryRow(ctx context.Context, q string, args ...any) row
}

type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

type row interface{ Scan(dest ...any) error }

// errNoRows is what a row's Scan returns when the query found none, on
// either database.
var errNoRows = errors.New("no rows")

// sqlConn is what *sql.DB and *sql.Tx have in common.
type sqlConn interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// sqlQ runs statements through database/sql (SQLite), prepared once
// through stmts; tx, if set, is the transaction c is.
type sqlQ struct {
	c     sqlConn
	stmts *stmtCache
	tx    *sql.Tx
}

// stmt returns q's cached statement, bound to the transaction if in one;
// nil when it is not cached.
func (s sqlQ) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	st, err := s.stmts.get(ctx, q, s.tx != nil)
	if err != nil || st == nil || s.tx == nil {
		return st, err
	}
	return s.tx.StmtContext(ctx, st), nil // closed with the transaction
}

func (s sqlQ) exec(ctx context.Context, q string, args ...any) (int64, error) {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return 0, err
	}
	var r sql.Result
	if st != nil {
		r, err = st.ExecContext(ctx, args...)
	} else {
		r, err = s.c.ExecContext(ctx, q, args...)
	}
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

func (s sqlQ) query(ctx context.Context, q string, args ...any) (rows, error) {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	var r *sql.Rows
	if st != nil {
		r, err = st.QueryContext(ctx, args...)
	} else {
		r, err = s.c.QueryContext(ctx, q, args...)
	}
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

func (s sqlQ) queryRow(ctx context.Context, q string, args ...any) row {
	st, err := s.stmt(ctx, q)
	switch {
	case err != nil:
		return errRow{err}
	case st != nil:
		return sqlRow{st.QueryRowContext(ctx, args...)}
	}
	return sqlRow{s.c.QueryRowContext(ctx, q, args...)}
}

// errRow is a row whose query failed before it ran.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() } // its error is also Err's

type sqlRow struct{ r *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	if err := r.r.Scan(dest...); errors.Is(err, sql.ErrNoRows) {
		return errNoRows
	} else {
		return err
	}
}

// pgxConn is what *pgxpool.Pool and pgx.Tx have in common.
type pgxConn interface {
	Exec(ctx context.Context, q string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, q string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) pgx.Row
}

// pgxQ runs statements through pgx (PostgreSQL), rebinding placeholders.
type pgxQ struct{ c pgxConn }

func (p pgxQ) exec(ctx context.Context, q string, args ...any) (int64, error) {
	t, err := p.c.Exec(ctx, rebind(q), args...)
	return t.RowsAffected(), err
}

func (p pgxQ) query(ctx context.Context, q string, args ...any) (rows, error) {
	r, err := p.c.Query(ctx, rebind(q), args...)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (p pgxQ) queryRow(ctx context.Context, q string, args ...any) row {
	return pgxRow{p.c.QueryRow(ctx, rebind(q), args...)}
}

type pgxRow struct{ r pgx.Row }

func (r pgxRow) Scan(dest ...any) error {
	if err := r.r.Scan(dest...); errors.Is(err, pgx.ErrNoRows) {
		return errNoRows
	} else {
		return err
	}
}

// rebind turns ? placeholders into PostgreSQL's $1, $2, ... No query of
// this package has a ? inside a literal.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for _, c := range q {
		if c != '?' {
			b.WriteRune(c)
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// placeholders returns "?, ?, ..." for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

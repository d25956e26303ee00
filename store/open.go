package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

//go:embed migrations
var migrations embed.FS

// ErrDSN is returned for a data source name that names no database.
var ErrDSN = errors.New("bad database name")

// Kind is which database a store runs on.
type Kind string

// Database kinds.
const (
	SQLite   Kind = "sqlite"
	Postgres Kind = "postgres"
)

// Store is an open database. It is safe for concurrent use.
type Store struct {
	kind Kind
	// SQLite: one writing connection (SQLite has one writer; River's
	// driver wants a pool of one) and a pool of readers (WAL lets them
	// read while it writes).
	db, read *sql.DB
	stmts    [2]*stmtCache // SQLite's prepared statements: db's, read's
	pool     *pgxpool.Pool // PostgreSQL
	w, r     querier       // where writes and reads go
	now      func() time.Time
}

// Open opens (creating if need be) and migrates the database dsn names: a
// file path or sqlite:PATH for SQLite, postgres://... or postgresql://...
// for PostgreSQL.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s, err := open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

func open(ctx context.Context, dsn string) (*Store, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	case strings.Contains(dsn, "://"):
		return nil, fmt.Errorf("store: open %q: want a file path, sqlite:PATH or postgres://...: %w", redact(dsn), ErrDSN)
	default:
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("store: open: empty SQLite path: %w", ErrDSN)
		}
		return openSQLite(ctx, path)
	}
}

// sqlitePragmas make every connection wait for the writer instead of
// failing, and commit durably: an accepted request survives a crash of
// the process or the machine.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)"

func openSQLite(ctx context.Context, path string) (*Store, error) {
	u := "file:" + (&url.URL{Path: path}).EscapedPath()
	db, err := sql.Open("sqlite", u+"?"+sqlitePragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("store: open %s: %w", path, err), db.Close())
	}
	read, err := sql.Open("sqlite", u+"?"+sqlitePragmas+"&mode=ro")
	if err != nil {
		return nil, errors.Join(fmt.Errorf("store: open %s: %w", path, err), db.Close())
	}
	read.SetMaxOpenConns(4)
	ws, rs := newStmtCache(db), newStmtCache(read)
	return &Store{kind: SQLite, db: db, read: read, stmts: [2]*stmtCache{ws, rs},
		w: sqlQ{c: db, stmts: ws}, r: sqlQ{c: read, stmts: rs}, now: time.Now}, nil
}

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w: %w", redact(dsn), ErrDSN, err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", redact(dsn), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: open %s: %w", redact(dsn), err)
	}
	return &Store{kind: Postgres, pool: pool, w: pgxQ{pool}, r: pgxQ{pool}, now: time.Now}, nil
}

// redact drops a password from a data source name, for messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Kind says which database the store runs on.
func (s *Store) Kind() Kind { return s.kind }

// SQLDB is the SQLite store's writing connection, for River's SQLite
// driver; nil on PostgreSQL.
func (s *Store) SQLDB() *sql.DB { return s.db }

// Pool is the PostgreSQL store's pool, for River's pgx driver; nil on
// SQLite.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the database.
func (s *Store) Close() error {
	if s.pool != nil {
		s.pool.Close()
		return nil
	}
	s.stmts[0].close()
	s.stmts[1].close()
	return errors.Join(s.read.Close(), s.db.Close())
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.w.queryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// migrateLock is the PostgreSQL advisory lock that serialises the
// migrations of controllers starting together.
const migrateLock = 0x72657674 // "revt"

// migrate applies this package's migrations and River's.
func (s *Store) migrate(ctx context.Context) error {
	if s.kind == SQLite {
		return s.migrateWith(ctx, s.db, goose.DialectSQLite3, "migrations/sqlite", func(ctx context.Context) error {
			m, err := rivermigrate.New(riversqlite.New(s.db), nil)
			return migrateRiver(ctx, m, err)
		})
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLock); err != nil {
		return fmt.Errorf("store: migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLock) //nolint:errcheck // the session ends with the connection anyway
	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close()
	return s.migrateWith(ctx, db, goose.DialectPostgres, "migrations/postgres", func(ctx context.Context) error {
		m, err := rivermigrate.New(riverpgxv5.New(s.pool), nil)
		return migrateRiver(ctx, m, err)
	})
}

func (s *Store) migrateWith(ctx context.Context, db *sql.DB, d goose.Dialect, dir string, river func(context.Context) error) error {
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	p, err := goose.NewProvider(d, db, sub)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return river(ctx)
}

func migrateRiver[TTx any](ctx context.Context, m *rivermigrate.Migrator[TTx], err error) error {
	if err != nil {
		return fmt.Errorf("store: migrate queue: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("store: migrate queue: %w", err)
	}
	return nil
}

// Tx is a transaction of the store. Raw is the driver's own transaction
// (*sql.Tx on SQLite, pgx.Tx on PostgreSQL), so that jobs can be queued
// in it.
type Tx struct {
	q   querier
	raw any
}

// Raw returns *sql.Tx on SQLite, pgx.Tx on PostgreSQL.
func (t *Tx) Raw() any { return t.raw }

// inTx runs fn in a write transaction, committed if fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(*Tx) error) error {
	if s.kind == Postgres {
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(&Tx{q: pgxQ{tx}, raw: tx}) })
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer s.stmts[0].prepareWanted(ctx) // once the connection is free
	if err := fn(&Tx{q: sqlQ{c: tx, stmts: s.stmts[0], tx: tx}, raw: tx}); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

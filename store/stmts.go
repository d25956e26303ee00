package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps SQLite statements prepared: the SQLite driver prepares
// a statement at each use. A statement is prepared outside transactions
// only: the writer has one connection, which a transaction holds, so a
// statement first met in a transaction runs unprepared and is prepared
// once the transaction ends (prepareWanted). Some texts vary with their
// arguments' count (a batch's rows): caching stops once maxStmtText bytes
// of text are cached, the first met (the hot ones) staying. (pgx caches
// PostgreSQL's statements itself.)
type stmtCache struct {
	db     *sql.DB
	mu     sync.Mutex
	m      map[string]*sql.Stmt // nil: wanted, not prepared yet
	text   int                  // bytes of m's texts
	wanted int                  // m's nil entries
}

// maxStmtText bounds the text of a cache's statements (their programs'
// memory grows with it).
const maxStmtText = 256 << 10

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: make(map[string]*sql.Stmt)} }

// get returns q prepared, preparing it now unless inTx; nil when it is
// not prepared (yet).
func (c *stmtCache) get(ctx context.Context, q string, inTx bool) (*sql.Stmt, error) {
	c.mu.Lock()
	st, ok := c.m[q]
	if !ok && c.text+len(q) <= maxStmtText {
		c.m[q], c.text, ok = nil, c.text+len(q), true
		c.wanted++
	}
	c.mu.Unlock()
	if st != nil || !ok || inTx {
		return st, nil
	}
	return c.prepare(ctx, q)
}

// prepare prepares q and caches it. The lock is not held meanwhile: the
// connection may be busy in a transaction that wants the cache.
func (c *stmtCache) prepare(ctx context.Context, q string) (*sql.Stmt, error) {
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if had := c.m[q]; had != nil { // prepared meanwhile by another
		_ = st.Close()
		return had, nil
	}
	c.wanted--
	c.m[q] = st
	return st, nil
}

// prepareWanted prepares the statements met in transactions; it must be
// called outside any.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	if c.wanted == 0 {
		c.mu.Unlock()
		return
	}
	var qs []string
	for q, st := range c.m {
		if st == nil {
			qs = append(qs, q)
		}
	}
	c.mu.Unlock()
	for _, q := range qs {
		if _, err := c.prepare(ctx, q); err != nil {
			return // still wanted: tried again after the next transaction
		}
	}
}

// close closes the statements.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		if st != nil {
			_ = st.Close() // the database closes next anyway
		}
		delete(c.m, q)
	}
}

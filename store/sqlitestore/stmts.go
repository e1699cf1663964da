package sqlitestore

import (
	"context"
	"database/sql"
	"sync"
)

// The driver compiles a statement each time it runs one that is not
// prepared, and for most of ours compiling costs more than running: a GET
// is one indexed SELECT, a create five short statements. So each database
// keeps its statements prepared, by their SQL text.
//
// Preparing needs a connection of the pool, which a transaction holds
// (the writer has one connection only), so a statement is never prepared
// inside one: a transaction runs what is not yet prepared as it is and
// notes it, and the store prepares it once the transaction has let its
// connection go. database/sql then prepares it again on each connection
// it first runs on, and keeps it there.

// maxStmts bounds each cache. Queries are built from the registry's fields
// and a few operators, so the set is finite but large; past the bound the
// rare ones simply run unprepared.
const maxStmts = 512

type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: map[string]*sql.Stmt{}} }

func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[q]
}

// prepare prepares the queries not yet cached. Call it holding no
// connection of c.db. A failure only means they stay unprepared.
func (c *stmtCache) prepare(ctx context.Context, queries []string) {
	for _, q := range queries {
		c.mu.Lock()
		_, done := c.m[q]
		full := len(c.m) >= maxStmts
		c.mu.Unlock()
		if done || full {
			continue
		}
		s, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, done := c.m[q]; done || len(c.m) >= maxStmts {
			s.Close()
		} else {
			c.m[q] = s
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.m {
		s.Close()
		delete(c.m, q)
	}
}

// stmt returns q prepared for this transaction, or nil (noting q to
// prepare once the transaction is over).
func (t *rowTx) stmt(ctx context.Context, q string) *sql.Stmt {
	if s := t.cache.lookup(q); s != nil {
		if t.tx == nil {
			return s // autocommit: the statement as prepared on the pool
		}
		return t.tx.StmtContext(ctx, s)
	}
	t.missed = append(t.missed, q)
	return nil
}

func (t *rowTx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s := t.stmt(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	if t.tx == nil {
		return t.auto.QueryContext(ctx, q, args...)
	}
	return t.tx.QueryContext(ctx, q, args...)
}

func (t *rowTx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if s := t.stmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	if t.tx == nil {
		return t.auto.QueryRowContext(ctx, q, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

func (t *rowTx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s := t.stmt(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

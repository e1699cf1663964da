// Package pgstore is a store.Store in a PostgreSQL database (pgx/v5): what
// several orca replicas share to run as one. It passes the conformance suite
// (store/storetest) like memstore and sqlitestore, on the same engine
// (store/engine), which does the validation, revisions and references; this
// package keeps rows and answers queries. It is its own Go module, so the
// core module does not depend on a PostgreSQL driver: embedders and
// cmd/demo import it to use it.
//
// How it stays correct with many writers, in one process or many:
//
//   - Write transactions run one at a time across every process using the
//     database: each takes a transaction-level advisory lock first (keyed by
//     the schema, so separate schemas do not wait for each other) and reads
//     at READ COMMITTED, so each statement sees every transaction committed
//     before the lock was granted. That is the contract's "transactions are
//     serialized", and it never makes a transaction fail to be retried:
//     Txn's function runs exactly once, as on the other backends.
//   - Read transactions are REPEATABLE READ READ ONLY snapshots on a pool of
//     their own, so they never wait for writers nor writers for them, and a
//     List's page and count agree.
//   - Revisions come from a counter row, read when the write lock is
//     granted and stored at commit: they increase in commit order, across
//     processes, without gaps (a rolled-back transaction stores nothing).
//   - Spec and status are kept as the exact text the engine encoded (the
//     engine compares specs byte for byte); a generated JSONB copy of the
//     spec answers field filters and sorts, with SQLite's ordering: null
//     first, numbers numerically, text bytewise (COLLATE "C"), false before
//     true.
//   - A transaction's BEGIN, lock and counter read travel with its first
//     statement, and its writes with its next read or its COMMIT
//     (begin.go): a Get or a status write is two round trips.
//   - Errors are classified as store.go documents: a lost or refused
//     connection, a server shutting down, a full disk are Unavailable; a
//     constraint violation is Conflict. A connection lost during COMMIT
//     leaves the outcome unknown; the error says so.
//
// Limits: writes to one schema run one at a time however many replicas
// there are (reads scale); a spec string holding U+0000, which JSONB cannot
// store, is refused (Invalid) where SQLite would keep it.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/engine"
)

// Options configure the store; nil means defaults.
type Options struct {
	// Registry knows the kinds; nil means resource.NewBuiltinRegistry().
	Registry *resource.Registry
	// Now is the clock for timestamps; nil means time.Now.
	Now func() time.Time
	// ReadConns is the size of the read pool; default 4.
	ReadConns int
	// WriteConns is the size of the write pool; default 1. Writers take
	// turns anyway (see the package doc): one connection queues them in
	// this process, where contexts are honoured cheaply.
	WriteConns int
	// ConnectTimeout bounds each connection attempt when the DSN sets
	// none; default 10s.
	ConnectTimeout time.Duration
}

// Open connects to the database dsn names (a postgres:// URL or key=value
// string, as libpq takes; a search_path parameter picks the schema) and
// brings the schema up to date. The tables are created in the current
// schema, which must exist.
func Open(ctx context.Context, dsn string, opts *Options) (store.Store, error) {
	b, eo, err := openBackend(ctx, dsn, opts)
	if err != nil {
		return nil, err
	}
	return engine.New(b, eo), nil
}

func openBackend(ctx context.Context, dsn string, opts *Options) (*backend, *engine.Options, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.ReadConns <= 0 {
		o.ReadConns = 4
	}
	if o.WriteConns <= 0 {
		o.WriteConns = 1
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	reg := o.Registry
	if reg == nil {
		reg = resource.NewBuiltinRegistry()
	}

	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the DSN, password included: keep
		// only that it did not parse.
		return nil, nil, resource.Errorf(resource.Invalid, "pgstore: the DSN cannot be parsed (a postgres:// URL or key=value pairs)")
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = o.ConnectTimeout
	}
	// A cancelled context cancels the statement on the server (a writer
	// waiting for the lock stops waiting) and keeps the connection.
	cfg.ConnConfig.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 5 * time.Second}
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "orca"
	}
	wcfg, rcfg := cfg.Copy(), cfg.Copy()
	wcfg.MaxConns, rcfg.MaxConns = int32(o.WriteConns), int32(o.ReadConns)

	write, err := pgxpool.NewWithConfig(ctx, wcfg)
	if err != nil {
		return nil, nil, openError(ctx, err)
	}
	read, err := pgxpool.NewWithConfig(ctx, rcfg)
	if err != nil {
		write.Close()
		return nil, nil, openError(ctx, err)
	}
	b := &backend{write: write, read: read, beginRead: []string{"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"}}
	schema, err := migrate(ctx, write, reg, now)
	if err != nil {
		b.Close()
		return nil, nil, openError(ctx, err)
	}
	b.beginWrite = []string{"BEGIN", "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(writeLockKey(schema), 10) + ")"}
	return b, &engine.Options{Registry: reg, Now: o.Now}, nil
}

// writeLockKey is the advisory lock key serializing the writers of one
// schema's tables. Advisory locks are per database already.
func writeLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("orca/pgstore/write\x00" + schema))
	return int64(h.Sum64())
}

type backend struct {
	write, read *pgxpool.Pool
	closed      atomic.Bool
	// beginRead and beginWrite start a transaction; a writer's takes the
	// write lock. They are sent with its first statement (begin.go).
	beginRead, beginWrite []string
}

func (b *backend) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	b.read.Close()
	b.write.Close()
	return nil
}

func (b *backend) Txn(ctx context.Context, write bool, fn func(engine.RowTx) error) (err error) {
	if b.closed.Load() {
		return store.ErrClosed
	}
	pool, begin := b.read, b.beginRead
	if write {
		pool, begin = b.write, b.beginWrite
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		if b.closed.Load() {
			return store.ErrClosed
		}
		return classify(ctx, err)
	}
	defer conn.Release()
	rtx := &rowTx{conn: conn.Conn(), write: write}
	for _, sql := range begin {
		rtx.waiting = append(rtx.waiting, stmt{sql: sql})
	}
	if write {
		rtx.waiting = append(rtx.waiting, stmt{sql: `SELECT value FROM counters WHERE name = 'revision'`,
			scan: func(r pgx.Row) error {
				err := r.Scan(&rtx.counter)
				rtx.revision = rtx.counter
				return err
			}})
	}
	nBegin := len(rtx.waiting)
	committed := false
	defer func() {
		// Also runs when fn panics; the panic continues after.
		if !committed && rtx.begun {
			b.rollback(conn)
		}
	}()
	if err := fn(rtx); err != nil {
		return err
	}
	committed = true
	if !rtx.begun && len(rtx.waiting) == nBegin {
		return nil // no statement ran: nothing to commit
	}
	tag, err := rtx.commit(ctx)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			// The server refused a statement sent with the COMMIT: the
			// transaction is aborted, nothing was stored.
			b.rollback(conn)
			return classify(ctx, err)
		}
		conn.Conn().Close(context.WithoutCancel(ctx)) // in an unknown state
		if write {
			// The COMMIT may have reached the server before the
			// connection failed: say so.
			return classify(ctx, fmt.Errorf("commit (the write may or may not have been stored): %w", err))
		}
		return classify(ctx, err)
	}
	if tag != "COMMIT" {
		return resource.Errorf(resource.Unknown, "pgstore: the transaction was rolled back at commit (%s)", tag)
	}
	return nil
}

// rollback ends the transaction on conn whatever the caller's context: a
// connection that cannot roll back is closed, so the pool never hands out
// one inside a transaction.
func (b *backend) rollback(conn *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
		conn.Conn().Close(ctx)
	}
}

// openError is the error of an Open that failed: classified, with pgx's
// words, for the operator (pgx leaves passwords out of them).
func openError(ctx context.Context, err error) error {
	c := classify(ctx, err)
	if errors.Is(c, context.Canceled) || errors.Is(c, context.DeadlineExceeded) {
		return fmt.Errorf("pgstore: open: %w", c)
	}
	return resource.Errorf(resource.CodeOf(c), "pgstore: open: %w", err)
}

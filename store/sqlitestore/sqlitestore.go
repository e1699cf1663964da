// Package sqlitestore is a store.Store in one SQLite file (modernc.org/sqlite,
// no cgo): what the demo server and single-node deployments use. It passes the
// conformance suite (store/storetest) and survives the process being killed at
// any point: the file reopens with every committed write.
//
// How it stays correct under load:
//
//   - WAL journal, so readers never block the writer nor it them.
//   - All writes go through one connection (a pool of one): writers queue in
//     Go, honouring their contexts, and never meet SQLite's "database is
//     locked". busy_timeout covers other processes sharing the file.
//   - Write transactions BEGIN IMMEDIATE, so a read-then-write transaction
//     never has to upgrade its lock and fail.
//   - Pragmas are per connection, so they are in the DSN of every pooled
//     connection, never run once on whichever connection happens to be free.
//   - Reads run in their own transaction on a separate query_only pool, so a
//     List's count and its page come from one snapshot.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

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
	// FullSync makes every commit wait for the WAL to reach the disk, so
	// committed writes also survive power loss and OS crashes. Without it
	// (synchronous=NORMAL) they survive any crash of the process, and an OS
	// crash can lose the last commits but never corrupts the file.
	FullSync bool
	// BusyTimeout bounds how long a connection waits for a lock held by
	// another process; default 5s.
	BusyTimeout time.Duration
	// ReadConns is the size of the read pool; default 4.
	ReadConns int
}

// Open opens (creating if needed) the database at path and brings its schema
// up to date. The file is created readable by its owner only.
func Open(path string, opts *Options) (store.Store, error) {
	b, eo, err := openBackend(path, opts)
	if err != nil {
		return nil, err
	}
	return engine.New(b, eo), nil
}

func openBackend(path string, opts *Options) (*backend, *engine.Options, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.ReadConns <= 0 {
		o.ReadConns = 4
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, err
	}
	// Create the file ourselves so its mode is 0600 (SQLite would use the
	// umask); the -wal and -shm files inherit the mode from it.
	if f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, nil, fmt.Errorf("sqlitestore: %w", err)
	} else {
		f.Close()
	}

	syncMode := "NORMAL"
	if o.FullSync {
		syncMode = "FULL"
	}
	common := url.Values{}
	common.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", o.BusyTimeout.Milliseconds()))
	common.Add("_pragma", "foreign_keys(1)")
	common.Add("_pragma", "synchronous("+syncMode+")")
	// Pages are read through a memory map shared by every connection (the
	// OS's page cache, no read system call per page), and each connection
	// keeps 16 MiB of pages: with SQLite's 2 MiB default, a reconciler
	// working through thousands of rows read most pages from the file again
	// at every statement.
	common.Add("_pragma", "mmap_size(1073741824)")
	common.Add("_pragma", "cache_size(-16384)")

	w := cloneValues(common)
	w.Add("_pragma", "journal_mode(WAL)")
	w.Set("_txlock", "immediate")
	writeDB, err := sql.Open("sqlite", dsn(abs, w))
	if err != nil {
		return nil, nil, err
	}
	writeDB.SetMaxOpenConns(1)
	writeDB.SetMaxIdleConns(1)
	writeDB.SetConnMaxLifetime(0)
	writeDB.SetConnMaxIdleTime(0)

	ctx, cancel := context.WithTimeout(context.Background(), o.BusyTimeout+10*time.Second)
	defer cancel()
	reg := o.Registry
	if reg == nil {
		reg = resource.NewBuiltinRegistry()
	}
	if err := migrate(ctx, writeDB, now); err != nil {
		writeDB.Close()
		return nil, nil, openError(abs, err)
	}
	indexed, err := ensureFieldIndexes(ctx, writeDB, reg)
	if err != nil {
		writeDB.Close()
		return nil, nil, openError(abs, err)
	}

	r := cloneValues(common)
	r.Add("_pragma", "query_only(1)")
	readDB, err := sql.Open("sqlite", dsn(abs, r))
	if err != nil {
		writeDB.Close()
		return nil, nil, err
	}
	readDB.SetMaxOpenConns(o.ReadConns)
	readDB.SetMaxIdleConns(o.ReadConns)
	if err := readDB.PingContext(ctx); err != nil {
		writeDB.Close()
		readDB.Close()
		return nil, nil, openError(abs, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		writeDB.Close()
		readDB.Close()
		return nil, nil, openError(abs, err)
	}
	b := &backend{write: writeDB, read: readDB, path: abs, file: fi,
		writeStmts: newStmtCache(writeDB), readStmts: newStmtCache(readDB), indexed: indexed}
	b.queue.start(b)
	return b, &engine.Options{Registry: reg, Now: o.Now}, nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// dsn builds a file: URI, so any path (spaces, '?', '#') is safe.
func dsn(abs string, q url.Values) string {
	return "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + q.Encode()
}

type backend struct {
	write, read *sql.DB
	closed      atomic.Bool
	// path and file are the database file as opened: a write checks the
	// file is still there, since SQLite keeps writing to a deleted or
	// replaced file's open descriptor, and those writes would be lost.
	path string
	file os.FileInfo
	// writeStmts and readStmts hold each database's prepared statements.
	writeStmts, readStmts *stmtCache
	queue                 writeQueue // group.go
	indexed               map[string]bool
	commits               atomic.Int64
}

// stillThere refuses writes once the database file was removed or
// replaced under the running store (one stat, against committing writes
// nothing will ever read).
func (b *backend) stillThere() error {
	fi, err := os.Stat(b.path)
	if err == nil && os.SameFile(fi, b.file) {
		return nil
	}
	return resource.Errorf(resource.Unavailable,
		"sqlitestore: the database file was removed or replaced while in use: nothing was stored; restart the server")
}

func (b *backend) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	b.queue.stop()
	b.writeStmts.close()
	b.readStmts.close()
	return errors.Join(b.read.Close(), b.write.Close())
}

func (b *backend) Txn(ctx context.Context, write bool, fn func(engine.RowTx) error) (err error) {
	if b.closed.Load() {
		return store.ErrClosed
	}
	if write {
		return b.writeTxn(ctx, fn)
	}
	db, cache := b.read, b.readStmts
	rtx := &rowTx{cache: cache, indexed: b.indexed}
	defer func() {
		// The connection is back in the pool: prepare what ran unprepared.
		if len(rtx.missed) > 0 && !b.closed.Load() {
			cache.prepare(context.WithoutCancel(ctx), rtx.missed)
		}
	}()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return classify(ctx, err)
	}
	committed := false
	defer func() {
		// Also runs when fn panics; the panic continues after.
		if !committed {
			tx.Rollback()
		}
	}()
	rtx.tx = tx
	if err := fn(rtx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return classify(ctx, err)
	}
	committed = true
	return nil
}

// GetRow reads one row in autocommit mode (engine.RowGetter): one SELECT
// sees one committed state without a transaction around it.
func (b *backend) GetRow(ctx context.Context, id string) (*engine.Row, error) {
	return b.readOne(ctx, getRowSQL, scanRow, id)
}

// GetKey reads one row's kind, ID and revision in autocommit mode
// (engine.KeyGetter).
func (b *backend) GetKey(ctx context.Context, id string) (*engine.Row, error) {
	return b.readOne(ctx, getKeySQL, scanKey, id)
}

// readOne runs query, which reads one row by ID, in autocommit mode.
func (b *backend) readOne(ctx context.Context, query string, scan func(scanner) (*engine.Row, error), id string) (*engine.Row, error) {
	if b.closed.Load() {
		return nil, store.ErrClosed
	}
	stmt := b.readStmts.lookup(query)
	if stmt == nil {
		// No connection is held here, so it can be prepared now.
		b.readStmts.prepare(context.WithoutCancel(ctx), []string{query})
		if stmt = b.readStmts.lookup(query); stmt == nil {
			r, err := scan(b.read.QueryRowContext(ctx, query, id))
			return gotRow(ctx, r, err)
		}
	}
	r, err := scan(stmt.QueryRowContext(ctx, id))
	return gotRow(ctx, r, err)
}

// ListRows runs a list's SELECT in autocommit mode (engine.RowLister),
// complete when that one statement answers it: a page that is not full,
// whose total it gives. A full page needs a COUNT in the same snapshot,
// and the engine lists in a transaction instead.
func (b *backend) ListRows(ctx context.Context, q *engine.Query) ([]*engine.Row, int, bool, error) {
	if b.closed.Load() {
		return nil, 0, false, store.ErrClosed
	}
	t := &rowTx{auto: b.read, cache: b.readStmts, indexed: b.indexed}
	rows, total, complete, err := t.list(ctx, q, false)
	if len(t.missed) > 0 && !b.closed.Load() {
		b.readStmts.prepare(context.WithoutCancel(ctx), t.missed) // no connection is held now
	}
	return rows, total, complete, err
}

func gotRow(ctx context.Context, r *engine.Row, err error) (*engine.Row, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, classify(ctx, err)
	}
	return r, nil
}

// classify maps an error from database/sql or SQLite to a resource code.
// Context errors keep their identity (errors.Is(err, context.Canceled)),
// even when SQLite reports them as an interrupt.
func classify(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("sqlitestore: %w", ctxErr)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("sqlitestore: %w", err)
	}
	if se := sqliteError(err); se != nil { // errors.go
		return se
	}
	return resource.Errorf(resource.Unknown, "sqlitestore: %w", err)
}

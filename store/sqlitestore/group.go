package sqlitestore

import (
	"context"
	"database/sql"
	"slices"
	"sync"

	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/engine"
)

// Group commit. SQLite has one writer; each commit appends the pages it
// changed to the WAL, and under 32 concurrent writers that was a fifth of
// a create's CPU, mostly write system calls, with the same index pages
// written again commit after commit. Write transactions that arrive while
// another commits wait, and the next of them to go runs them all in one
// SQLite transaction: each in a savepoint of its own, so one that fails
// (or panics) is rolled back alone, and the rest commit together. Each
// caller returns once its own writes are committed (or not), so what a
// caller sees is what it saw before: its transaction is atomic, isolated
// (the batch runs one after another on one connection) and durable when
// it returns. One goroutine, the writer, runs the batches.

// maxBatch bounds a batch: its first member waits for the last one.
const maxBatch = 32

type writeReq struct {
	ctx context.Context
	fn  func(engine.RowTx) error

	done chan struct{} // closed once its batch has committed or failed
	ran  bool          // taken into a batch: no longer cancellable
	err  error
	// panicked and panicVal carry fn's panic back to its caller.
	panicked bool
	panicVal any
}

// writeQueue feeds the writer goroutine, which runs every batch: one
// goroutine kept busy, where handing the lead from caller to caller waited
// on the scheduler between batches, among hundreds of runnable goroutines.
type writeQueue struct {
	mu      sync.Mutex
	pending []*writeReq
	closed  bool
	kick    chan struct{} // buffered: pending grew
	stopped chan struct{} // closed when the writer has returned
}

func (q *writeQueue) start(b *backend) {
	q.kick = make(chan struct{}, 1)
	q.stopped = make(chan struct{})
	go b.writer()
}

// stop ends the writer once the batch it runs is done; what still waits is
// refused.
func (q *writeQueue) stop() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.kick <- struct{}{}:
	default:
	}
	<-q.stopped
}

// writeTxn runs fn in a write transaction, batched with those waiting.
func (b *backend) writeTxn(ctx context.Context, fn func(engine.RowTx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan struct{})}
	q := &b.queue
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return store.ErrClosed
	}
	q.pending = append(q.pending, req)
	q.mu.Unlock()
	select {
	case q.kick <- struct{}{}:
	default: // the writer is already kicked
	}
	select {
	case <-req.done:
	case <-ctx.Done():
		q.mu.Lock()
		if !req.ran {
			// Still waiting: leave the queue; nothing ran.
			q.pending = slices.DeleteFunc(q.pending, func(r *writeReq) bool { return r == req })
			q.mu.Unlock()
			return classify(ctx, ctx.Err())
		}
		q.mu.Unlock()
		<-req.done
	}
	if req.panicked {
		panic(req.panicVal)
	}
	return req.err
}

// writer runs batches from the front of the queue while there are any.
func (b *backend) writer() {
	q := &b.queue
	defer close(q.stopped)
	for range q.kick {
		for {
			q.mu.Lock()
			if q.closed {
				for _, r := range q.pending {
					r.err = store.ErrClosed
					close(r.done)
				}
				q.pending = nil
				q.mu.Unlock()
				return
			}
			n := min(len(q.pending), maxBatch)
			batch := slices.Clone(q.pending[:n])
			q.pending = slices.Delete(q.pending, 0, n)
			for _, r := range batch {
				r.ran = true
			}
			q.mu.Unlock()
			if n == 0 {
				break
			}
			b.runBatch(batch)
			for _, r := range batch {
				close(r.done)
			}
		}
	}
}

// runBatch runs the batch's functions in one transaction, each in a
// savepoint when there are several, and commits what succeeded.
func (b *backend) runBatch(batch []*writeReq) {
	fail := func(err error) {
		for _, r := range batch {
			if r.err == nil && !r.panicked {
				r.err = err
			}
		}
	}
	if err := b.stillThere(); err != nil {
		fail(err)
		return
	}
	// The transaction outlives any one caller's context: each
	// statement runs under its caller's.
	ctx := context.WithoutCancel(batch[0].ctx)
	tx, err := b.write.BeginTx(ctx, nil)
	if err != nil {
		fail(classify(batch[0].ctx, err))
		return
	}
	several := len(batch) > 1
	revs := &revisions{}
	var missed []string
	ok := 0
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = classify(r.ctx, err)
			continue
		}
		if several {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT w"); err != nil {
				tx.Rollback()
				fail(classify(r.ctx, err))
				return
			}
		}
		rtx := &rowTx{cache: b.writeStmts, tx: tx, indexed: b.indexed, revs: revs}
		r.err, r.panicked, r.panicVal = call(r.fn, rtx)
		missed = append(missed, rtx.missed...)
		failed := r.err != nil || r.panicked
		switch {
		case failed && !several:
			tx.Rollback()
			b.prepareMissed(ctx, missed)
			return
		case failed:
			if err := undo(ctx, tx); err != nil {
				tx.Rollback()
				fail(classify(r.ctx, err))
				return
			}
		case several:
			if _, err := tx.ExecContext(ctx, "RELEASE w"); err != nil {
				tx.Rollback()
				fail(classify(r.ctx, err))
				return
			}
		}
		if !failed {
			ok++
		}
	}
	if ok > 0 && revs.loaded {
		if _, err := tx.ExecContext(ctx, `UPDATE counters SET value = ? WHERE name = 'revision'`, revs.last); err != nil {
			tx.Rollback()
			fail(classify(ctx, err))
			return
		}
	}
	if ok == 0 {
		tx.Rollback()
	} else if err := tx.Commit(); err != nil {
		fail(classify(ctx, err))
	} else {
		b.commits.Add(1)
	}
	b.prepareMissed(ctx, missed)
}

// undo rolls the current savepoint back and ends it.
func undo(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, "ROLLBACK TO w"); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "RELEASE w")
	return err
}

// call runs fn, turning a panic into a value to re-panic with.
func call(fn func(engine.RowTx) error, rtx engine.RowTx) (err error, panicked bool, val any) {
	defer func() {
		if v := recover(); v != nil {
			panicked, val = true, v
		}
	}()
	return fn(rtx), false, nil
}

// prepareMissed prepares the statements that ran unprepared, once the
// connection is back in the pool (stmts.go).
func (b *backend) prepareMissed(ctx context.Context, missed []string) {
	if len(missed) > 0 && !b.closed.Load() {
		b.writeStmts.prepare(ctx, missed)
	}
}

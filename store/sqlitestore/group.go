package sqlitestore

import (
	"context"
	"database/sql"
	"slices"
	"sync"

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
// it returns.

// maxBatch bounds a batch: its first member waits for the last one.
const maxBatch = 32

type writeReq struct {
	ctx context.Context
	fn  func(engine.RowTx) error

	done chan struct{} // closed once its batch has committed or failed
	wake chan struct{} // closed to make this caller run the next batch
	lead bool          // wake is (being) closed
	ran  bool          // taken into a batch: no longer cancellable
	err  error
	// panicked and panicVal carry fn's panic back to its caller.
	panicked bool
	panicVal any
}

type writeQueue struct {
	mu      sync.Mutex
	pending []*writeReq
	leading bool // a caller is running a batch, or has been woken to
}

// writeTxn runs fn in a write transaction, batched with those waiting.
func (b *backend) writeTxn(ctx context.Context, fn func(engine.RowTx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan struct{}), wake: make(chan struct{})}
	q := &b.queue
	q.mu.Lock()
	q.pending = append(q.pending, req)
	lead := !q.leading // nobody leads: the queue held nothing else
	q.leading = true
	q.mu.Unlock()
	if !lead {
		select {
		case <-req.done:
		case <-req.wake:
			lead = true
		case <-ctx.Done():
			q.mu.Lock()
			if !req.ran && !req.lead {
				// Still waiting: leave the queue; nothing ran.
				q.pending = slices.DeleteFunc(q.pending, func(r *writeReq) bool { return r == req })
				q.mu.Unlock()
				return classify(ctx, ctx.Err())
			}
			q.mu.Unlock()
			select {
			case <-req.done:
			case <-req.wake:
				lead = true
			}
		}
	}
	if lead {
		b.runQueue() // req is first in the queue, so in the batch
	}
	<-req.done
	if req.panicked {
		panic(req.panicVal)
	}
	return req.err
}

// runQueue runs one batch from the front of the queue, then wakes the
// first caller still waiting to run the next: no caller runs the batches
// of others for long.
func (b *backend) runQueue() {
	q := &b.queue
	q.mu.Lock()
	n := min(len(q.pending), maxBatch)
	batch := slices.Clone(q.pending[:n])
	q.pending = slices.Delete(q.pending, 0, n)
	for _, r := range batch {
		r.ran = true
	}
	q.mu.Unlock()

	b.runBatch(batch)

	q.mu.Lock()
	var next *writeReq
	if len(q.pending) > 0 {
		next = q.pending[0]
		next.lead = true
	} else {
		q.leading = false
	}
	q.mu.Unlock()
	for _, r := range batch {
		close(r.done)
	}
	if next != nil {
		close(next.wake)
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
		rtx := &rowTx{cache: b.writeStmts, tx: tx}
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

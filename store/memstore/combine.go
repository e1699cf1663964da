package memstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/orca-nfv/orca/store/engine"
)

// combiner runs write transactions in batches under one exclusive hold of
// the backend's lock (flat combining). With a plain lock, hundreds of
// goroutines writing at once (the reconciler's workers) queue on the mutex,
// which then hands itself over one goroutine at a time, each waiting to be
// scheduled: the lock sat idle two thirds of the time while writers waited
// for it. Here the writers queue their transactions instead; one of them,
// the combiner, runs every queued transaction in a row and wakes their
// callers, so the lock's progress no longer waits on the scheduler.
//
// Each transaction still runs alone, in arrival order, with its own undo
// log: one that fails or panics is rolled back without touching the others,
// and its caller gets its error or panic (re-raised with the panic's value;
// the stack shown is the combiner's). One whose caller gave up while it
// waited is not run.
type combiner struct {
	backend *backend

	mu        sync.Mutex
	queue     []*writeReq
	combining bool // someone runs, or has been asked to run, the queue
}

type writeReq struct {
	ctx context.Context
	fn  func(engine.RowTx) error
	err error
	// panicked and value carry fn's panic to its caller's goroutine.
	panicked bool
	value    any
	// signal gets done, or combine when this caller must run the queue.
	signal chan signal
}

type signal int

const (
	done signal = iota
	combine
)

// maxRounds bounds how many batches one combiner runs before handing the
// queue to a waiting writer, so that its own caller is not held for long.
const maxRounds = 4

// run runs fn as a write transaction and returns its error, or re-panics
// with its panic's value.
func (c *combiner) run(ctx context.Context, fn func(engine.RowTx) error) error {
	// Not pooled: a channel must not outlive a synctest bubble.
	req := &writeReq{ctx: ctx, fn: fn, signal: make(chan signal, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, req)
	lead := !c.combining
	c.combining = true
	c.mu.Unlock()
	if lead {
		c.combine()
	}
	for <-req.signal == combine {
		c.combine()
	}
	if req.panicked {
		panic(req.value)
	}
	return req.err
}

// combine runs the queued transactions, a batch at a time, until the queue
// is empty or maxRounds batches ran; it then hands what is left to the
// first writer waiting.
func (c *combiner) combine() {
	b := c.backend
	for range maxRounds {
		c.mu.Lock()
		batch := c.queue
		c.queue = nil
		c.mu.Unlock()
		if len(batch) == 0 {
			break
		}
		b.mu.Lock()
		for _, r := range batch {
			if err := r.ctx.Err(); err != nil {
				r.err = fmt.Errorf("store: %w", err) // its caller gave up waiting
				continue
			}
			r.panicked, r.value, r.err = b.write(r.fn)
		}
		b.mu.Unlock()
		for _, r := range batch {
			r.signal <- done
		}
	}
	c.mu.Lock()
	if len(c.queue) == 0 {
		c.combining = false
		c.mu.Unlock()
		return
	}
	next := c.queue[0]
	c.mu.Unlock()
	next.signal <- combine
}

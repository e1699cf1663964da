package orca

import (
	"context"
	"sync"
	"time"

	"github.com/orca-nfv/orca/resource"
)

// queue is the reconciler's work queue, shaped like client-go's: a key is
// never handed to two workers at once, adding a key that is already waiting
// does nothing, adding one that is being processed makes it run once more
// afterwards, and a delayed add keeps only the earliest deadline.
type queue struct {
	mu         sync.Mutex
	items      []resource.Ref
	dirty      map[resource.Ref]bool // waiting in items, or to re-run after processing
	processing map[resource.Ref]bool
	timers     map[resource.Ref]*delayedAdd
	// ready holds a token when a waiting Get should look again. One Get
	// takes it and passes it on while items remain (or the queue is
	// closed): closing a channel per add woke every idle worker for one
	// item, hundreds at a time.
	ready  chan struct{}
	closed bool
}

type delayedAdd struct {
	at    time.Time
	timer *time.Timer
}

func newQueue() *queue {
	return &queue{
		dirty:      map[resource.Ref]bool{},
		processing: map[resource.Ref]bool{},
		timers:     map[resource.Ref]*delayedAdd{},
		ready:      make(chan struct{}, 1),
	}
}

// Add makes ref due now.
func (q *queue) Add(ref resource.Ref) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.addLocked(ref)
}

func (q *queue) addLocked(ref resource.Ref) {
	if q.closed || q.dirty[ref] {
		return
	}
	q.dirty[ref] = true
	if q.processing[ref] {
		return // Done re-queues it
	}
	q.items = append(q.items, ref)
	q.signal()
}

// signal wakes one waiting Get, if none is woken already; callers hold mu.
func (q *queue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// AddAfter makes ref due after d, unless it is due sooner already.
func (q *queue) AddAfter(ref resource.Ref, d time.Duration) {
	if d <= 0 {
		q.Add(ref)
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.dirty[ref] {
		return // due now already (or to run again right after its pass)
	}
	at := time.Now().Add(d)
	if t, ok := q.timers[ref]; ok {
		if !at.Before(t.at) {
			return
		}
		t.timer.Stop()
	}
	da := &delayedAdd{at: at}
	da.timer = time.AfterFunc(d, func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		if q.timers[ref] == da {
			delete(q.timers, ref)
			q.addLocked(ref)
		}
	})
	q.timers[ref] = da
}

// Get returns the next due key and marks it processing; false when the queue
// is closed or ctx ends.
func (q *queue) Get(ctx context.Context) (resource.Ref, bool) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			ref := q.items[0]
			q.items[0] = resource.Ref{}
			q.items = q.items[1:]
			delete(q.dirty, ref)
			q.processing[ref] = true
			if len(q.items) > 0 {
				q.signal() // the next waiting worker takes the next item
			}
			q.mu.Unlock()
			return ref, true
		}
		if q.closed {
			q.signal() // and the next Get sees it too
			q.mu.Unlock()
			return resource.Ref{}, false
		}
		q.mu.Unlock()
		select {
		case <-q.ready:
		case <-ctx.Done():
			return resource.Ref{}, false
		}
	}
}

// Done ends the processing of ref, re-queueing it if it was added meanwhile.
func (q *queue) Done(ref resource.Ref) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.processing, ref)
	if q.dirty[ref] && !q.closed {
		q.items = append(q.items, ref)
		q.signal()
	}
}

// Len is the number of keys due now.
func (q *queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// reopen makes a closed queue usable again (for a second Run). Keys added
// while it was closed were dropped; Run's opening resync covers them.
func (q *queue) reopen() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		q.closed = false
		q.timers = map[resource.Ref]*delayedAdd{}
	}
}

// Close stops the timers and wakes every Get.
func (q *queue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.closed = true
	for _, t := range q.timers {
		t.timer.Stop()
	}
	q.timers = nil
	q.signal()
}

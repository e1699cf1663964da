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
//
// Keys wait in two lanes, each first in, first out. The fan lane holds the
// passes that only touch the store (a global resource fanning out to its
// copies and aggregating them): short, and what makes VIM work and finishes
// what users wait for, so they go first, but only up to fanCap at once.
// Everything else (a copy's VIM calls, a location's ping, actions) takes
// the rest. In one lane, thousands of new resources' passes queued ahead of
// their copies took every worker at once, waiting on each other's store
// writes, while every location's VIM slots stood idle.
type queue struct {
	mu         sync.Mutex
	lanes      [2][]resource.Ref // laneFan, laneWork
	fanBusy    int               // fan-lane keys being processed
	fanCap     int
	isFan      func(resource.Ref) bool
	dirty      map[resource.Ref]bool // waiting in a lane, or to re-run after processing
	processing map[resource.Ref]int  // the lane it was taken from
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

const (
	laneFan = iota
	laneWork
)

// newQueue makes a queue whose fan lane takes the keys isFan reports (nil:
// none) and runs at most fanCap of them at once while other work waits.
func newQueue(isFan func(resource.Ref) bool, fanCap int) *queue {
	if isFan == nil {
		isFan = func(resource.Ref) bool { return false }
	}
	return &queue{
		isFan: isFan, fanCap: max(fanCap, 1),
		dirty:      map[resource.Ref]bool{},
		processing: map[resource.Ref]int{},
		timers:     map[resource.Ref]*delayedAdd{},
		ready:      make(chan struct{}, 1),
	}
}

// setFanCap changes how many fan-lane keys may run while other work waits.
func (q *queue) setFanCap(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.fanCap = max(n, 1)
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
	if _, ok := q.processing[ref]; ok {
		return // Done re-queues it
	}
	q.push(ref)
}

// push appends ref to its lane and wakes a Get; callers hold mu.
func (q *queue) push(ref resource.Ref) {
	lane := laneWork
	if q.isFan(ref) {
		lane = laneFan
	}
	q.lanes[lane] = append(q.lanes[lane], ref)
	q.signal()
}

// pop takes the next key: the fan lane's while fewer than fanCap of its
// keys run, else the other lane's, else (no other work waits) the fan
// lane's all the same. It returns the key's lane; callers hold mu; false
// when both lanes are empty.
func (q *queue) pop() (resource.Ref, int, bool) {
	fan, work := len(q.lanes[laneFan]) > 0, len(q.lanes[laneWork]) > 0
	lane := laneFan
	switch {
	case fan && q.fanBusy < q.fanCap:
	case work:
		lane = laneWork
	case !fan:
		return resource.Ref{}, 0, false
	}
	ref := q.lanes[lane][0]
	q.lanes[lane][0] = resource.Ref{}
	q.lanes[lane] = q.lanes[lane][1:]
	if lane == laneFan {
		q.fanBusy++
	}
	return ref, lane, true
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
		if ref, lane, ok := q.pop(); ok {
			delete(q.dirty, ref)
			q.processing[ref] = lane
			if q.len() > 0 {
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
	if lane, ok := q.processing[ref]; ok && lane == laneFan {
		q.fanBusy--
	}
	delete(q.processing, ref)
	if q.dirty[ref] && !q.closed {
		q.push(ref)
	}
}

// Len is the number of keys due now.
func (q *queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.len()
}

func (q *queue) len() int { return len(q.lanes[laneFan]) + len(q.lanes[laneWork]) }

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

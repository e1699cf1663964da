package orca

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// A location's VIM can go away: refuse connections, or hang until each call
// times out. Without a guard, every copy placed there would keep calling it,
// and with a hanging VIM every worker would soon wait out a call timeout
// there while the healthy locations starve. So each site has a breaker: it
// opens after breakerThreshold consecutive calls fail Unavailable (hangs
// past the call timeout included); while it is open, calls fail at once,
// naming the outage, and only the location's own ping, every poll
// interval, reaches the VIM. When the ping answers, the breaker closes and
// every copy at the location is scheduled at once, whatever its backoff.
//
// A success resets the count, so a VIM failing some calls (a flaky one)
// does not open it: eight failures in a row at a 10 % error rate happen
// once in a hundred million calls, and even then the next ping closes it.
const breakerThreshold = 8

// breaker is one site's; its methods are safe for concurrent use.
type breaker struct {
	mu       sync.Mutex
	failures int       // consecutive Unavailable calls
	cause    error     // why it opened; nil while closed
	since    time.Time // when it opened
}

// check returns the error a call fails with while the breaker is open.
func (b *breaker) check(location string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cause == nil {
		return nil
	}
	return resource.Errorf(resource.Unavailable, "location %s is unreachable (since %s): %v",
		location, b.since.UTC().Format(time.RFC3339), b.cause)
}

// record counts a call's outcome, reporting whether it opened the breaker.
func (b *breaker) record(err error) (opened bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if resource.CodeOf(err) != resource.Unavailable {
		b.failures = 0 // an answer, even a refusal: the VIM is there
		return false
	}
	b.failures++
	if b.cause == nil && b.failures >= breakerThreshold {
		b.cause, b.since = err, time.Now()
		return true
	}
	return false
}

// close closes the breaker, reporting whether it was open.
func (b *breaker) close() (wasOpen bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	wasOpen, b.cause, b.failures = b.cause != nil, nil, 0
	return wasOpen
}

// isOpen reports whether the breaker is open.
func (b *breaker) isOpen() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cause != nil
}

// enqueueCopiesAt schedules every copy placed at a location now, as when it
// answers again after an outage, and forgets their failures: their backoff
// grew while the location was away, and should not slow the first error
// after it is back.
func (o *Orchestrator) enqueueCopiesAt(ctx context.Context, location string) error {
	for _, k := range o.reg.Kinds() {
		if info, _ := o.reg.Info(k); !info.Located {
			continue
		}
		page, err := o.store.List(ctx, store.Filter{Kind: k, Location: location})
		if err != nil {
			return fmt.Errorf("scheduling the copies at %s: %w", location, err)
		}
		o.mu.Lock()
		for _, l := range page.Items {
			delete(o.failures, l.Ref)
		}
		o.mu.Unlock()
		for _, l := range page.Items {
			o.enqueue(l.Ref)
		}
	}
	return nil
}

// Package wait polls a condition on real time for tests that cannot use
// testing/synctest (real sockets, database/sql's own goroutines). Tests
// import it; the bound guards against a hang and is never an assertion on
// speed.
package wait

import (
	"testing"
	"time"
)

// Options tune Until; zero values mean every 5ms, for at most a minute.
type Options struct {
	Every, Bound time.Duration
}

// Until checks cond until it holds, failing the test (naming what) if the
// bound passes first.
func Until(t testing.TB, what string, cond func() bool) { UntilWith(t, nil, what, cond) }

// UntilWith is Until with its own interval and bound.
func UntilWith(t testing.TB, opts *Options, what string, cond func() bool) {
	t.Helper()
	every, bound := 5*time.Millisecond, time.Minute
	if opts != nil && opts.Every > 0 {
		every = opts.Every
	}
	if opts != nil && opts.Bound > 0 {
		bound = opts.Bound
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	deadline := time.After(bound)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s: not within %v", what, bound)
		}
	}
}

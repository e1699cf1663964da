package fake

import (
	"context"
	"slices"
	"sync"
	"time"
)

// callerKey tags the calls made with a context (WithCaller).
type callerKey struct{}

// WithCaller tags every call made with ctx as name's, for CallLog: tests
// that run several orchestrators (replicas) on the same fake VIMs tell by
// it whose calls were whose, and when.
func WithCaller(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, callerKey{}, name)
}

func callerOf(ctx context.Context) string {
	name, _ := ctx.Value(callerKey{}).(string)
	return name
}

// Call is one tagged call: from its start (before the VIM's latency) to
// its end (when it was answered, failed or gave up).
type Call struct {
	Op         Op
	Caller     string
	Start, End time.Time
}

// callLog holds the tagged calls of one VIM.
type callLog struct {
	mu    sync.Mutex
	calls []Call
}

// record logs a call of ctx's caller that starts now; calling the returned
// function ends it. Untagged calls are not logged.
func (l *callLog) record(ctx context.Context, op Op) func() {
	caller := callerOf(ctx)
	if caller == "" {
		return func() {}
	}
	start := time.Now()
	return func() {
		l.mu.Lock()
		l.calls = append(l.calls, Call{Op: op, Caller: caller, Start: start, End: time.Now()})
		l.mu.Unlock()
	}
}

// CallLog returns the calls made with a context tagged by WithCaller, in
// the order they ended.
func (v *VIM) CallLog() []Call {
	v.log.mu.Lock()
	defer v.log.mu.Unlock()
	return slices.Clone(v.log.calls)
}

// Overlaps returns the pairs of calls by different callers that ran at the
// same time (the second started before the first ended), ordered by the
// first's start: for one location's log, what work split between callers
// one at a time (orca's leases) rules out.
func Overlaps(calls []Call) [][2]Call {
	calls = slices.Clone(calls)
	slices.SortStableFunc(calls, func(a, b Call) int { return a.Start.Compare(b.Start) })
	var out [][2]Call
	for i, c := range calls {
		for _, d := range calls[i+1:] {
			if !d.Start.Before(c.End) {
				break // sorted by start: no later one starts before c ends
			}
			if d.Caller != c.Caller {
				out = append(out, [2]Call{c, d})
			}
		}
	}
	return out
}

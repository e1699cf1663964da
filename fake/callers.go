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

package wait

import (
	"testing"
	"testing/synctest"
	"time"
)

func TestUntil(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		Until(t, "third call", func() bool { calls++; return calls == 3 })
		if calls != 3 {
			t.Errorf("cond called %d times, want 3", calls)
		}
	})
}

// fatalRecorder notes a Fatalf and stops the goroutine as testing.T does.
type fatalRecorder struct {
	testing.TB
	failed bool
}

func (f *fatalRecorder) Helper() {}
func (f *fatalRecorder) Fatalf(string, ...any) {
	f.failed = true
	panic(f)
}

func TestUntilGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &fatalRecorder{TB: t}
		start := time.Now()
		func() {
			defer func() { recover() }()
			UntilWith(rec, &Options{Every: time.Second, Bound: time.Hour}, "never", func() bool { return false })
		}()
		if !rec.failed || time.Since(start) != time.Hour {
			t.Errorf("failed %v after %v, want a failure after the hour's bound", rec.failed, time.Since(start))
		}
	})
}

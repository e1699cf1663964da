package identity

import (
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// attempts makes n attempts for key and returns the waits Attempt answered.
func attempts(th *Throttle, key string, n int) []time.Duration {
	var out []time.Duration
	for range n {
		out = append(out, th.Attempt(key))
	}
	return out
}

func TestThrottle(t *testing.T) {
	opts := &ThrottleOptions{Burst: 3, Base: time.Second, Max: 4 * time.Second, ResetAfter: time.Minute}
	tests := map[string]struct {
		run  func(th *Throttle) []time.Duration
		want []time.Duration
	}{
		"burst, then the caller waits": {
			run:  func(th *Throttle) []time.Duration { return attempts(th, "u@a", 5) },
			want: []time.Duration{0, 0, 0, time.Second, time.Second},
		},
		"waits double up to Max": {
			run: func(th *Throttle) []time.Duration {
				var out []time.Duration
				attempts(th, "u@a", 3)
				for range 5 {
					out = append(out, th.Attempt("u@a")) // refused: the wait ahead
					time.Sleep(out[len(out)-1])
					out = append(out, th.Attempt("u@a")) // allowed after it
				}
				return out
			},
			want: []time.Duration{time.Second, 0, 2 * time.Second, 0, 4 * time.Second, 0, 4 * time.Second, 0, 4 * time.Second, 0},
		},
		"a success forgets the key": {
			run: func(th *Throttle) []time.Duration {
				attempts(th, "u@a", 3)
				th.Succeeded("u@a")
				return attempts(th, "u@a", 4)
			},
			want: []time.Duration{0, 0, 0, time.Second},
		},
		"other keys are not slowed": {
			run: func(th *Throttle) []time.Duration {
				attempts(th, "u@a", 4)
				return append(attempts(th, "u@b", 1), attempts(th, "v@a", 1)...)
			},
			want: []time.Duration{0, 0},
		},
		"idle keys are forgotten": {
			run: func(th *Throttle) []time.Duration {
				attempts(th, "u@a", 3)
				time.Sleep(time.Minute)
				return attempts(th, "u@a", 4)
			},
			want: []time.Duration{0, 0, 0, time.Second},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				got := tc.run(NewThrottle(opts))
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("waits (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// TestThrottleParallel: attempts in flight count, so a guesser sending many
// at once gets Burst of them through.
func TestThrottleParallel(t *testing.T) {
	th := NewThrottle(&ThrottleOptions{Burst: 5, Base: time.Hour})
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if th.Attempt("u@a") == 0 {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != 5 {
		t.Errorf("%d parallel attempts went through, want 5", allowed)
	}
}

// TestThrottleBounded: MaxKeys bounds memory; the key idle longest goes.
func TestThrottleBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		th := NewThrottle(&ThrottleOptions{Burst: 1, Base: time.Hour, MaxKeys: 3})
		for i := range 3 {
			th.Attempt(fmt.Sprint("k", i))
			time.Sleep(time.Second)
		}
		th.Attempt("k3") // evicts k0
		if n := len(th.keys); n != 3 {
			t.Errorf("%d keys remembered, want 3", n)
		}
		if th.Attempt("k0") != 0 {
			t.Error("k0 was not the one forgotten")
		}
		if th.Attempt("k3") == 0 {
			t.Error("k3, just attempted, was forgotten")
		}
	})
}

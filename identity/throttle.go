package identity

import (
	"sync"
	"time"
)

// Throttle slows password guessing. Every attempt for a key (a user name at
// a client address) counts as a failure until Succeeded says otherwise; once
// a key holds Burst of them, each further attempt must wait, doubling from
// Base up to Max. A success forgets the key, and so does ResetAfter without
// attempts. Refused attempts never reach the password check, so guessing
// cannot burn the server's CPU on PBKDF2 either.
//
// Counting an attempt before its outcome is known is deliberate: a guesser
// firing requests in parallel gets Burst of them, not as many as it can
// send before the first answer. Keys are per user and address, so a guesser
// cannot lock a user out from elsewhere.
//
// A Throttle is safe for concurrent use; its memory is bounded by MaxKeys.
type Throttle struct {
	opts ThrottleOptions
	mu   sync.Mutex
	keys map[string]*throttled
}

// ThrottleOptions tune a Throttle; zero fields take the defaults.
type ThrottleOptions struct {
	// Burst is how many unproven attempts a key gets without waiting;
	// default 10.
	Burst int
	// Base is the first wait after the burst; default 1s. Max caps the
	// doubling; default 5 minutes, and never below Base.
	Base, Max time.Duration
	// ResetAfter forgets a key with no attempts for that long; default 1h.
	ResetAfter time.Duration
	// MaxKeys bounds the keys remembered; when full, the key idle the
	// longest is forgotten. Default 10,000.
	MaxKeys int
}

type throttled struct {
	failures int
	next     time.Time // no attempt before this
	last     time.Time // the latest attempt
}

// NewThrottle returns a Throttle; opts may be nil.
func NewThrottle(opts *ThrottleOptions) *Throttle {
	t := &Throttle{keys: map[string]*throttled{}}
	if opts != nil {
		t.opts = *opts
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&t.opts.Base, time.Second)
	def(&t.opts.Max, 5*time.Minute)
	t.opts.Max = max(t.opts.Max, t.opts.Base)
	def(&t.opts.ResetAfter, time.Hour)
	if t.opts.Burst <= 0 {
		t.opts.Burst = 10
	}
	if t.opts.MaxKeys <= 0 {
		t.opts.MaxKeys = 10_000
	}
	return t
}

// Attempt records an attempt for key. It returns 0 when the attempt may go
// ahead, or how long the caller must wait before trying again (the attempt
// is then not counted).
func (t *Throttle) Attempt(key string) time.Duration {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.keys[key]
	if e != nil && now.Sub(e.last) >= t.opts.ResetAfter {
		e = nil
	}
	if e == nil {
		t.makeRoomLocked(now)
		e = &throttled{}
		t.keys[key] = e
	}
	if wait := e.next.Sub(now); wait > 0 {
		return wait
	}
	e.last = now
	e.failures++
	if over := e.failures - t.opts.Burst; over >= 0 {
		e.next = now.Add(t.backoff(over))
	}
	return 0
}

// backoff is the wait after the burst was exceeded by over attempts.
func (t *Throttle) backoff(over int) time.Duration {
	d := t.opts.Base
	for range over {
		if d >= t.opts.Max/2 {
			return t.opts.Max
		}
		d *= 2
	}
	return min(d, t.opts.Max)
}

// Succeeded forgets key: its attempts were the rightful user's.
func (t *Throttle) Succeeded(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, key)
}

// makeRoomLocked keeps the map under MaxKeys: stale keys go first, then the
// one idle the longest.
func (t *Throttle) makeRoomLocked(now time.Time) {
	if len(t.keys) < t.opts.MaxKeys {
		return
	}
	var oldest string
	for k, e := range t.keys {
		if now.Sub(e.last) >= t.opts.ResetAfter {
			delete(t.keys, k)
		} else if oldest == "" || e.last.Before(t.keys[oldest].last) {
			oldest = k
		}
	}
	if len(t.keys) >= t.opts.MaxKeys {
		delete(t.keys, oldest)
	}
}

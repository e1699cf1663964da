package dialect

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orca-nfv/orca/identity"
)

// RateLimitOptions configure a RateLimiter.
type RateLimitOptions struct {
	// Rate is the requests per second one client may sustain; it must be
	// positive.
	Rate float64
	// Burst is how many requests a client that was quiet may make at
	// once; default twice Rate, at least 1.
	Burst int
	// Auth, when set, keys a request carrying a valid token (X-Auth-Token,
	// "Authorization: Token" or "Bearer") by its user, so that a user's
	// clients share one budget wherever they connect from and users behind
	// one proxy do not share theirs. Every other request (anonymous, HTTP
	// basic, a bad token) is keyed by its client address: minting tokens
	// or naming users buys no budget.
	Auth identity.Authenticator
	// MaxClients bounds the clients remembered; default 10000. When it is
	// reached, clients whose budget is whole again are forgotten, else the
	// one with the most left.
	MaxClients int
	// Render writes the 429 answer; nil writes seed 000's JSON error
	// ({"error": {"code", "title", "message"}}).
	Render Render
}

// RateLimiter answers 429 Too Many Requests, with Retry-After, to a client
// that exceeds its budget: a token bucket per user (or address) refilled
// at Rate up to Burst. It is safe for concurrent use; its zero value is
// not usable (NewRateLimiter).
type RateLimiter struct {
	opts RateLimitOptions

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewRateLimiter returns a limiter. Errors: a Rate that is not positive.
func NewRateLimiter(opts *RateLimitOptions) (*RateLimiter, error) {
	if opts == nil || !(opts.Rate > 0) || math.IsInf(opts.Rate, 0) {
		return nil, fmt.Errorf("dialect: a rate limit needs a positive Rate")
	}
	l := &RateLimiter{opts: *opts, buckets: map[string]*bucket{}}
	if l.opts.Burst <= 0 {
		l.opts.Burst = max(1, int(math.Ceil(2*l.opts.Rate)))
	}
	if l.opts.MaxClients <= 0 {
		l.opts.MaxClients = 10000
	}
	if l.opts.Render == nil {
		l.opts.Render = renderRateLimit
	}
	return l, nil
}

// Wrap limits the requests h serves; a refused request never reaches h.
func (l *RateLimiter) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wait, ok := l.Allow(l.key(r))
		if !ok {
			secs := int(math.Ceil(wait.Seconds()))
			p := &Problem{Status: http.StatusTooManyRequests, Message: fmt.Sprintf(
				"too many requests: this client may make %g a second (bursts of %d); retry after the time in Retry-After", l.opts.Rate, l.opts.Burst),
				Header: http.Header{}}
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			l.opts.Render(w, r, p)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// key names the client r comes from: its user when it carries a valid
// token, else its address.
func (l *RateLimiter) key(r *http.Request) string {
	if l.opts.Auth != nil {
		tok := r.Header.Get("X-Auth-Token")
		if tok == "" {
			scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
			if strings.EqualFold(scheme, "Token") || strings.EqualFold(scheme, "Bearer") {
				tok = strings.TrimSpace(cred)
			}
		}
		if tok != "" {
			if p, err := l.opts.Auth.Authenticate(r.Context(), tok); err == nil {
				return "user\x00" + p.UserID
			}
		}
	}
	return "addr\x00" + ClientHost(r)
}

// Allow spends one request of key's budget; when none is left it returns
// false and how long until one is.
func (l *RateLimiter) Allow(key string) (time.Duration, bool) {
	now := time.Now()
	burst := float64(l.opts.Burst)
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.opts.MaxClients {
			l.evictLocked(now)
		}
		b = &bucket{tokens: burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*l.opts.Rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / l.opts.Rate * float64(time.Second)), false
}

// evictLocked forgets the clients whose budget is whole again (they would
// start afresh anyway) and, when every client is busy, the one with the
// most budget left: forgetting it gives away the least.
func (l *RateLimiter) evictLocked(now time.Time) {
	burst := float64(l.opts.Burst)
	fullest, most := "", -1.0
	for k, b := range l.buckets {
		tokens := b.tokens + now.Sub(b.last).Seconds()*l.opts.Rate
		switch {
		case tokens >= burst:
			delete(l.buckets, k)
		case tokens > most:
			fullest, most = k, tokens
		}
	}
	if len(l.buckets) >= l.opts.MaxClients {
		delete(l.buckets, fullest)
	}
}

// renderRateLimit writes seed 000's error shape.
func renderRateLimit(w http.ResponseWriter, _ *http.Request, p *Problem) {
	body := map[string]any{"error": map[string]any{"code": p.Status, "title": http.StatusText(p.Status), "message": p.Message}}
	WriteJSON(w, p.Status, body)
}

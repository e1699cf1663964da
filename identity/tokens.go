package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"sync"
	"time"

	"github.com/orca-nfv/orca/resource"
)

// DefaultTokenTTL is how long issued tokens live.
const DefaultTokenTTL = 8 * time.Hour

// Tokens issues and checks bearer tokens. Tokens live in memory, as
// digests: a restart signs everyone out. It is an Authenticator.
type Tokens struct {
	ttl time.Duration
	now func() time.Time

	mu       sync.Mutex
	sessions map[[sha256.Size]byte]*Principal
	issued   int
}

// NewTokens returns an issuer of tokens living ttl (DefaultTokenTTL if 0).
func NewTokens(ttl time.Duration) *Tokens {
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	return &Tokens{ttl: ttl, now: time.Now, sessions: map[[sha256.Size]byte]*Principal{}}
}

// Issue returns a new token for p, and p with its expiry set.
func (t *Tokens) Issue(p *Principal) (string, *Principal) {
	var raw [32]byte
	rand.Read(raw[:]) // never fails
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	cp := *p
	cp.Roles = slices.Clone(p.Roles)
	cp.ExpiresAt = t.now().Add(t.ttl).UTC().Truncate(time.Second)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sessions[sha256.Sum256([]byte(token))] = &cp
	if t.issued++; t.issued%256 == 0 {
		t.sweepLocked()
	}
	out := cp
	return token, &out
}

// Authenticate returns the principal of a live token.
func (t *Tokens) Authenticate(_ context.Context, token string) (*Principal, error) {
	if token == "" {
		return nil, resource.Errorf(resource.Unauthorized, "a token is required (X-Auth-Token)")
	}
	key := sha256.Sum256([]byte(token))
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.sessions[key]
	if !ok || !t.now().Before(p.ExpiresAt) {
		delete(t.sessions, key)
		return nil, resource.Errorf(resource.Unauthorized, "the token is unknown or expired")
	}
	cp := *p
	cp.Roles = slices.Clone(p.Roles)
	return &cp, nil
}

// Revoke ends a token at once; unknown tokens are ignored.
func (t *Tokens) Revoke(token string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.sessions, sha256.Sum256([]byte(token)))
}

// sweepLocked drops expired sessions, so memory stays bounded by the live
// ones.
func (t *Tokens) sweepLocked() {
	now := t.now()
	for k, p := range t.sessions {
		if !now.Before(p.ExpiresAt) {
			delete(t.sessions, k)
		}
	}
}

package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"sync"
	"time"

	"github.com/orca-nfv/orca/resource"
)

// DefaultTokenTTL is how long issued tokens live.
const DefaultTokenTTL = 8 * time.Hour

// Tokens issues and checks bearer tokens. Tokens live in memory, as
// digests: a restart signs everyone out. With a SessionStore shared by
// several processes (replicas on one database), a token any of them issued
// works at every one. It is an Authenticator.
type Tokens struct {
	ttl     time.Duration
	now     func() time.Time
	shared  SessionStore
	recheck time.Duration

	mu       sync.Mutex
	sessions map[[sha256.Size]byte]*session
	issued   int
}

type session struct {
	p       Principal
	checked time.Time // when it was last read from the shared store
}

// SessionStore keeps sessions where every process sharing it sees them.
// Keys are the hex SHA-256 digests of tokens, never tokens.
type SessionStore interface {
	// SaveSession keeps p (its ExpiresAt set) under digest.
	SaveSession(ctx context.Context, digest string, p *Principal) error
	// LoadSession returns the live session under digest, or nil, nil.
	LoadSession(ctx context.Context, digest string) (*Principal, error)
	// DeleteSession ends the session under digest; none is no error.
	DeleteSession(ctx context.Context, digest string) error
}

// TokensOptions configure NewTokensWith; nil means defaults.
type TokensOptions struct {
	// TTL is how long issued tokens live; default DefaultTokenTTL.
	TTL time.Duration
	// Shared keeps the sessions for every process that shares it; nil
	// keeps them in this process only.
	Shared SessionStore
	// Recheck is how long a session read from Shared is trusted before
	// it is read again, so that a token revoked at another process stops
	// working here within it; default 10s.
	Recheck time.Duration
}

// NewTokens returns an issuer of tokens living ttl (DefaultTokenTTL if 0),
// kept in this process.
func NewTokens(ttl time.Duration) *Tokens { return NewTokensWith(&TokensOptions{TTL: ttl}) }

// NewTokensWith returns an issuer of tokens configured by opts.
func NewTokensWith(opts *TokensOptions) *Tokens {
	var o TokensOptions
	if opts != nil {
		o = *opts
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTokenTTL
	}
	if o.Recheck <= 0 {
		o.Recheck = 10 * time.Second
	}
	return &Tokens{ttl: o.TTL, now: time.Now, shared: o.Shared, recheck: o.Recheck, sessions: map[[sha256.Size]byte]*session{}}
}

// Issue returns a new token for p, and p with its expiry set. With a
// shared store, use IssueContext: Issue cannot report that saving the
// session there failed (the token then works at this process only).
func (t *Tokens) Issue(p *Principal) (string, *Principal) {
	token, out, _ := t.IssueContext(context.Background(), p)
	return token, out
}

// IssueContext is Issue, saving the session in the shared store first when
// there is one; its error is that store's.
func (t *Tokens) IssueContext(ctx context.Context, p *Principal) (string, *Principal, error) {
	var raw [32]byte
	rand.Read(raw[:]) // never fails
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	cp := *p
	cp.Roles = slices.Clone(p.Roles)
	now := t.now()
	cp.ExpiresAt = now.Add(t.ttl).UTC().Truncate(time.Second)
	key := sha256.Sum256([]byte(token))
	var err error
	if t.shared != nil {
		err = t.shared.SaveSession(ctx, hex.EncodeToString(key[:]), &cp)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sessions[key] = &session{p: cp, checked: now}
	if t.issued++; t.issued%256 == 0 {
		t.sweepLocked()
	}
	out := cp
	out.Roles = slices.Clone(cp.Roles)
	return token, &out, err
}

// Authenticate returns the principal of a live token: one of this
// process's, or, with a shared store, one any process sharing it issued.
func (t *Tokens) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if token == "" {
		return nil, resource.Errorf(resource.Unauthorized, "a token is required (X-Auth-Token)")
	}
	key := sha256.Sum256([]byte(token))
	now := t.now()
	t.mu.Lock()
	s, ok := t.sessions[key]
	switch {
	case ok && !now.Before(s.p.ExpiresAt):
		delete(t.sessions, key)
		t.mu.Unlock()
		return nil, resource.Errorf(resource.Unauthorized, "the token is unknown or expired")
	case ok && (t.shared == nil || now.Sub(s.checked) < t.recheck):
		cp := s.p
		cp.Roles = slices.Clone(s.p.Roles)
		t.mu.Unlock()
		return &cp, nil
	}
	t.mu.Unlock()
	if t.shared == nil {
		return nil, resource.Errorf(resource.Unauthorized, "the token is unknown or expired")
	}
	p, err := t.shared.LoadSession(ctx, hex.EncodeToString(key[:]))
	if err != nil {
		return nil, resource.Errorf(resource.Unavailable, "checking the token: %v", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if p == nil || !now.Before(p.ExpiresAt) {
		delete(t.sessions, key) // revoked elsewhere, or expired
		return nil, resource.Errorf(resource.Unauthorized, "the token is unknown or expired")
	}
	t.sessions[key] = &session{p: *p, checked: now}
	cp := *p
	cp.Roles = slices.Clone(p.Roles)
	return &cp, nil
}

// Revoke ends a token at once; unknown tokens are ignored. With a shared
// store, use RevokeContext, which reports a failure to end it there.
func (t *Tokens) Revoke(token string) { t.RevokeContext(context.Background(), token) }

// RevokeContext ends a token at once, here and in the shared store: other
// processes stop accepting it within their Recheck.
func (t *Tokens) RevokeContext(ctx context.Context, token string) error {
	key := sha256.Sum256([]byte(token))
	t.mu.Lock()
	delete(t.sessions, key)
	t.mu.Unlock()
	if t.shared == nil {
		return nil
	}
	if err := t.shared.DeleteSession(ctx, hex.EncodeToString(key[:])); err != nil {
		return resource.Errorf(resource.Unavailable, "revoking the token: %v", err)
	}
	return nil
}

// sweepLocked drops expired sessions, so memory stays bounded by the live
// ones.
func (t *Tokens) sweepLocked() {
	now := t.now()
	for k, s := range t.sessions {
		if !now.Before(s.p.ExpiresAt) {
			delete(t.sessions, k)
		}
	}
}

package identity

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/orca-nfv/orca/resource"
)

// mapSessions is a SessionStore in a map, shared by the Tokens of a test
// as a database is by replicas.
type mapSessions struct {
	mu   sync.Mutex
	m    map[string]Principal
	fail error
}

func (s *mapSessions) SaveSession(_ context.Context, digest string, p *Principal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.m[digest] = *p
	return nil
}

func (s *mapSessions) LoadSession(_ context.Context, digest string) (*Principal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	if p, ok := s.m[digest]; ok {
		return &p, nil
	}
	return nil, nil
}

func (s *mapSessions) DeleteSession(_ context.Context, digest string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	delete(s.m, digest)
	return nil
}

// TestSharedTokens: a token one process issued works at another sharing
// the session store; a revocation at one stops it at the other within
// Recheck; tokens are kept by digest only; a store that fails makes
// checks Unavailable, not a sign-out.
func TestSharedTokens(t *testing.T) {
	ctx := t.Context()
	shared := &mapSessions{m: map[string]Principal{}}
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a := NewTokensWith(&TokensOptions{TTL: time.Hour, Shared: shared, Recheck: 10 * time.Second})
	b := NewTokensWith(&TokensOptions{TTL: time.Hour, Shared: shared, Recheck: 10 * time.Second})
	a.now, b.now = clock, clock

	token, issued, err := a.IssueContext(ctx, &Principal{UserName: "alice", TenantID: "t1", Roles: []string{"member"}})
	if err != nil {
		t.Fatal(err)
	}
	for digest := range shared.m {
		if digest == token {
			t.Fatal("the shared store keeps the token itself")
		}
	}
	p, err := b.Authenticate(ctx, token)
	if err != nil || p.UserName != "alice" || p.TenantID != "t1" || !p.ExpiresAt.Equal(issued.ExpiresAt) {
		t.Fatalf("at the other process: %+v, %v", p, err)
	}

	// Revoked at a: b keeps trusting what it read until Recheck, then not.
	if err := a.RevokeContext(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, token); resource.CodeOf(err) != resource.Unauthorized {
		t.Errorf("at the revoking process: %v, want Unauthorized", err)
	}
	now = now.Add(5 * time.Second)
	if _, err := b.Authenticate(ctx, token); err != nil {
		t.Errorf("within Recheck: %v, want the session read 5s ago", err)
	}
	now = now.Add(10 * time.Second)
	if _, err := b.Authenticate(ctx, token); resource.CodeOf(err) != resource.Unauthorized {
		t.Errorf("after Recheck: %v, want Unauthorized", err)
	}

	// Expiry holds at every process.
	token, _, err = b.IssueContext(ctx, &Principal{UserName: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	if _, err := a.Authenticate(ctx, token); resource.CodeOf(err) != resource.Unauthorized {
		t.Errorf("an expired token: %v, want Unauthorized", err)
	}

	// A failing store: Unavailable, for issuing and for checking what is
	// not known here.
	shared.fail = errors.New("connection refused")
	if _, _, err := a.IssueContext(ctx, &Principal{UserName: "carol"}); err == nil {
		t.Error("issuing with the store down: no error")
	}
	if _, err := b.Authenticate(ctx, "an-unknown-token"); resource.CodeOf(err) != resource.Unavailable {
		t.Errorf("checking with the store down: %v, want Unavailable", err)
	}
}

package pgstore

import (
	"testing"
	"time"

	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
)

// TestSessions: two processes' token issuers on one database accept each
// other's tokens, and a revocation at one holds at the other once it reads
// the session again.
func TestSessions(t *testing.T) {
	dsn := freshSchema(t)
	ctx := t.Context()
	var issuers []*identity.Tokens
	for range 2 {
		s, err := OpenSessions(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		issuers = append(issuers, identity.NewTokensWith(&identity.TokensOptions{Shared: s, Recheck: time.Nanosecond}))
	}
	a, b := issuers[0], issuers[1]
	token, _, err := a.IssueContext(ctx, &identity.Principal{UserName: "alice", TenantID: "t1", Roles: []string{"member"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.Authenticate(ctx, token)
	if err != nil || p.UserName != "alice" || p.TenantID != "t1" || len(p.Roles) != 1 {
		t.Fatalf("at the other replica: %+v, %v", p, err)
	}
	if err := b.RevokeContext(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, token); resource.CodeOf(err) != resource.Unauthorized {
		t.Errorf("revoked at the other replica: %v, want Unauthorized", err)
	}
	if _, err := b.Authenticate(ctx, "never-issued"); resource.CodeOf(err) != resource.Unauthorized {
		t.Errorf("an unknown token: %v, want Unauthorized", err)
	}
}

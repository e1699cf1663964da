// Package identity authenticates API callers: it checks passwords, issues
// tokens that expire, resolves a token to a Principal (user, tenant,
// roles), and throttles password guessing. The HTTP layers import it;
// providers sit behind two small interfaces, so the demo's static users and
// a real Keystone can serve the same handler.
//
// Passwords are kept only as PBKDF2-SHA256 hashes. Tokens are random,
// returned once, and kept only as SHA-256 digests, so neither a memory dump
// nor a log line holds a usable credential.
package identity

import (
	"context"
	"slices"
	"time"
)

// Roles.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// Principal is an authenticated caller.
type Principal struct {
	UserID   string
	UserName string
	// TenantID is the project the caller acts in.
	TenantID string
	Roles    []string
	// ExpiresAt is when the token that authenticated the caller expires.
	ExpiresAt time.Time
}

// IsAdmin reports whether the caller has the admin role: it sees and manages
// every tenant's resources.
func (p *Principal) IsAdmin() bool { return p != nil && slices.Contains(p.Roles, RoleAdmin) }

// Authenticator resolves a token. Errors: Unauthorized for an unknown,
// revoked or expired token; Unavailable when the provider cannot answer.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*Principal, error)
}

// PasswordChecker checks a user's password. project, when not empty, must
// be the user's project (name or ID). Errors: Unauthorized for a wrong user,
// password or project, without saying which.
type PasswordChecker interface {
	CheckPassword(ctx context.Context, user, password, project string) (*Principal, error)
}

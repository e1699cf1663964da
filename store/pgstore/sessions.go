package pgstore

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
)

// Sessions is an identity.SessionStore in the database (table sessions of
// the DSN's schema): replicas sharing it accept each other's tokens. It
// keeps token digests, never tokens, and drops expired sessions as it
// goes.
type Sessions struct {
	pool  *pgxpool.Pool
	saves atomic.Int64
}

var _ identity.SessionStore = (*Sessions)(nil)

// OpenSessions connects and makes the table if needed. Close it when done.
func OpenSessions(ctx context.Context, dsn string) (*Sessions, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, resource.Errorf(resource.Invalid, "pgstore: the DSN cannot be parsed (a postgres:// URL or key=value pairs)")
	}
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, openError(ctx, err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS sessions (
		digest     text COLLATE "C" PRIMARY KEY,
		principal  jsonb NOT NULL,
		expires_at bigint NOT NULL
	)`); err != nil {
		pool.Close()
		return nil, openError(ctx, err)
	}
	return &Sessions{pool: pool}, nil
}

// Close releases the connections.
func (s *Sessions) Close() { s.pool.Close() }

// SaveSession keeps p under digest until it expires.
func (s *Sessions) SaveSession(ctx context.Context, digest string, p *identity.Principal) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return resource.Errorf(resource.Invalid, "session: %v", err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO sessions (digest, principal, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (digest) DO UPDATE SET principal = excluded.principal, expires_at = excluded.expires_at`,
		digest, raw, p.ExpiresAt.UnixNano()); err != nil {
		return classify(ctx, err)
	}
	if s.saves.Add(1)%256 == 0 {
		// Expired sessions go, now and then, so the table stays small.
		s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, time.Now().UnixNano())
	}
	return nil
}

// LoadSession returns the live session under digest, or nil, nil.
func (s *Sessions) LoadSession(ctx context.Context, digest string) (*identity.Principal, error) {
	var raw []byte
	err := s.pool.QueryRow(ctx, `SELECT principal FROM sessions WHERE digest = $1 AND expires_at > $2`,
		digest, time.Now().UnixNano()).Scan(&raw)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, classify(ctx, err)
	}
	var p identity.Principal
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, resource.Errorf(resource.Unknown, "session: %v", err)
	}
	return &p, nil
}

// DeleteSession ends the session under digest.
func (s *Sessions) DeleteSession(ctx context.Context, digest string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE digest = $1`, digest); err != nil {
		return classify(ctx, err)
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/pgstore"
)

// isPostgres reports whether -db names a PostgreSQL database.
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// openPostgres opens the shared store. Replicas sharing it must seal
// credentials with one key and let the admin in with one password, so
// both must be given: generating either per process would lock the others
// out.
func openPostgres(ctx context.Context, dsn string, c *config, getenv func(string) string) (store.Store, error) {
	if c.secretKeyFile == "" && getenv("ORCA_SECRET_KEY") == "" {
		return nil, usagef("-db %s: give -secret-key-file or $ORCA_SECRET_KEY: every replica on the database must seal credentials with the same key", redactDSN(dsn))
	}
	if c.adminPassword == "" && getenv("ORCA_ADMIN_PASSWORD") == "" {
		return nil, usagef("-db %s: give -admin-password or $ORCA_ADMIN_PASSWORD: every replica on the database must let the admin in with the same password", redactDSN(dsn))
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := pgstore.Open(ctx, dsn, nil)
	if err != nil {
		return nil, usagef("-db %s: %v", redactDSN(dsn), err)
	}
	return s, nil
}

// redactDSN is a DSN fit for logs: no password.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	u.RawQuery = ""
	return u.String()
}

// runLeading runs o while this process leads the database's reconciler,
// and stands by while another replica does: every replica serves the
// APIs, one reconciles, and when it dies (its database session with it)
// another takes over within about a second. It returns when ctx ends.
func runLeading(ctx context.Context, dsn string, o *orca.Orchestrator, log *slog.Logger) error {
	for ctx.Err() == nil {
		log.Info("standing by: another replica may be reconciling; this one serves the APIs")
		l, err := pgstore.Lead(ctx, dsn, "reconciler", nil)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			log.Warn("cannot take the reconciler's lead; trying again", "err", err)
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
			}
			continue
		}
		log.Info("leading: this replica reconciles")
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- o.Run(runCtx) }()
		select {
		case <-l.Lost():
			log.Warn("the reconciler's lead was lost (the database session ended); standing by")
		case err := <-done:
			l.Release()
			stop()
			return err
		case <-ctx.Done():
		}
		stop()
		if err := <-done; err != nil {
			l.Release()
			return fmt.Errorf("reconciler: %w", err)
		}
		l.Release()
	}
	return nil
}

// storeLabel names the store for the banner, without secrets.
func storeLabel(db string) string {
	if isPostgres(db) {
		return redactDSN(db)
	}
	return db
}

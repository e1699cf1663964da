package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/orca-nfv/orca/resource"
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

// replicaName is this replica's lease holder name: the one given, or the
// host name and process ID, which differ between live replicas.
func replicaName(given string) string {
	if given != "" {
		return given
	}
	host, err := os.Hostname()
	if err != nil || resource.CheckID(host) != nil {
		host = "replica"
	}
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// storeLabel names the store for the banner, without secrets.
func storeLabel(db string) string {
	if isPostgres(db) {
		return redactDSN(db)
	}
	return db
}

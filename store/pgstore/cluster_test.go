package pgstore

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The tests run against a throwaway cluster that TestMain starts with
// scripts/pg (which installs PostgreSQL when missing), or against the server
// ORCA_PG_DSN names (a database the tests may create schemas in). When
// neither is possible every test is skipped, saying why; ORCA_PG_REQUIRE=1
// (for CI) fails instead.

// cluster is the server the package's tests share.
type cluster struct {
	dsn   string
	admin *pgxpool.Pool
	// dir is the throwaway cluster's directory, "" for ORCA_PG_DSN.
	dir string
}

var (
	pg         *cluster
	pgSkip     string // why there is no server, when pg is nil
	schemaSeq  atomic.Int64
	scriptPath = filepath.Join("..", "..", "scripts", "pg")
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	c, stop, err := startCluster()
	if err != nil {
		pgSkip = "PostgreSQL is not available: " + err.Error()
		if os.Getenv("ORCA_PG_REQUIRE") == "1" {
			fmt.Fprintln(os.Stderr, "pgstore tests: "+pgSkip+" (and ORCA_PG_REQUIRE=1)")
			return 1
		}
		fmt.Fprintln(os.Stderr, "pgstore tests: skipping: "+pgSkip)
		return m.Run()
	}
	defer stop()
	pg = c
	return m.Run()
}

// startCluster connects to ORCA_PG_DSN or starts a cluster with scripts/pg.
func startCluster() (*cluster, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute) // an apt install included
	defer cancel()
	c := &cluster{dsn: os.Getenv("ORCA_PG_DSN")}
	stop := func() {}
	if c.dsn == "" {
		reapStale(ctx)
		dir, err := clusterDir()
		if err != nil {
			return nil, nil, err
		}
		c.dir = dir
		out, err := runScript(ctx, "start", dir)
		if err != nil {
			os.RemoveAll(dir)
			return nil, nil, err
		}
		c.dsn = out
		stop = func() {
			if _, err := runScript(context.Background(), "stop", dir); err != nil {
				fmt.Fprintln(os.Stderr, "pgstore tests: stopping the cluster:", err)
			}
			os.RemoveAll(dir)
		}
	}
	admin, err := pgxpool.New(ctx, c.dsn)
	if err == nil {
		err = admin.Ping(ctx)
	}
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("cannot connect: %w", err)
	}
	c.admin = admin
	return c, func() { admin.Close(); stop() }, nil
}

// clusterDir makes a directory for a cluster, recording this process as
// its owner for reapStale.
func clusterDir() (string, error) {
	dir, err := os.MkdirTemp("", "orca-pg-")
	if err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o600)
}

// reapStale stops and removes the clusters of test processes that died
// without stopping theirs (killed, or timed out), so repeated runs on one
// machine do not pile up servers.
func reapStale(ctx context.Context) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "orca-pg-*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid == os.Getpid() || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue
		}
		if _, err := runScript(ctx, "stop", dir); err == nil {
			os.RemoveAll(dir)
		}
	}
}

// runScript runs scripts/pg and returns its stdout; its stderr is in the
// error.
func runScript(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, scriptPath, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("scripts/pg %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// needPG skips t when there is no server, saying why.
func needPG(tb testing.TB) *cluster {
	tb.Helper()
	if pg == nil {
		tb.Skip(pgSkip)
	}
	return pg
}

// freshSchema creates an empty schema, dropped at the end of the test, and
// returns a DSN whose search_path is it.
func freshSchema(tb testing.TB) string {
	tb.Helper()
	c := needPG(tb)
	return c.schemaIn(tb, c.admin, c.dsn)
}

func (c *cluster) schemaIn(tb testing.TB, admin *pgxpool.Pool, dsn string) string {
	tb.Helper()
	name := fmt.Sprintf("t%d_%d", os.Getpid(), schemaSeq.Add(1))
	ctx := context.Background()
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := admin.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", name, err)
		}
	})
	return withParam(tb, dsn, "search_path", name)
}

// withParam sets a connection parameter in a postgres:// DSN.
func withParam(tb testing.TB, dsn, key, value string) string {
	tb.Helper()
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatalf("the tests need a postgres:// DSN")
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// withDatabase returns dsn naming another database.
func withDatabase(tb testing.TB, dsn, db string) string {
	tb.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + db
	return u.String()
}

// password is the DSN's password, for tests that check no message shows it.
func password(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

package pgstore

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// query runs a one-value query on its own connection to dsn.
func query[T any](t *testing.T, dsn, sql string, args ...any) T {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var v T
	if err := conn.QueryRow(t.Context(), sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

// TestReopen: a second open finds the tables, migrates nothing, keeps the
// rows and revisions, and adds the indexes of kinds registered since.
func TestReopen(t *testing.T) {
	dsn := freshSchema(t)
	ctx := t.Context()
	s, err := Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	n1, err := s.Create(ctx, network("n1"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(ctx, dsn, &Options{Registry: gadgetRegistry(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	got, err := s.Get(ctx, n1.Ref)
	if err != nil || got.Revision != n1.Revision {
		t.Fatalf("after reopening: %v, %v", got, err)
	}
	n2, err := s.Create(ctx, network("n2"))
	if err != nil {
		t.Fatal(err)
	}
	if n2.Revision <= n1.Revision {
		t.Errorf("revision %d after reopening is not above %d", n2.Revision, n1.Revision)
	}
	if v := query[int64](t, dsn, `SELECT count(*) FROM schema_migrations`); v != int64(len(migrations)) {
		t.Errorf("%d migrations recorded, want %d", v, len(migrations))
	}
	if v := query[int64](t, dsn, `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1`,
		indexName("label", resource.FieldString)); v != 1 {
		t.Errorf("the gadget's label index: %d, want 1", v)
	}
}

// TestConcurrentOpen: replicas starting at once on an empty schema take
// turns migrating; every one opens.
func TestConcurrentOpen(t *testing.T) {
	dsn := freshSchema(t)
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	stores := make([]store.Store, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(t.Context(), dsn, nil)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("open %d: %v", i, errs[i])
			continue
		}
		stores[i].Close()
	}
	if v := query[int64](t, dsn, `SELECT count(*) FROM schema_migrations`); v != int64(len(migrations)) {
		t.Errorf("%d migrations recorded, want %d", v, len(migrations))
	}
}

func TestOpenRefuses(t *testing.T) {
	c := needPG(t)
	newer := freshSchema(t)
	s, err := Open(t.Context(), newer, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	conn, err := pgx.Connect(t.Context(), newer)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), `INSERT INTO schema_migrations VALUES (999, 0)`); err != nil {
		t.Fatal(err)
	}

	tests := map[string]struct {
		dsn      string
		code     resource.ErrorCode
		contains string
	}{
		"a schema newer than the code": {newer, resource.Unknown, "newer than this program knows"},
		"no such schema":               {withParam(t, c.dsn, "search_path", "no_such_schema"), resource.Unknown, "no schema"},
		"no such database":             {withDatabase(t, c.dsn, "no_such_db"), resource.Unavailable, "does not exist"},
		"a DSN that does not parse":    {"postgres://orca:hunter2@[::1:5432/x", resource.Invalid, "cannot be parsed"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := Open(t.Context(), tc.dsn, nil)
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if got := resource.CodeOf(err); got != tc.code {
				t.Errorf("code %v (%v), want %v", got, err, tc.code)
			}
			if !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("error %q does not say %q", err, tc.contains)
			}
			for _, secret := range []string{password(c.dsn), "hunter2"} {
				if secret != "" && strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows a password", err)
				}
			}
		})
	}
}

// TestCancelWhileWaiting: a writer whose context ends while it waits for
// the write lock gets the context's error (the server stops the wait), and
// the store's next write goes through.
func TestCancelWhileWaiting(t *testing.T) {
	dsn := freshSchema(t)
	stores := openN(t, dsn, 2)
	ctx := t.Context()
	holding, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock)
	done := make(chan error, 1)
	go func() {
		done <- stores[0].Txn(ctx, func(ctx context.Context, tx store.Tx) error {
			if _, err := tx.Create(ctx, network("first")); err != nil { // takes the lock
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	wctx, cancel := context.WithCancel(ctx)
	waiting := make(chan error, 1)
	go func() {
		_, err := stores[1].Create(wctx, network("n1"))
		waiting <- err
	}()
	// Cancel once the writer waits on the server for the lock (polled,
	// bounded by the test's deadline).
	wait.UntilWith(t, &wait.Options{Every: 10 * time.Millisecond, Bound: time.Minute}, "the second writer waiting for the lock", func() bool {
		return query[int64](t, dsn, `SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'advisory'`) > 0
	})
	cancel()
	if err := <-waiting; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled writer: %v, want context.Canceled", err)
	}
	unblock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := stores[1].Create(ctx, network("n1")); err != nil {
		t.Fatalf("the next write after a cancelled one: %v", err)
	}
}

package sqlitestore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/engine"
)

func network(id string) *resource.Resource {
	return &resource.Resource{Ref: resource.Ref{Kind: resource.KindNetwork, ID: id}, Tenant: "t", Name: id,
		Spec: &resource.Network{CIDR: "10.0.0.0/16"}}
}

const childEnv = "ORCA_SQLITE_CRASH_CHILD"

// TestCrashChild is not a test: TestKillMidWrite runs the test binary again
// with childEnv set, and this writes to the database in a loop, printing each
// write once it is committed, until it is killed.
func TestCrashChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("helper process for TestKillMidWrite")
	}
	path, prefix, _ := strings.Cut(spec, "|")
	s, err := Open(path, nil)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	ctx := context.Background()
	pad := strings.Repeat("x", 4000) // larger writes: more pages, more places to be killed in
	for i := 0; ; i++ {
		id := fmt.Sprintf("%s-%d", prefix, i)
		r, err := s.Create(ctx, network(id))
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(2)
		}
		fmt.Printf("ACK %s %d\n", id, r.Revision)
		r.Status = resource.Status{Phase: resource.PhaseReady, Message: pad}
		if r, err = s.Update(ctx, r); err != nil {
			fmt.Println("ERR", err)
			os.Exit(2)
		}
		fmt.Printf("ACK %s %d\n", id, r.Revision)
	}
}

// TestKillMidWrite kills a process that is writing as fast as it can, three
// times, then checks that the file is intact and holds every write the
// process reported as committed.
func TestKillMidWrite(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("in the helper process")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	acked := map[string]int64{}
	var maxRev int64
	for round, killAfter := range []int{40, 97, 151} {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute) // a safety net, not an assertion
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|r%d", childEnv, path, round))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		n := 0
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) > 0 && f[0] == "ERR" {
				t.Fatalf("child failed: %s", sc.Text())
			}
			if len(f) != 3 || f[0] != "ACK" {
				continue
			}
			rev, _ := strconv.ParseInt(f[2], 10, 64)
			acked[f[1]] = rev
			maxRev = max(maxRev, rev)
			if n++; n == killAfter {
				cmd.Process.Kill() // SIGKILL: no deferred cleanup, no Close
				break
			}
		}
		cmd.Wait()
		cancel()
		if n < killAfter {
			t.Fatalf("round %d: child stopped after %d writes", round, n)
		}
	}

	b, eo, err := openBackend(path, nil)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	s := engine.New(b, eo)
	defer s.Close()
	var check string
	if err := b.read.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	rows, err := b.read.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Error("foreign_key_check found violations")
	}
	rows.Close()
	for id, rev := range acked {
		r, err := s.Get(t.Context(), resource.Ref{Kind: resource.KindNetwork, ID: id})
		if err != nil {
			t.Fatalf("committed %s lost: %v", id, err)
		}
		if r.Revision < rev {
			t.Errorf("%s: revision %d, but revision %d was committed", id, r.Revision, rev)
		}
	}
	r, err := s.Create(t.Context(), network("after-crash"))
	if err != nil {
		t.Fatalf("write after the crashes: %v", err)
	}
	if r.Revision <= maxRev {
		t.Errorf("revision %d reused after a crash (committed up to %d)", r.Revision, maxRev)
	}
	t.Logf("%d resources written across 3 kills, all intact", len(acked))
}

func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orca.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.Create(t.Context(), network("n1"))
	if err != nil {
		t.Fatal(err)
	}
	want.Labels = map[string]string{"k": "v"}
	if want, err = s.Update(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	got, err := s.Get(t.Context(), want.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != want.Revision || got.Labels["k"] != "v" || !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("after reopen: %+v, want %+v", got, want)
	}
	next, err := s.Create(t.Context(), network("n2"))
	if err != nil {
		t.Fatal(err)
	}
	if next.Revision <= want.Revision {
		t.Errorf("revision counter restarted: %d after %d", next.Revision, want.Revision)
	}
}

func TestMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orca.db")
	b, _, err := openBackend(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Running the migrations again changes nothing.
	if err := migrate(t.Context(), b.write, time.Now); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	var n, v int
	if err := b.read.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	if n != len(migrations) || v != len(migrations) {
		t.Errorf("schema_migrations: %d rows, version %d; want %d", n, v, len(migrations))
	}
	// A database from a newer program is refused, not misread.
	if _, err := b.write.Exec(`INSERT INTO schema_migrations(version, applied_at) VALUES (?, 0)`, len(migrations)+1); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if _, err := Open(path, nil); err == nil || !strings.Contains(err.Error(), "newer than this program") {
		t.Fatalf("Open of a newer schema = %v", err)
	}
}

func TestFileModeAndPaths(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dir with spaces #and ?marks")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "orca%20.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	if _, err := s.Create(t.Context(), network("n1")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("the database is not at the path given: %v", err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("database file mode %v, want 0600", mode)
	}
	if _, err := Open(filepath.Join(dir, "missing-dir", "x.db"), nil); err == nil {
		t.Error("Open in a missing directory succeeded")
	}
}

// TestTwoStoresOneFile opens the file twice, as two processes would, and
// writes through both at once: busy_timeout must absorb the contention.
func TestTwoStoresOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	var stores []store.Store
	for range 2 {
		s, err := Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%2]
			for i := range 4 {
				if _, err := s.Create(t.Context(), network(fmt.Sprintf("w%d-%d", w, i))); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("write through a second store: %v", err)
	}
	page, err := stores[1].List(t.Context(), store.Filter{Kind: resource.KindNetwork})
	if err != nil || page.Total != 32 {
		t.Errorf("List = %v total, %v; want 32", page, err)
	}
}

// TestQueuedWriterHonoursContext holds the write connection in a transaction
// and checks that another writer waiting for it gives up when its context
// ends, instead of hanging.
func TestQueuedWriterHonoursContext(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "orca.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	inTxn, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.Txn(t.Context(), func(ctx context.Context, tx store.Tx) error {
			close(inTxn)
			<-release
			return nil
		})
	}()
	<-inTxn
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err = s.Create(ctx, network("waiting"))
	if !errors.Is(err, context.DeadlineExceeded) || resource.CodeOf(err) != resource.Unavailable {
		t.Errorf("queued Create = %v, want a deadline error with code Unavailable", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(t.Context(), network("after")); err != nil {
		t.Errorf("Create after the holder finished: %v", err)
	}
}

// TestMigrationTwoBackfillsVia upgrades a version-1 database holding owner,
// location and spec references and checks how each is recorded afterwards.
func TestMigrationTwoBackfillsVia(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	b, eo, err := openBackend(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := engine.New(b, eo)
	for _, r := range []*resource.Resource{
		{Ref: resource.Ref{Kind: resource.KindLocation, ID: "loc"}, Spec: &resource.Location{KeystoneEndpoint: "fake://loc"}},
		{Ref: resource.Ref{Kind: resource.KindImage, ID: "img"}, Tenant: "t", Spec: &resource.Image{DiskFormat: "raw", ContainerFormat: "bare"}},
		{Ref: resource.Ref{Kind: resource.KindFlavor, ID: "fl"}, Tenant: "t", Spec: &resource.Flavor{RAM: 1, VCPUs: 1}},
		network("net"),
		{Ref: resource.Ref{Kind: resource.KindServer, ID: "srv"}, Tenant: "t", Spec: &resource.Server{ImageID: "img", FlavorID: "fl", NetworkID: "net"}},
		{Ref: resource.Ref{Kind: resource.KindLocalNetwork, ID: "ln"}, Tenant: "t", Location: "loc",
			Owner: &resource.Ref{Kind: resource.KindNetwork, ID: "net"}, Spec: &resource.LocalNetwork{}},
	} {
		if _, err := s.Create(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	// Turn the file back into a version-1 database: no via column.
	for _, q := range []string{
		`CREATE TABLE refs_v1 (to_id TEXT NOT NULL REFERENCES resources(id), from_id TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE, PRIMARY KEY (to_id, from_id)) STRICT, WITHOUT ROWID`,
		`INSERT INTO refs_v1 SELECT to_id, from_id FROM refs`,
		`DROP TABLE refs`,
		`ALTER TABLE refs_v1 RENAME TO refs`,
		`CREATE INDEX refs_from ON refs(from_id)`,
		`ALTER TABLE resources DROP COLUMN placement`,
		`DELETE FROM schema_migrations WHERE version > 1`,
	} {
		if _, err := b.write.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Close()

	b, eo, err = openBackend(path, nil)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	s = engine.New(b, eo)
	defer s.Close()
	rows, err := b.read.Query(`SELECT from_id, to_id, via FROM refs ORDER BY from_id, to_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var from, to, via string
		if err := rows.Scan(&from, &to, &via); err != nil {
			t.Fatal(err)
		}
		got[from+"->"+to] = via
	}
	want := map[string]string{"ln->loc": "location", "ln->net": "owner", "srv->fl": "spec", "srv->img": "spec", "srv->net": "spec"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("refs after the upgrade = %v, want %v", got, want)
	}
	// The upgraded file behaves: the server blocks marking the network
	// deleting, its own local does not.
	n, _ := s.Get(t.Context(), resource.Ref{Kind: resource.KindNetwork, ID: "net"})
	n.Deleting = true
	if _, err := s.Update(t.Context(), n); resource.CodeOf(err) != resource.Conflict || !strings.Contains(err.Error(), "srv") {
		t.Errorf("marking the network deleting = %v, want Conflict naming only the server", err)
	}
}

package sqlitestore

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/engine"
)

// filled creates a database at path holding n networks and closes it, so
// that everything is in the main file (the last close checkpoints the WAL).
func filled(t *testing.T, path string, n int) {
	t.Helper()
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := s.Create(t.Context(), network(fmt.Sprintf("net-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOpenDamagedFile: a file that is not a database, or one cut short,
// makes Open fail with an error that names the file and says what is
// wrong, with code Unavailable, and leaves the file as it was.
func TestOpenDamagedFile(t *testing.T) {
	tests := map[string]struct {
		damage func(t *testing.T, path string)
		says   string
	}{
		"garbage": {
			damage: func(t *testing.T, path string) {
				junk := bytes.Repeat([]byte("this is not an SQLite database. "), 256)
				if err := os.WriteFile(path, junk, 0o600); err != nil {
					t.Fatal(err)
				}
			},
			says: "is not an SQLite database",
		},
		"header destroyed": {
			damage: func(t *testing.T, path string) {
				filled(t, path, 50)
				overwrite(t, path, 0, bytes.Repeat([]byte{0xff}, 100))
			},
			says: "is not an SQLite database",
		},
		"truncated to half": {
			damage: func(t *testing.T, path string) {
				filled(t, path, 300)
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Truncate(path, fi.Size()/2); err != nil {
					t.Fatal(err)
				}
			},
			says: "is damaged",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "orca.db")
			tc.damage(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Open(path, nil)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded on a damaged file")
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, tc.says) || strings.Contains(msg, "\n") {
				t.Errorf("Open = %q, want one line naming %s and saying it %s", msg, path, tc.says)
			}
			if code := resource.CodeOf(err); code != resource.Unavailable {
				t.Errorf("Open's error has code %v, want Unavailable", code)
			}
			after, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(before, after) {
				t.Errorf("the failed Open changed the file (%d bytes before, %d after, %v)", len(before), len(after), err)
			}
		})
	}
}

func overwrite(t *testing.T, path string, at int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, at); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedPagesReportedWhenRead: damage past the pages Open reads is
// not seen at Open; the first read that meets it fails clearly
// (Unavailable, "damaged"), never with a wrong answer.
func TestDamagedPagesReportedWhenRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orca.db")
	filled(t, path, 300)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	junk := make([]byte, 4*4096)
	for i := range junk {
		junk[i] = byte(i * 7)
	}
	overwrite(t, path, fi.Size()/2/4096*4096, junk)
	s, err := Open(path, nil)
	if err != nil {
		t.Fatalf("Open: %v (damage in data pages is found when they are read)", err)
	}
	defer s.Close()
	_, err = s.List(t.Context(), store.Filter{Kind: resource.KindNetwork})
	if resource.CodeOf(err) != resource.Unavailable || !strings.Contains(err.Error(), "database file is damaged") {
		t.Errorf("List over damaged pages = %v, want Unavailable saying the file is damaged", err)
	}
}

// openRaw opens the store at path and returns it with its backend, so a
// test can put the writer's connection in a fault state SQLite itself then
// reports, as it would a real disk's.
func openRaw(t *testing.T, path string) (store.Store, *backend) {
	t.Helper()
	b, eo, err := openBackend(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := engine.New(b, eo)
	t.Cleanup(func() { s.Close() })
	return s, b
}

// pragma runs a pragma on the writer's one connection (a pool of one,
// never recycled: the setting holds for every later write).
func pragma(t *testing.T, b *backend, p string) int64 {
	t.Helper()
	var v int64
	if err := b.write.QueryRowContext(t.Context(), "PRAGMA "+p).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", p, err)
	}
	return v
}

// networks returns the IDs and descriptions of the stored networks.
func networks(t *testing.T, s store.Store) map[string]string {
	t.Helper()
	page, err := s.List(t.Context(), store.Filter{Kind: resource.KindNetwork})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	out := map[string]string{}
	for _, r := range page.Items {
		out[r.ID] = r.Spec.(*resource.Network).Description
	}
	return out
}

// TestReadOnlyRefusesWrites: a database that became read-only (SQLite
// answers SQLITE_READONLY, as for a file system remounted read-only)
// refuses every kind of write with Unavailable and a message saying so,
// stores nothing of them, and still serves reads; writes work again once
// it is writable.
func TestReadOnlyRefusesWrites(t *testing.T) {
	ctx := t.Context()
	s, b := openRaw(t, filepath.Join(t.TempDir(), "orca.db"))
	for _, id := range []string{"a", "b"} {
		if _, err := s.Create(ctx, network(id)); err != nil {
			t.Fatal(err)
		}
	}
	want := networks(t, s)
	b.write.ExecContext(ctx, "PRAGMA query_only = 1") // no rows: Exec, not pragma()

	a, err := s.Get(ctx, resource.Ref{Kind: resource.KindNetwork, ID: "a"})
	if err != nil {
		t.Fatalf("Get while read-only: %v", err)
	}
	changed := *a
	changed.Spec = &resource.Network{CIDR: "10.0.0.0/16", Description: "changed"}
	writes := map[string]func() error{
		"create": func() error { _, err := s.Create(ctx, network("c")); return err },
		"update": func() error { _, err := s.Update(ctx, &changed); return err },
		"delete": func() error { return s.Delete(ctx, a.Ref, 0) },
		"txn": func() error {
			return s.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
				_, err := tx.Create(ctx, network("d"))
				return err
			})
		},
	}
	for name, write := range writes {
		err := write()
		if resource.CodeOf(err) != resource.Unavailable || !strings.Contains(fmt.Sprint(err), "read-only") {
			t.Errorf("%s while read-only = %v, want Unavailable saying the database is read-only", name, err)
		}
	}
	if diff := cmp.Diff(want, networks(t, s)); diff != "" {
		t.Errorf("networks after refused writes (-want +got):\n%s", diff)
	}

	b.write.ExecContext(ctx, "PRAGMA query_only = 0")
	if _, err := s.Create(ctx, network("c")); err != nil {
		t.Errorf("Create once writable again: %v", err)
	}
}

// TestDiskFullRefusesWrites fills the database up to a page limit (SQLite
// answers SQLITE_FULL, as for a full disk): the write that does not fit
// fails with Unavailable saying the disk is full and leaves no trace;
// everything stored before it stays readable, also after a reopen; once
// there is room again the same write succeeds.
func TestDiskFullRefusesWrites(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "orca.db")
	s, b := openRaw(t, path)
	for i := range 10 {
		if _, err := s.Create(ctx, network(fmt.Sprintf("before-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	pages := pragma(t, b, "page_count")
	if got := pragma(t, b, fmt.Sprintf("max_page_count = %d", pages+2)); got != pages+2 {
		t.Fatalf("max_page_count = %d, want %d", got, pages+2)
	}
	big := func(id string) *resource.Resource {
		r := network(id)
		r.Spec.(*resource.Network).Description = strings.Repeat("x", resource.MaxDescriptionLen)
		return r
	}
	var stored []string
	var full error
	for i := 0; full == nil && i < 1000; i++ {
		id := fmt.Sprintf("fill-%d", i)
		if _, full = s.Create(ctx, big(id)); full == nil {
			stored = append(stored, id)
		}
	}
	if full == nil {
		t.Fatal("1000 writes fitted in 2 pages: the page limit did not hold")
	}
	if resource.CodeOf(full) != resource.Unavailable || !strings.Contains(full.Error(), "disk is full") {
		t.Fatalf("the write that did not fit = %v, want Unavailable saying the disk is full", full)
	}
	refused := fmt.Sprintf("fill-%d", len(stored))
	if _, err := s.Get(ctx, resource.Ref{Kind: resource.KindNetwork, ID: refused}); resource.CodeOf(err) != resource.NotFound {
		t.Errorf("Get(%s), the refused write = %v, want NotFound", refused, err)
	}
	got := networks(t, s)
	for i := range 10 {
		if _, ok := got[fmt.Sprintf("before-%d", i)]; !ok {
			t.Errorf("before-%d is gone after the disk filled", i)
		}
	}
	for _, id := range stored {
		if got[id] != strings.Repeat("x", resource.MaxDescriptionLen) {
			t.Errorf("%s, acknowledged before the disk filled, reads back %q", id, truncate(got[id]))
		}
	}
	t.Logf("%d writes fitted, the next was refused: %v", len(stored), full)

	pragma(t, b, "max_page_count = 1073741823") // room again
	if _, err := s.Create(ctx, big(refused)); err != nil {
		t.Fatalf("the refused write once there is room: %v", err)
	}
	want := networks(t, s)
	s.Close()
	again, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if diff := cmp.Diff(want, networks(t, again)); diff != "" {
		t.Errorf("after reopening (-want +got):\n%s", diff)
	}
}

func truncate(s string) string {
	if len(s) > 20 {
		return s[:20] + "..."
	}
	return s
}

// TestOpenUnwritableFile: a database file the process may not write is
// refused at Open with an error naming it (root ignores permissions, so
// this runs for other users only).
func TestOpenUnwritableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes files whatever their mode")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "orca.db")
	filled(t, path, 5)
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(path, 0o600) })
	s, err := Open(path, nil)
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded on a file it may not write")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("Open = %q, want it to name %s and say permission denied", err, path)
	}
}

// TestRemovedFileRefusesWrites: a database file removed (or replaced)
// under the running store would take every later write with it, since
// SQLite keeps writing to the open descriptor; writes are refused with
// Unavailable instead, and so never acknowledged.
func TestRemovedFileRefusesWrites(t *testing.T) {
	for name, damage := range map[string]func(t *testing.T, path string){
		"removed": func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		},
		"replaced": func(t *testing.T, path string) {
			if err := os.Rename(path, path+".old"); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "orca.db")
			s, _ := openRaw(t, path)
			if _, err := s.Create(t.Context(), network("a")); err != nil {
				t.Fatal(err)
			}
			damage(t, path)
			_, err := s.Create(t.Context(), network("b"))
			if resource.CodeOf(err) != resource.Unavailable || !strings.Contains(fmt.Sprint(err), "removed or replaced") {
				t.Errorf("Create after the file went = %v, want Unavailable saying so", err)
			}
		})
	}
}

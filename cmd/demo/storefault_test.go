//go:build linux

package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store/sqlitestore"
)

// The store fault tests run the demo in a process of its own, the test
// binary run again with demoChildEnv holding the demo's arguments: its exit
// status and one-line error are what a user sees, and its file size limit
// can be lowered to fill "the disk" under it alone.
const demoChildEnv = "ORCA_DEMO_CHILD_ARGS"

// TestDemoChild is not a test: it is the demo's main in the child process.
func TestDemoChild(t *testing.T) {
	raw := os.Getenv(demoChildEnv)
	if raw == "" {
		t.Skip("helper process for the store fault tests")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintln(os.Stderr, "bad", demoChildEnv, err)
		os.Exit(2)
	}
	os.Args = append([]string{"demo"}, args...)
	main()
	os.Exit(0)
}

// child is a demo running in its own process.
type child struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
	done   chan error // the process's exit
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startChild runs the demo with args and, when listen is set, waits for
// its listening line. Cleanup kills it if it still runs.
func startChild(t *testing.T, listen bool, args ...string) *child {
	t.Helper()
	raw, _ := json.Marshal(append([]string{"-addr", "127.0.0.1:0", "-pbkdf2-iterations", "1000"}, args...))
	cmd := exec.Command(os.Args[0], "-test.run=^TestDemoChild$")
	home := t.TempDir()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ORCA_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, demoChildEnv+"="+string(raw), "HOME="+home, "XDG_CONFIG_HOME="+home)
	c := &child{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = c.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-c.done
	})
	listening := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if rest, ok := strings.CutPrefix(lines.Text(), "orca demo listening on "); ok {
				url, _, _ := strings.Cut(rest, " ")
				listening <- url
			}
		}
		io.Copy(io.Discard, stdout)
		c.done <- cmd.Wait()
		close(c.done)
	}()
	if !listen {
		return c
	}
	select {
	case c.url = <-listening:
	case err := <-c.done:
		t.Fatalf("the demo exited before listening: %v; stderr:\n%s", err, c.stderr)
	case <-time.After(2 * time.Minute): // a bound against hanging only
		t.Fatalf("the demo did not listen; stderr:\n%s", c.stderr)
	}
	return c
}

// wait returns the demo's exit code.
func (c *child) wait(t *testing.T) int {
	t.Helper()
	select {
	case err := <-c.done:
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return c.cmd.ProcessState.ExitCode()
	case <-time.After(2 * time.Minute):
		t.Fatalf("the demo did not exit; stderr:\n%s", c.stderr)
		return 0
	}
}

// stop stops the demo as Ctrl-C does and checks that it exits cleanly.
func (c *child) stop(t *testing.T) {
	t.Helper()
	c.cmd.Process.Signal(os.Interrupt)
	if code := c.wait(t); code != 0 {
		t.Errorf("the demo exited %d after SIGINT; stderr:\n%s", code, c.stderr)
	}
}

// TestDemoRefusesDamagedDatabase: started on a file that is not a database
// or is cut short, the demo exits non-zero at once with one line naming the
// file and what is wrong with it, and leaves the file as it was.
func TestDemoRefusesDamagedDatabase(t *testing.T) {
	tests := map[string]struct {
		damage func(t *testing.T, path string)
		says   string
	}{
		"garbage": {
			damage: func(t *testing.T, path string) {
				if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 300), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			says: "is not an SQLite database",
		},
		"truncated": {
			damage: func(t *testing.T, path string) {
				s, err := sqlitestore.Open(path, nil)
				if err != nil {
					t.Fatal(err)
				}
				for i := range 300 {
					if _, err := s.Create(t.Context(), &resource.Resource{Ref: resource.Ref{Kind: resource.KindNetwork, ID: fmt.Sprintf("n-%d", i)},
						Tenant: "t", Spec: &resource.Network{CIDR: "10.0.0.0/16"}}); err != nil {
						t.Fatal(err)
					}
				}
				s.Close()
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
			c := startChild(t, false, "-db", path, "-admin-password", "a-password-for-the-test")
			if code := c.wait(t); code == 0 {
				t.Fatalf("the demo exited 0 on a damaged database; stderr:\n%s", c.stderr)
			}
			lines := strings.Split(strings.TrimSuffix(c.stderr.String(), "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "demo: ") || !strings.Contains(lines[0], path) || !strings.Contains(lines[0], tc.says) {
				t.Errorf("stderr %q: want one line naming %s and saying it %s", lines, path, tc.says)
			}
			after, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(before, after) {
				t.Errorf("the demo changed the damaged file (%d bytes before, %d after, %v)", len(before), len(after), err)
			}
		})
	}
}

// setFileSizeLimit sets the soft RLIMIT_FSIZE of process pid (the hard
// limit stays, so the soft one can be raised back without privileges) and
// returns the limits it had. A process over its limit gets EFBIG from
// write(2), as from a full disk (the Go runtime ignores SIGXFSZ).
func setFileSizeLimit(t *testing.T, pid int, soft *uint64) syscall.Rlimit {
	t.Helper()
	var old syscall.Rlimit
	if _, _, errno := syscall.RawSyscall6(syscall.SYS_PRLIMIT64, uintptr(pid), syscall.RLIMIT_FSIZE,
		0, uintptr(unsafe.Pointer(&old)), 0, 0); errno != 0 {
		t.Fatalf("prlimit: %v", errno)
	}
	if soft != nil {
		lim := syscall.Rlimit{Cur: *soft, Max: old.Max}
		if _, _, errno := syscall.RawSyscall6(syscall.SYS_PRLIMIT64, uintptr(pid), syscall.RLIMIT_FSIZE,
			uintptr(unsafe.Pointer(&lim)), 0, 0, 0); errno != 0 {
			t.Fatalf("prlimit: %v", errno)
		}
	}
	return old
}

// checkpoint moves the demo's WAL into the database file and empties it,
// from a connection of the test's own: the next commit must then grow the
// WAL, which a file size limit of 0 forbids.
func checkpoint(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The demo's connections may hold the WAL a moment: try until they
	// let go (a process's database/sql, so no synctest here).
	wait.UntilWith(t, &wait.Options{Every: 100 * time.Millisecond, Bound: 30 * time.Second}, "the WAL checkpointed", func() bool {
		var busy, log, done int
		if err := db.QueryRowContext(t.Context(), "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &log, &done); err != nil {
			t.Fatal(err)
		}
		return busy == 0
	})
}

// TestDemoRefusesWritesWhenDiskFull: when the demo's database can no longer
// grow, a create answers 503 with a JSON body saying nothing was stored,
// and it is not stored; reads go on; once there is room writes succeed
// again; and a restart shows exactly what was acknowledged.
func TestDemoRefusesWritesWhenDiskFull(t *testing.T) {
	const pw = "a-password-for-the-test"
	path := filepath.Join(t.TempDir(), "orca.db")
	c := startChild(t, true, "-db", path, "-admin-password", pw, "-fake-locations", "1")
	d := &demo{url: c.url}
	tok := login(t, d, pw)
	post := func(id string) (int, string, map[string]any) {
		code, h, body := call(t, "POST", d.url+"/v1.0/tenant/networks", tok,
			`{"network":{"id":"`+id+`","name":"`+id+`","cidr":"10.0.0.0/16","local_prefix_len":24}}`)
		return code, h.Get("Retry-After"), body
	}
	get := func(d *demo, id string) int {
		code, _, _ := call(t, "GET", d.url+"/v1.0/tenant/networks/"+id, tok, "")
		return code
	}
	if code, _, body := post("net-before"); code != 201 {
		t.Fatalf("create before the fault: %d %v", code, body)
	}

	checkpoint(t, path)
	zero := uint64(0)
	old := setFileSizeLimit(t, c.cmd.Process.Pid, &zero)
	code, retry, body := post("net-refused")
	raw, _ := json.Marshal(body)
	if code != 503 || retry == "" || !strings.Contains(string(raw), "nothing was stored") {
		t.Errorf("create with the disk full: %d, Retry-After %q, body %s; want 503, Retry-After and a body saying nothing was stored", code, retry, raw)
	}
	t.Logf("with the disk full: %d %s", code, raw)
	if code := get(d, "net-before"); code != 200 {
		t.Errorf("GET of a stored network with the disk full: %d, want 200", code)
	}
	if code := get(d, "net-refused"); code != 404 {
		t.Errorf("GET of the refused network: %d, want 404", code)
	}

	setFileSizeLimit(t, c.cmd.Process.Pid, &old.Cur)
	if code, _, body := post("net-after"); code != 201 {
		t.Errorf("create once there is room again: %d %v", code, body)
	}
	c.stop(t)

	again := startChild(t, true, "-db", path, "-admin-password", pw, "-fake-locations", "1")
	d2 := &demo{url: again.url}
	tok = login(t, d2, pw)
	got := map[string]int{}
	for _, id := range []string{"net-before", "net-refused", "net-after"} {
		got[id] = get(d2, id)
	}
	want := map[string]int{"net-before": 200, "net-refused": 404, "net-after": 200}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GET status after a restart: what was acknowledged, and only that (-want +got):\n%s", diff)
	}
	again.stop(t)
}

package loadtest

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestLoad builds the demo, starts it on a SQLite file with two fake
// locations, and runs a load on every surface while a convergence runs:
// no request may answer 5xx or go unanswered, no read may miss a write
// acknowledged before it, no well-formed write may be refused, and every
// acknowledged write must read back afterwards. It is the short variant
// (8 clients for 5 s); LOAD_CLIENTS, LOAD_DURATION and LOAD_BACKGROUND set
// a longer one, and LOAD_REPORT a file to write the report to
// (scripts/load).
func TestLoad(t *testing.T) {
	opts := &Options{Clients: envInt(t, "LOAD_CLIENTS"), Background: envInt(t, "LOAD_BACKGROUND")}
	if v := os.Getenv("LOAD_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("LOAD_DURATION: %v", err)
		}
		opts.Duration = d
	}
	if opts.Background == 0 {
		opts.Background = 100 // the short variant's convergence
	}
	dir := t.TempDir()
	bin, err := BuildDemo(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	args, err := DemoArgs(dir, opts.withDefaults().Clients)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // a guard against a demo that never listens
	defer cancel()
	d, err := StartDemo(ctx, DemoOptions{Bin: bin, Args: args, Env: DemoEnv(dir)})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			d.Stop()
		}
	})

	rep, err := Run(t.Context(), d.URL, opts)
	if err != nil {
		t.Fatalf("%v\ndemo log:\n%s", err, d.Logs())
	}
	if path := os.Getenv("LOAD_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(rep.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
	t.Logf("\n%s", rep)

	stopped = true
	if err := d.Stop(); err != nil {
		t.Errorf("the demo did not stop cleanly: %v", err)
	}
	if line := d.PanicLine(); line != "" {
		t.Errorf("the demo's log tells of a panic: %s", line)
	}
	if !rep.OK() {
		logs := d.Logs()
		t.Errorf("the load found problems (report above); the end of the demo's log:\n%s", logs[max(0, len(logs)-20000):])
	}
	// The load did what it claims: every surface was read and written,
	// and writes were acknowledged on each.
	for _, s := range surfaces {
		if f := rep.Surfaces[s]; f.Requests == 0 || f.Acked == 0 {
			t.Errorf("%s: %+v, want requests and acknowledged writes", s, f)
		}
	}
	if rep.Verdict.Writes == 0 || rep.Verdict.Checked == 0 || rep.Verdict.Deleted == 0 {
		t.Errorf("nothing to read back: %+v", rep.Verdict)
	}
}

func envInt(t *testing.T, name string) int {
	v := os.Getenv(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: a positive integer", name, v)
	}
	return n
}

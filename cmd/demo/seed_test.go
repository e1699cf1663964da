package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/memstore"
)

// seedBubble is an orchestrator over memstore with n fake locations, run
// inside a synctest bubble until the test ends.
type seedBubble struct {
	o     *orca.Orchestrator
	fakes *fake.Factory
}

func newSeedBubble(t *testing.T, n int) *seedBubble {
	t.Helper()
	f := fake.NewFactory(&fake.Options{BuildTime: 2 * time.Second})
	o := orca.New(memstore.New(nil), &orca.Options{Drivers: f, PollInterval: time.Second, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		o.Close()
	})
	if err := ensureLocations(t.Context(), o, n); err != nil {
		t.Fatal(err)
	}
	return &seedBubble{o: o, fakes: f}
}

// lines splits what the console wrote.
func lines(b *bytes.Buffer) []string {
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

// TestSeedExampleConverges: on fake locations (virtual time), the example
// data is created, its progress is reported, and the last line is the
// summary; a second run on the same store creates nothing and says so.
func TestSeedExampleConverges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newSeedBubble(t, 2)
		var out bytes.Buffer
		seedExample(t.Context(), b.o, newConsole(&out), seedOptions{})
		got := lines(&out)
		// Nothing is Ready before the fakes' 2s build time, so the first
		// progress line is exact; later ones depend on which worker
		// wins a race at one instant.
		want := []string{
			"example data in tenant demo: 11 created, 0 already there",
			"converging example data: 0/12 copies Ready, 0 failed (loc-1 0/6, loc-2 0/6)",
		}
		if diff := cmp.Diff(want, got[:min(2, len(got))]); diff != "" {
			t.Errorf("first lines (-want +got):\n%s", diff)
		}
		summary := regexp.MustCompile(`^example data converged in [0-9.]+m?s: 12/12 copies Ready, 0 failed \(loc-1 6/6, loc-2 6/6\)$`)
		if last := got[len(got)-1]; !summary.MatchString(last) {
			t.Errorf("last line %q, want the summary", last)
		}
		for _, l := range got[2 : len(got)-1] {
			if !strings.HasPrefix(l, "converging example data: ") {
				t.Errorf("line %q between the progress lines", l)
			}
		}

		// What it made: in tenant demo, a server at each location.
		page, err := b.o.List(t.Context(), store.Filter{Tenant: exampleTenant})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[resource.Kind]int{}
		for _, r := range page.Items {
			if r.Kind != resource.KindEvent { // phase changes: as many as there were
				kinds[r.Kind]++
			}
		}
		wantKinds := map[resource.Kind]int{
			resource.KindNetwork: 2, resource.KindSecurityGroup: 1, resource.KindSecurityGroupRule: 3, resource.KindImage: 1, resource.KindFlavor: 1, resource.KindServer: 2,
			resource.KindLocalNetwork: 4, resource.KindLocalSecurityGroup: 2, resource.KindLocalImage: 2, resource.KindLocalFlavor: 2, resource.KindLocalServer: 2,
		}
		if diff := cmp.Diff(wantKinds, kinds); diff != "" {
			t.Errorf("resources of tenant demo by kind (-want +got):\n%s", diff)
		}
		for _, loc := range []string{"loc-1", "loc-2"} {
			servers := b.fakes.VIM(loc).Objects(resource.KindServer)
			if len(servers) != 1 {
				t.Errorf("%s holds %d servers, want its own one", loc, len(servers))
			}
		}

		// Again on the same store: nothing new, and at once the summary.
		out.Reset()
		seedExample(t.Context(), b.o, newConsole(&out), seedOptions{})
		got = lines(&out)
		if len(got) != 2 || got[0] != "example data in tenant demo: 0 created, 11 already there" || !summary.MatchString(got[1]) {
			t.Errorf("second run printed %q, want nothing created and the summary", got)
		}
	})
}

// TestSeedExampleReportsFailures: a copy the VIM breaks while building
// ends the progress with a summary naming it and what the VIM said.
func TestSeedExampleReportsFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newSeedBubble(t, 2)
		var out bytes.Buffer
		done := make(chan struct{})
		go func() {
			defer close(done)
			seedExample(t.Context(), b.o, newConsole(&out), seedOptions{})
		}()
		time.Sleep(time.Second) // everything but the servers is building
		page, err := b.o.List(t.Context(), store.Filter{Kind: resource.KindLocalNetwork, Location: "loc-2",
			Owner: &resource.Ref{Kind: resource.KindNetwork, ID: "demo-data"}})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("demo-data's copy at loc-2: %v, %v", page, err)
		}
		if err := b.fakes.VIM("loc-2").Break(page.Items[0].ID, "no more VLANs"); err != nil {
			t.Fatal(err)
		}
		<-done
		got := lines(&out)
		want := regexp.MustCompile(`^example data settled in [0-9.]+m?s: 11/12 copies Ready, 1 failed \(loc-1 6/6, loc-2 5/6\); demo-data at loc-2: .*no more VLANs$`)
		if last := got[len(got)-1]; !want.MatchString(last) {
			t.Errorf("last line %q, want a summary naming the failed copy", last)
		}
	})
}

// TestSeedExampleStopsWatching: with a location down the copies there
// never converge; the progress gives up after the stall time with a
// summary saying where it stands, and at shutdown it says so too.
func TestSeedExampleStopsWatching(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newSeedBubble(t, 3)
		b.fakes.VIM("loc-3").Down(false)
		var out bytes.Buffer
		start := time.Now()
		seedExample(t.Context(), b.o, newConsole(&out), seedOptions{stall: time.Minute})
		got := lines(&out)
		want := "example data not converged, no change for 1m0s: 12/18 copies Ready, 0 failed (loc-1 6/6, loc-2 6/6, loc-3 0/6) (GET /v1.0/events tells why)"
		if last := got[len(got)-1]; last != want {
			t.Errorf("last line %q, want %q", last, want)
		}
		if waited := time.Since(start); waited < time.Minute {
			t.Errorf("gave up after %v, before the stall time", waited)
		}

		out.Reset()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			seedExample(ctx, b.o, newConsole(&out), seedOptions{})
		}()
		time.Sleep(10 * time.Second)
		cancel()
		<-done
		got = lines(&out)
		want = "example data not converged at shutdown: 12/18 copies Ready, 0 failed (loc-1 6/6, loc-2 6/6, loc-3 0/6)"
		if last := got[len(got)-1]; last != want {
			t.Errorf("last line %q, want %q", last, want)
		}
	})
}

// TestConsole: on a terminal, progress is redrawn in place and log
// records go above it; elsewhere each is a line.
func TestConsole(t *testing.T) {
	tests := map[string]struct {
		tty  bool
		want string
	}{
		"terminal": {tty: true, want: "\r\033[K1/2" + "\r\033[Klog A\n1/2" + "\r\033[K2/2" + "\r\033[Kdone\n" + "log B\n"},
		"pipe":     {tty: false, want: "1/2\n" + "log A\n" + "2/2\n" + "done\n" + "log B\n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			c := &console{w: &buf, tty: tc.tty}
			c.progress("1/2")
			c.Write([]byte("log A\n"))
			c.progress("2/2")
			c.done("done")
			c.Write([]byte("log B\n"))
			if diff := cmp.Diff(tc.want, buf.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	var buf bytes.Buffer
	if newConsole(&buf).tty {
		t.Error("a buffer taken for a terminal")
	}
}

// TestDemoSeedExample: -seed-example on the demo itself (SQLite, fake
// locations): the server answers while the data converges, the progress on
// stderr ends with the summary, and a restart on the same -db creates
// nothing again.
func TestDemoSeedExample(t *testing.T) {
	db := filepath.Join(t.TempDir(), "orca.db")
	args := []string{"-db", db, "-seed-example", "-admin-password", "pw", "-fake-build-time", "50ms", "-poll-interval", "20ms", "-log-level", "warn"}
	summary := regexp.MustCompile(`(?m)^example data converged in [0-9.]+m?s: 12/12 copies Ready, 0 failed \(loc-1 6/6, loc-2 6/6\)$`)
	for i, created := range []string{"11 created, 0 already there", "0 created, 11 already there"} {
		d := start(t, args, nil)
		wait.UntilWith(t, &wait.Options{Every: 20 * time.Millisecond}, "the summary", func() bool { return summary.MatchString(d.stderr.String()) })
		stderr := d.stderr.String()
		if !strings.Contains(stderr, "example data in tenant demo: "+created+"\n") {
			t.Errorf("start %d: stderr does not say %q:\n%s", i+1, created, stderr)
		}
		progress := progressLines(stderr)
		if last := progress[len(progress)-1]; !summary.MatchString(last) {
			t.Errorf("start %d: the progress ends with %q, not the summary", i+1, last)
		}
		tok := login(t, d, "pw")
		_, _, body := call(t, "GET", d.url+"/v1.0/servers?tenant_id=demo", tok, "")
		if n := len(body["servers"].([]any)); n != 2 {
			t.Errorf("start %d: %d servers in tenant demo, want one per location", i+1, n)
		}
		if err := d.stop(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDemoServesWhileSeeding: with fakes that take an hour to build, the
// server answers at once with the example data in place, the progress says
// nothing is Ready yet, and at shutdown the summary says it did not
// converge.
func TestDemoServesWhileSeeding(t *testing.T) {
	d := start(t, []string{"-db", "memory", "-seed-example", "-admin-password", "pw", "-fake-build-time", "1h", "-log-level", "warn"}, nil)
	converging := "converging example data: 0/12 copies Ready, 0 failed (loc-1 0/6, loc-2 0/6)"
	wait.Until(t, "the first progress line", func() bool { return strings.Contains(d.stderr.String(), converging) })
	tok := login(t, d, "pw")
	code, _, body := call(t, "GET", d.url+"/v1.0/tenant/networks/demo-mgmt", tok, "")
	if code != 200 {
		t.Fatalf("GET demo-mgmt while converging: %d %v", code, body)
	}
	if phase := body["network"].(map[string]any)["orca"].(map[string]any)["status"].(map[string]any)["phase"]; phase == "Ready" {
		t.Errorf("demo-mgmt is %v with fakes that build for an hour", phase)
	}
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	want := "example data not converged at shutdown: 0/12 copies Ready, 0 failed (loc-1 0/6, loc-2 0/6)"
	if got := progressLines(d.stderr.String()); got[len(got)-1] != want {
		t.Errorf("the progress ends with %q, want %q", got[len(got)-1], want)
	}
}

// progressLines are the lines of stderr about the example data (the logs
// aside).
func progressLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		if strings.Contains(l, "example data") {
			out = append(out, l)
		}
	}
	return out
}

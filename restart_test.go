package orca_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/sqlitestore"
)

// TestRestartOnSQLiteMidConvergence stops an orchestrator while it is
// creating objects (some created, none ready: the fake VIMs hold every build
// until stepped), then runs a new orchestrator on the reopened SQLite file
// and checks that everything converges with exactly one VIM object per copy.
func TestRestartOnSQLiteMidConvergence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orca.db")
	f := fake.NewFactory(&fake.Options{Manual: true, Latency: 2 * time.Millisecond})
	opts := func() *orca.Options {
		return &orca.Options{Drivers: f, Logger: slog.New(slog.DiscardHandler), Workers: 4, LocationConcurrency: 1,
			PollInterval: 5 * time.Millisecond, RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond}
	}
	start := func(s store.Store) (*orca.Orchestrator, func()) {
		o := orca.New(s, opts())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- o.Run(ctx) }()
		return o, func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			o.Close()
		}
	}
	locs := []string{"loc-1", "loc-2", "loc-3"}
	const nets = 12
	ctx := context.Background()

	s1, err := sqlitestore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	o1, stop1 := start(s1)
	for _, l := range locs {
		if _, err := o1.Apply(ctx, &resource.Resource{Ref: ref(resource.KindLocation, l), Spec: &resource.Location{KeystoneEndpoint: "fake://" + l}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range nets {
		if _, err := o1.Apply(ctx, network(fmt.Sprintf("net-%d", i), "10.0.0.0/16", 24)); err != nil {
			t.Fatal(err)
		}
	}
	created := func() int {
		n := 0
		for _, l := range locs {
			n += len(f.VIM(l).Objects(resource.KindNetwork))
		}
		return n
	}
	wait.Until(t, "some objects created", func() bool { return created() >= 3 })
	stop1()
	s1.Close()
	if c := created(); c >= nets*len(locs) {
		t.Fatalf("everything (%d) was created before the stop; the test did not stop mid-way", c)
	}

	s2, err := sqlitestore.Open(path, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	_, stop2 := start(s2)
	defer stop2()
	wait.Until(t, "every network ready", func() bool {
		for _, l := range locs {
			f.VIM(l).Step() // the VIMs finish what they were building
		}
		page, err := s2.List(ctx, store.Filter{Kind: resource.KindNetwork, Phase: resource.PhaseReady})
		return err == nil && page.Total == nets
	})
	locals, err := s2.List(ctx, store.Filter{Kind: resource.KindLocalNetwork})
	if err != nil {
		t.Fatal(err)
	}
	if locals.Total != nets*len(locs) {
		t.Errorf("%d local networks, want %d", locals.Total, nets*len(locs))
	}
	byTag := map[string]string{}
	for _, l := range locs {
		for _, obj := range f.VIM(l).Objects(resource.KindNetwork) {
			if _, dup := byTag[obj.OrcaID]; dup {
				t.Errorf("two VIM objects carry tag %s", obj.OrcaID)
			}
			byTag[obj.OrcaID] = obj.ExternalID
		}
	}
	for _, l := range locals.Items {
		if ext, ok := byTag[l.ID]; !ok || ext != l.Status.ExternalID || l.Status.Phase != resource.PhaseReady {
			t.Errorf("copy %s at %s: status %s %q, VIM %q", l.ID, l.Location, l.Status.Phase, l.Status.ExternalID, ext)
		}
	}
	if len(byTag) != nets*len(locs) {
		t.Errorf("%d VIM objects, want %d", len(byTag), nets*len(locs))
	}
}

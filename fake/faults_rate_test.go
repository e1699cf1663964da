package fake_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

func TestHangRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := fake.New(&fake.Options{Seed: 3})
		v.HangRate(fake.OpObserve, 0.5)
		hung := 0
		for range 200 {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			start := time.Now()
			_, err := v.Observe(ctx, network("n1"))
			cancel()
			if err != nil {
				if !errors.Is(err, context.DeadlineExceeded) || resource.CodeOf(err) != resource.Unavailable {
					t.Fatalf("hung Observe = %v, want Unavailable wrapping the deadline", err)
				}
				if d := time.Since(start); d != time.Minute {
					t.Fatalf("hung for %v, want until the deadline (1m)", d)
				}
				hung++
			}
		}
		if hung < 50 || hung > 150 {
			t.Errorf("%d of 200 calls hung at p=0.5", hung)
		}
		if got := v.Faults(); got != (fake.FaultCounts{Hangs: hung}) {
			t.Errorf("Faults() = %+v, want %d hangs", got, hung)
		}
		if _, err := v.Create(t.Context(), network("n2")); err != nil {
			t.Errorf("a create hung or failed with only observes hanging: %v", err)
		}
		v.HangRate(fake.OpObserve, 0)
		for range 50 {
			if _, err := v.Observe(t.Context(), network("n1")); err != nil {
				t.Fatalf("after HangRate(0): %v", err)
			}
		}
	})
}

// TestLoseCreateRate: a drawn loss commits the object and answers
// Unavailable; the retry adopts it; a Create that adopts never loses, and
// a loss not used by its Create does not leak into a later one.
func TestLoseCreateRate(t *testing.T) {
	v := fake.New(&fake.Options{Seed: 11})
	v.LoseCreateRate(0.5)
	lost := 0
	const n = 200
	for i := range n {
		o := network(fmt.Sprintf("n%d", i))
		_, err := v.Create(t.Context(), o)
		if err != nil {
			if resource.CodeOf(err) != resource.Unavailable {
				t.Fatalf("lost create = %v, want Unavailable", err)
			}
			lost++
		}
		// The object exists either way, and every retry adopts it
		// with its response intact, whatever the rate draws.
		for range 3 {
			ext, err := v.Create(t.Context(), o)
			if err != nil || ext == "" {
				t.Fatalf("retry of %s = %q, %v; want adoption", o.Ref.ID, ext, err)
			}
		}
	}
	if lost < 50 || lost > 150 {
		t.Errorf("%d of %d creates lost their response at p=0.5", lost, n)
	}
	if objs := len(v.Objects(resource.KindNetwork)); objs != n {
		t.Errorf("the VIM holds %d networks, want %d: one per tag", objs, n)
	}
	if got := v.Faults(); got != (fake.FaultCounts{LostCreates: lost}) {
		t.Errorf("Faults() = %+v, want %d lost creates", got, lost)
	}

	// A Create that fails before committing (an invalid spec) leaves no
	// loss pending for the next one.
	v.LoseCreateRate(1)
	bad := network("bad")
	bad.Spec = &resource.Network{CIDR: "not a cidr"}
	if _, err := v.Create(t.Context(), bad); resource.CodeOf(err) != resource.Invalid {
		t.Fatalf("invalid create = %v", err)
	}
	v.LoseCreateRate(0)
	if _, err := v.Create(t.Context(), network("after")); err != nil {
		t.Errorf("a loss drawn for a failed create leaked into the next: %v", err)
	}
	if got := v.Faults().LostCreates; got != lost {
		t.Errorf("LostCreates = %d after a create that committed nothing, want %d", got, lost)
	}
}

func TestLoseCreateRateWithCountedLosses(t *testing.T) {
	v := fake.New(nil)
	v.LoseCreateResponses(2)
	v.LoseCreateRate(1)
	for i := range 3 {
		if _, err := v.Create(t.Context(), network(fmt.Sprintf("n%d", i))); resource.CodeOf(err) != resource.Unavailable {
			t.Fatalf("create %d = %v, want a lost response", i, err)
		}
	}
	v.LoseCreateRate(0)
	// The rate's draws add to the counted losses, never use them up:
	// both are still due.
	for i := 3; i < 5; i++ {
		if _, err := v.Create(t.Context(), network(fmt.Sprintf("n%d", i))); resource.CodeOf(err) != resource.Unavailable {
			t.Fatalf("create %d = %v, want a counted lost response", i, err)
		}
	}
	if _, err := v.Create(t.Context(), network("n5")); err != nil {
		t.Fatalf("create after every loss was used: %v", err)
	}
	if got := v.Faults().LostCreates; got != 5 {
		t.Errorf("LostCreates = %d, want 5", got)
	}
	if n := len(v.Objects(resource.KindNetwork)); n != 6 {
		t.Errorf("%d networks, want the 6 created", n)
	}
}

func TestDown(t *testing.T) {
	for _, hang := range []bool{false, true} {
		t.Run(fmt.Sprintf("hang=%v", hang), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				v := fake.New(&fake.Options{BuildTime: time.Minute})
				before := network("before")
				mustCreate(t, v, before)
				v.Down(hang)
				calls := map[string]func(ctx context.Context) error{
					"observe": func(ctx context.Context) error { _, err := v.Observe(ctx, before); return err },
					"create":  func(ctx context.Context) error { _, err := v.Create(ctx, network("during")); return err },
					"delete":  func(ctx context.Context) error { return v.Delete(ctx, before) },
					"ping":    func(ctx context.Context) error { return v.Ping(ctx) },
				}
				for name, call := range calls {
					ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
					start := time.Now()
					err := call(ctx)
					cancel()
					if resource.CodeOf(err) != resource.Unavailable {
						t.Errorf("%s while down = %v, want Unavailable", name, err)
					}
					want := time.Duration(0)
					if hang {
						want = 10 * time.Second
					}
					if d := time.Since(start); d != want {
						t.Errorf("%s while down took %v, want %v", name, d, want)
					}
				}
				if got := v.Faults(); got != (fake.FaultCounts{Unreachable: len(calls)}) {
					t.Errorf("Faults() = %+v, want %d unreachable calls", got, len(calls))
				}
				time.Sleep(time.Minute) // the build goes on meanwhile
				v.Up()
				obs := observe(t, v, before)
				var names []string
				for _, o := range v.Objects("") {
					names = append(names, o.OrcaID)
				}
				if diff := cmp.Diff([]string{"before"}, names); diff != "" {
					t.Errorf("objects after the outage (-want +got):\n%s", diff)
				}
				if !obs.Exists || obs.State != vim.StateReady {
					t.Errorf("after Up: %+v, want the object built meanwhile", obs)
				}
			})
		})
	}
}

func TestClearFaultsKeepsCounts(t *testing.T) {
	v := fake.New(nil)
	v.FailNext(fake.OpCreate, 1, resource.Unknown)
	v.Create(t.Context(), network("n1"))
	v.Down(false)
	v.LoseCreateRate(1)
	v.HangRate(fake.OpAny, 1)
	v.ClearFaults()
	if _, err := v.Create(t.Context(), network("n1")); err != nil {
		t.Errorf("Create after ClearFaults (down, rates set): %v", err)
	}
	if got, want := v.Faults(), (fake.FaultCounts{Errors: 1}); got != want {
		t.Errorf("Faults() after ClearFaults = %+v, want %+v", got, want)
	}
}

func TestFaultCountsAdd(t *testing.T) {
	a := fake.FaultCounts{Errors: 1, Hangs: 2, LostCreates: 3, Unreachable: 4}
	got := a.Add(fake.FaultCounts{Errors: 10, Hangs: 20, LostCreates: 30, Unreachable: 40})
	if diff := cmp.Diff(fake.FaultCounts{Errors: 11, Hangs: 22, LostCreates: 33, Unreachable: 44}, got); diff != "" {
		t.Errorf("Add (-want +got):\n%s", diff)
	}
}

package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store/memstore"
)

// world is what a test of the Onboarder needs: orca over an in-memory
// store, driving a fake VIM per location. Call it inside a synctest
// bubble: the fakes' build times, orca's retries and the Onboarder's
// polling then run on virtual time.
type world struct {
	o    *orca.Orchestrator
	vims *fake.Factory
}

func newWorld(t *testing.T, opts fake.Options, locations ...string) *world {
	t.Helper()
	vims := fake.NewFactory(&opts)
	o := orca.New(memstore.New(nil), &orca.Options{Drivers: vims, CallTimeout: 10 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		o.Close()
	})
	for _, id := range locations {
		if _, err := o.Create(t.Context(), &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: id},
			Spec: &resource.Location{KeystoneEndpoint: "fake://" + id}}); err != nil {
			t.Fatal(err)
		}
	}
	return &world{o: o, vims: vims}
}

// brief is what a test checks of a Site: the message only as a fragment.
type brief struct {
	Location string
	Phase    resource.Phase
	Subnet   string
	Retries  int
}

func briefs(sites []Site) []brief {
	var out []brief
	for _, s := range sites {
		out = append(out, brief{s.Location, s.Phase, s.Subnet, s.Retries})
	}
	return out
}

func TestOnboard(t *testing.T) {
	ready := func(loc, subnet string, retries int) brief {
		return brief{Location: loc, Phase: resource.PhaseReady, Subnet: subnet, Retries: retries}
	}
	tests := map[string]struct {
		fake    fake.Options
		retries int
		faults  func(vims *fake.Factory)
		want    []brief
		// wantErr, when set, is a fragment of a not-Ready site's message;
		// wantCause the NotReadyError's cause (nil: failed for good).
		wantErr   string
		wantCause error
	}{
		"every location healthy": {
			want: []brief{ready("east", "10.7.0.0/24", 0), ready("west", "10.7.1.0/24", 0)},
		},
		"a VIM unavailable a while: orca retries, no duplicate": {
			faults: func(v *fake.Factory) { v.VIM("west").FailNext(fake.OpCreate, 3, resource.Unavailable) },
			want:   []brief{ready("east", "10.7.0.0/24", 0), ready("west", "10.7.1.0/24", 0)},
		},
		"a create's answer lost: orca adopts what was made": {
			faults: func(v *fake.Factory) { v.VIM("east").LoseCreateResponses(1) },
			want:   []brief{ready("east", "10.7.0.0/24", 0), ready("west", "10.7.1.0/24", 0)},
		},
		"a call that hangs: cut at orca's call timeout, then retried": {
			faults: func(v *fake.Factory) { v.VIM("east").HangNext(fake.OpCreate, 1) },
			want:   []brief{ready("east", "10.7.0.0/24", 0), ready("west", "10.7.1.0/24", 0)},
		},
		"slow VIMs": {
			fake: fake.Options{BuildTime: 20 * time.Second, Latency: 3 * time.Second},
			want: []brief{ready("east", "10.7.0.0/24", 0), ready("west", "10.7.1.0/24", 0)},
		},
		"refused once for good: the Onboarder pulls, and it works": {
			faults: func(v *fake.Factory) { v.VIM("west").FailNext(fake.OpCreate, 1, resource.Forbidden) },
			want:   []brief{ready("east", "10.7.0.0/24", 0), ready("west", "10.7.1.0/24", 1)},
		},
		"refused past the retries: reported, without waiting for the timeout": {
			retries: 2,
			faults:  func(v *fake.Factory) { v.VIM("west").FailNext(fake.OpCreate, 10, resource.Forbidden) },
			want:    []brief{ready("east", "10.7.0.0/24", 0), {Location: "west", Phase: resource.PhaseFailed, Subnet: "10.7.1.0/24", Retries: 2}},
			wantErr: "injected Forbidden",
		},
		"a location down: reported at the timeout": {
			faults:    func(v *fake.Factory) { v.VIM("west").Down(false) },
			want:      []brief{ready("east", "10.7.0.0/24", 0), {Location: "west", Phase: resource.PhasePending, Subnet: "10.7.1.0/24"}},
			wantErr:   "unreachable",
			wantCause: context.DeadlineExceeded,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				opts := tc.fake
				if opts.BuildTime == 0 {
					opts.BuildTime = 2 * time.Second
				}
				w := newWorld(t, opts, "east", "west")
				if tc.faults != nil {
					tc.faults(w.vims)
				}
				ob := &Onboarder{Orca: w.o, Timeout: 5 * time.Minute, Retries: tc.retries}
				start := time.Now()
				sites, err := ob.Onboard(t.Context(), Request{Tenant: "acme", CIDR: "10.7.0.0/16"})
				waited := time.Since(start)

				got := briefs(sites)
				if tc.wantErr != "" && len(got) == 2 && got[1].Phase != resource.PhaseFailed {
					got[1].Phase = resource.PhasePending // still trying: Pending or Provisioning
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("sites (-want +got):\n%s", diff)
				}
				var nr *NotReadyError
				switch {
				case tc.wantErr == "" && err != nil:
					t.Fatalf("Onboard: %v", err)
				case tc.wantErr != "" && !errors.As(err, &nr):
					t.Fatalf("Onboard: %v, want a *NotReadyError", err)
				case tc.wantErr != "":
					if len(nr.Sites) != 1 || nr.Sites[0].Location != "west" || !strings.Contains(nr.Sites[0].Message, tc.wantErr) {
						t.Errorf("not ready: %+v, want west saying %q", nr.Sites, tc.wantErr)
					}
					if !errors.Is(nr.Cause, tc.wantCause) || (tc.wantCause == nil && nr.Cause != nil) {
						t.Errorf("cause %v, want %v", nr.Cause, tc.wantCause)
					}
					// Virtual time is exact: the timeout is honoured to the
					// instant, and a failure past the retries is reported
					// before it.
					if tc.wantCause != nil && waited != ob.Timeout {
						t.Errorf("gave up after %v, want the timeout %v", waited, ob.Timeout)
					}
					if tc.wantCause == nil && waited >= ob.Timeout {
						t.Errorf("a failure past the retries took the whole timeout (%v)", waited)
					}
				}
				// Whatever the faults, one network per location that has
				// one, never two.
				for _, loc := range []string{"east", "west"} {
					if n := len(w.vims.VIM(loc).Objects(resource.KindNetwork)); n > 1 {
						t.Errorf("%s's VIM holds %d networks for one copy", loc, n)
					}
				}
			})
		})
	}
}

// TestOnboardAgain: onboarding a tenant twice keeps what exists and
// answers at once, with nothing new in the VIMs.
func TestOnboardAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, fake.Options{BuildTime: 2 * time.Second}, "east", "west")
		ob := &Onboarder{Orca: w.o}
		first, err := ob.Onboard(t.Context(), Request{Tenant: "acme", CIDR: "10.7.0.0/16"})
		if err != nil {
			t.Fatal(err)
		}
		creates := w.vims.VIM("east").Calls(fake.OpCreate) + w.vims.VIM("west").Calls(fake.OpCreate)
		start := time.Now()
		again, err := ob.Onboard(t.Context(), Request{Tenant: "acme", CIDR: "10.7.0.0/16"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(briefs(first), briefs(again)); diff != "" {
			t.Errorf("second onboarding (-first +second):\n%s", diff)
		}
		if now := w.vims.VIM("east").Calls(fake.OpCreate) + w.vims.VIM("west").Calls(fake.OpCreate); now != creates {
			t.Errorf("%d creates in the VIMs after the second onboarding, %d before", now, creates)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("the second onboarding waited %v for what was Ready", waited)
		}
	})
}

// TestRun: the runnable example onboards acme at its three sites, through
// the faults it injects, with one network per VIM.
func TestRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		if err := run(t.Context(), &out); err != nil {
			t.Fatalf("run: %v\n%s", err, out.String())
		}
		want := `site-a: Ready 10.40.0.0/24 (pulls: 0)
site-b: Ready 10.40.1.0/24 (pulls: 1)
site-c: Ready 10.40.2.0/24 (pulls: 0)
site-a's VIM: 1 network(s); faults injected: 0 errors, 0 lost responses
site-b's VIM: 1 network(s); faults injected: 1 errors, 0 lost responses
site-c's VIM: 1 network(s); faults injected: 2 errors, 1 lost responses
`
		if diff := cmp.Diff(want, out.String()); diff != "" {
			t.Errorf("output (-want +got):\n%s", diff)
		}
	})
}

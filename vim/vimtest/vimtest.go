// Package vimtest is the conformance suite for vim.Driver: the fake, the
// OpenStack driver (over its wire fake and a real cloud) and the Contrail
// driver all run Run. It is imported by tests only.
//
// The suite runs on real time: it polls with a bound, calling the harness's
// Settle hook between polls (the fake's Step; nothing for a real cloud), so
// it works across real sockets where testing/synctest cannot. Every object it
// creates is deleted when its test ends, and IDs carry a random suffix, so a
// real cloud can be reused between runs.
package vimtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Op names a driver operation for fault injection.
type Op string

const (
	OpObserve Op = "observe"
	OpCreate  Op = "create"
	OpUpdate  Op = "update"
	OpDelete  Op = "delete"
)

// Harness is a driver under test and the hooks the suite needs.
type Harness struct {
	Driver vim.Driver
	// Settle is called before every poll while the suite waits for an
	// object to become ready or to go (the fake's Step). Optional.
	Settle func()
	// PollInterval and Timeout bound every wait; defaults 5ms and 30s.
	PollInterval, Timeout time.Duration
	// Inject makes the driver's next call of op fail with code. Optional:
	// without it the error-mapping tests are skipped (a real cloud).
	Inject func(op Op, code resource.ErrorCode)
	// Hang makes the driver's next call of op block until its context
	// ends. Optional.
	Hang func(op Op)
	// Count returns how many VIM objects carry o's tag. Optional: without
	// it idempotence is checked through Observe only.
	Count func(ctx context.Context, o *vim.Object) (int, error)
	// Prefix starts every name the suite creates; default "vimtest".
	Prefix string
	// Existing supplies dependencies of these kinds instead of creating
	// them (a real cloud boots servers only from an image with data).
	Existing map[resource.Kind]vim.Dep
}

// Run runs the suite. newHarness is called once per test.
func Run(t *testing.T, newHarness func(t *testing.T) *Harness) {
	tests := map[string]func(*testing.T, *suite){
		"ObserveAbsent":         testObserveAbsent,
		"CreateReadyDelete":     testCreateReadyDelete,
		"IdempotentCreate":      testIdempotentCreate,
		"UpdateMutable":         testUpdateMutable,
		"ImmutableChange":       testImmutableChange,
		"DeleteAbsent":          testDeleteAbsent,
		"CancelledContext":      testCancelledContext,
		"HangHonoursContext":    testHangHonoursContext,
		"ConcurrentCreates":     testConcurrentCreates,
		"UnsupportedKind":       testUnsupportedKind,
		"ErrorMapping":          testErrorMapping,
		"ObservationsDontAlias": testObservationsDontAlias,
		"ObserveAll":            testObserveAll,
		"Ping":                  testPing,
		"ServerGroupMembers":    testServerGroupMembers,
		"MachineNICs":           testMachineNICs,
		"VNFServer":             testVNFServer,
		"NetworkWithoutCIDR":    testNetworkWithoutCIDR,
		"NetworkReaddress":      testNetworkReaddress,
		"NetworkReaddressInUse": testNetworkReaddressInUse,
		"ServerVolume":          testServerVolume,
		"CreateObserve":         testCreateObserve,
	}
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			s := &suite{h: h, d: h.Driver, run: randomSuffix(), deps: map[resource.Ref]*vim.Object{}}
			if h.PollInterval <= 0 {
				h.PollInterval = 5 * time.Millisecond
			}
			if h.Timeout <= 0 {
				h.Timeout = 30 * time.Second
			}
			if h.Prefix == "" {
				h.Prefix = "vimtest"
			}
			fn(t, s)
		})
	}
}

type suite struct {
	h   *Harness
	d   vim.Driver
	run string

	mu  sync.Mutex
	seq int
	// deps holds the dependencies the suite realized, by the reference
	// objects name them with.
	deps map[resource.Ref]*vim.Object
}

func randomSuffix() string {
	var b [3]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// id returns a fresh orca ID.
func (s *suite) id(k resource.Kind) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("%s-%s-%s-%d", s.h.Prefix, s.run, k, s.seq)
}

// kinds returns the kinds of the table the driver serves, in table order.
func (s *suite) kinds(t *testing.T) []resource.Kind {
	var out []resource.Kind
	for _, c := range cases {
		if vim.Serves(s.d, c.kind) {
			out = append(out, c.kind)
		}
	}
	if len(out) == 0 {
		t.Skip("the driver serves none of the suite's kinds")
	}
	return out
}

// object builds a desired object of kind k with its dependencies realized
// (through the driver when it serves them) and resolved in Deps.
func (s *suite) object(t *testing.T, k resource.Kind) *vim.Object {
	t.Helper()
	c := caseOf(k)
	deps := map[resource.Ref]vim.Dep{}
	ids := map[resource.Kind][]string{}
	for _, dk := range c.needs {
		if ex, ok := s.h.Existing[dk]; ok {
			id := s.id(dk)
			ids[dk] = append(ids[dk], id)
			deps[resource.Ref{Kind: dk, ID: id}] = ex
			continue
		}
		dep := s.dependency(t, dk, c.dep)
		ids[dk] = append(ids[dk], dep.Ref.ID)
		// The suite gives a dependency's global resource the same ID
		// as its per-location tag; specs name the global one.
		ref := resource.Ref{Kind: dk, ID: dep.Ref.ID}
		deps[ref] = vim.Dep{ExternalID: dep.ExternalID, Name: dep.Name, Spec: dep.Spec}
		s.mu.Lock()
		s.deps[ref] = dep
		s.mu.Unlock()
	}
	id := s.id(k)
	o := &vim.Object{
		Ref:  resource.Ref{Kind: localKind(k), ID: id},
		Kind: k, Global: resource.Ref{Kind: k, ID: id}, Tenant: "vimtest", Name: id,
		Spec: c.spec(ids), Deps: deps,
	}
	if c.parts != nil {
		o.Parts = c.parts(id)
	}
	return o
}

// dependency makes a resource of kind k for another object to use: realized
// through the driver when it serves k, else described only. change, when
// set, adjusts its spec first.
func (s *suite) dependency(t *testing.T, k resource.Kind, change func(resource.Spec)) *vim.Object {
	t.Helper()
	o := s.object(t, k)
	if change != nil {
		change(o.Spec)
	}
	if vim.Serves(s.d, k) {
		s.realize(t, o)
	} else {
		o.ExternalID = "external-" + o.Ref.ID
	}
	return o
}

// create calls Create and registers deletion at the end of the test.
func (s *suite) create(t *testing.T, o *vim.Object) string {
	t.Helper()
	ext, err := s.d.Create(t.Context(), o)
	if err != nil {
		t.Fatalf("Create(%s): %v", o, err)
	}
	if ext == "" {
		t.Fatalf("Create(%s) returned an empty external ID", o)
	}
	o.ExternalID = ext
	t.Cleanup(func() { s.cleanup(t, o) })
	return ext
}

// realize creates o and waits until it is ready.
func (s *suite) realize(t *testing.T, o *vim.Object) vim.Observation {
	t.Helper()
	s.create(t, o)
	return s.waitFor(t, o, "ready", func(obs vim.Observation) bool {
		return obs.Exists && obs.State == vim.StateReady
	})
}

// cleanup deletes o and waits for it to go, so dependencies can follow.
func (s *suite) cleanup(t *testing.T, o *vim.Object) {
	ctx, cancel := context.WithTimeout(context.Background(), s.h.Timeout)
	defer cancel()
	deadline := time.Now().Add(s.h.Timeout)
	for time.Now().Before(deadline) {
		if err := s.d.Delete(ctx, o); err != nil && resource.CodeOf(err) != resource.Conflict {
			t.Errorf("cleanup: Delete(%s): %v", o, err)
			return
		}
		s.settle()
		obs, err := s.d.Observe(ctx, o)
		if err == nil && !obs.Exists {
			return
		}
		pause(ctx, s.h.PollInterval)
	}
	t.Errorf("cleanup: %s still exists after %v", o, s.h.Timeout)
}

func (s *suite) settle() {
	if s.h.Settle != nil {
		s.h.Settle()
	}
}

// waitFor polls Observe until cond holds, failing the test after Timeout.
func (s *suite) waitFor(t *testing.T, o *vim.Object, what string, cond func(vim.Observation) bool) vim.Observation {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), s.h.Timeout)
	defer cancel()
	var last vim.Observation
	var lastErr error
	for {
		s.settle()
		obs, err := s.d.Observe(ctx, o)
		if err == nil && cond(obs) {
			return obs
		}
		if err == nil && obs.State == vim.StateError && what == "ready" {
			t.Fatalf("%s went to Error while waiting for it to be ready: %s", o, obs.Message)
		}
		last, lastErr = obs, err
		if pause(ctx, s.h.PollInterval) != nil {
			t.Fatalf("%s not %s after %v; last observation %+v, error %v", o, what, s.h.Timeout, last, lastErr)
		}
	}
}

// pause waits d or until ctx ends (then returning its error).
func pause(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *suite) count(t *testing.T, o *vim.Object) (int, bool) {
	t.Helper()
	if s.h.Count == nil {
		return 0, false
	}
	n, err := s.h.Count(t.Context(), o)
	if err != nil {
		t.Fatalf("Count(%s): %v", o, err)
	}
	return n, true
}

func localKind(k resource.Kind) resource.Kind {
	if k == resource.KindHeatTemplate {
		return k
	}
	return "local_" + k
}

func wantCode(t *testing.T, what string, err error, code resource.ErrorCode) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: nil error, want %v", what, code)
	}
	if got := resource.CodeOf(err); got != code {
		t.Fatalf("%s: %v (%v), want %v", what, got, err, code)
	}
}

func hasDrift(obs vim.Observation, field string) bool { return slices.Contains(obs.Drift, field) }

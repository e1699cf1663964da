package vimtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

func testObserveAbsent(t *testing.T, s *suite) {
	for _, k := range s.kinds(t) {
		t.Run(string(k), func(t *testing.T) {
			o := s.object(t, k)
			obs, err := s.d.Observe(t.Context(), o)
			if err != nil {
				t.Fatalf("Observe of an object never created: %v", err)
			}
			if obs.Exists {
				t.Fatalf("Observe of an object never created: %+v", obs)
			}
		})
	}
}

func testCreateReadyDelete(t *testing.T, s *suite) {
	for _, k := range s.kinds(t) {
		t.Run(string(k), func(t *testing.T) {
			o := s.object(t, k)
			ext := s.create(t, o)
			obs := s.waitFor(t, o, "ready", func(obs vim.Observation) bool { return obs.Exists && obs.State == vim.StateReady })
			if obs.ExternalID != ext {
				t.Errorf("Observe reports external ID %q, Create returned %q", obs.ExternalID, ext)
			}
			if len(obs.Drift) != 0 {
				t.Errorf("a fresh object drifts from its spec: %v", obs.Drift)
			}
			if obs.TaskStatus == "" {
				t.Error("no task status on a ready object")
			}
			if err := s.d.Delete(t.Context(), o); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			s.waitFor(t, o, "gone", func(obs vim.Observation) bool { return !obs.Exists })
		})
	}
}

func testIdempotentCreate(t *testing.T, s *suite) {
	for _, k := range s.kinds(t) {
		t.Run(string(k), func(t *testing.T) {
			o := s.object(t, k)
			first := s.create(t, o)
			second, err := s.d.Create(t.Context(), o)
			if err != nil {
				t.Fatalf("second Create: %v", err)
			}
			if second != first {
				t.Fatalf("second Create returned %q, want the adopted %q", second, first)
			}
			// Adoption also works without the recorded ID, as after a
			// lost response.
			blind := *o
			blind.ExternalID = ""
			third, err := s.d.Create(t.Context(), &blind)
			if err != nil || third != first {
				t.Fatalf("Create without the external ID = %q, %v; want %q", third, err, first)
			}
			if n, ok := s.count(t, o); ok && n != 1 {
				t.Errorf("%d VIM objects carry the tag, want 1", n)
			}
		})
	}
}

func testUpdateMutable(t *testing.T, s *suite) {
	for _, k := range s.kinds(t) {
		t.Run(string(k), func(t *testing.T) {
			if caseOf(k).unheld {
				t.Skipf("a VIM holds no mutable field of %s", k)
			}
			o := s.object(t, k)
			s.realize(t, o)
			setDescription(o.Spec, "changed by vimtest")
			obs, err := s.d.Observe(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			if !hasDrift(obs, "description") {
				t.Fatalf("Observe after a spec change: drift %v, want description", obs.Drift)
			}
			if err := s.d.Update(t.Context(), o); err != nil {
				t.Fatalf("Update: %v", err)
			}
			s.waitFor(t, o, "updated", func(obs vim.Observation) bool { return obs.Exists && len(obs.Drift) == 0 })

			if caseOf(k).parts != nil {
				o.Parts = o.Parts[:1]
				if obs, _ := s.d.Observe(t.Context(), o); !hasDrift(obs, vim.PartsField) {
					t.Fatalf("drift after dropping a part: %v, want %s", obs.Drift, vim.PartsField)
				}
				if err := s.d.Update(t.Context(), o); err != nil {
					t.Fatalf("Update of parts: %v", err)
				}
				s.waitFor(t, o, "parts updated", func(obs vim.Observation) bool { return len(obs.Drift) == 0 })
			}
			if change := caseOf(k).mutable; change != nil {
				field := change(o.Spec)
				if obs, _ := s.d.Observe(t.Context(), o); !hasDrift(obs, field) {
					t.Fatalf("drift after changing %s: %v", field, obs.Drift)
				}
				if err := s.d.Update(t.Context(), o); err != nil {
					t.Fatalf("Update of %s: %v", field, err)
				}
				s.waitFor(t, o, field+" updated", func(obs vim.Observation) bool { return obs.Exists && len(obs.Drift) == 0 })
			}
		})
	}
}

func testImmutableChange(t *testing.T, s *suite) {
	for _, k := range s.kinds(t) {
		c := caseOf(k)
		if c.immutable == nil {
			continue
		}
		t.Run(string(k), func(t *testing.T) {
			o := s.object(t, k)
			s.realize(t, o)
			changed := *o
			changed.Spec = c.spec(idsOf(o))
			field := c.immutable(changed.Spec)
			err := s.d.Update(t.Context(), &changed)
			wantCode(t, "Update changing "+field, err, resource.Invalid)
			obs, err := s.d.Observe(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			if len(obs.Drift) != 0 {
				t.Errorf("the refused update changed the object: drift %v against the original spec", obs.Drift)
			}
			if obs, _ := s.d.Observe(t.Context(), &changed); !hasDrift(obs, field) {
				t.Errorf("drift against the changed spec = %v, want %s", obs.Drift, field)
			}
		})
	}
}

// idsOf recovers the dependency IDs an object was built with.
func idsOf(o *vim.Object) map[resource.Kind][]string {
	ids := map[resource.Kind][]string{}
	for _, ref := range o.Spec.Dependencies() {
		ids[ref.Kind] = append(ids[ref.Kind], ref.ID)
	}
	return ids
}

func testDeleteAbsent(t *testing.T, s *suite) {
	for _, k := range s.kinds(t) {
		t.Run(string(k), func(t *testing.T) {
			o := s.object(t, k)
			if err := s.d.Delete(t.Context(), o); err != nil {
				t.Fatalf("Delete of an object never created: %v", err)
			}
			s.realize(t, o)
			for i := range 2 {
				if err := s.d.Delete(t.Context(), o); err != nil {
					t.Fatalf("Delete #%d: %v", i+1, err)
				}
			}
			s.waitFor(t, o, "gone", func(obs vim.Observation) bool { return !obs.Exists })
			if err := s.d.Delete(t.Context(), o); err != nil {
				t.Fatalf("Delete after it is gone: %v", err)
			}
		})
	}
}

// calls returns every Driver operation on o.
func calls(d vim.Driver, o *vim.Object) map[string]func(context.Context) error {
	return map[string]func(context.Context) error{
		"Observe": func(ctx context.Context) error { _, err := d.Observe(ctx, o); return err },
		"Create":  func(ctx context.Context) error { _, err := d.Create(ctx, o); return err },
		"Update":  func(ctx context.Context) error { return d.Update(ctx, o) },
		"Delete":  func(ctx context.Context) error { return d.Delete(ctx, o) },
	}
}

func testCancelledContext(t *testing.T, s *suite) {
	k := s.kinds(t)[0]
	o := s.object(t, k)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for name, call := range calls(s.d, o) {
		err := call(ctx)
		if err == nil || resource.CodeOf(err) != resource.Unavailable {
			t.Errorf("%s with a cancelled context = %v, want an Unavailable error", name, err)
		}
	}
	if obs, err := s.d.Observe(t.Context(), o); err != nil || obs.Exists {
		t.Errorf("a cancelled Create left an object: %+v, %v", obs, err)
	}
}

func testHangHonoursContext(t *testing.T, s *suite) {
	if s.h.Hang == nil {
		t.Skip("the harness cannot make the VIM hang")
	}
	k := s.kinds(t)[0]
	o := s.object(t, k)
	for _, op := range []Op{OpObserve, OpCreate, OpUpdate, OpDelete} {
		s.h.Hang(op)
		// A deadline rather than an early cancel: the call must reach
		// the hang and be released by its context.
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		err := calls(s.d, o)[opName(op)](ctx)
		cancel()
		if resource.CodeOf(err) != resource.Unavailable || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("hung %s past its deadline = %v, want Unavailable wrapping the deadline", op, err)
		}
	}
}

func opName(op Op) string {
	return map[Op]string{OpObserve: "Observe", OpCreate: "Create", OpUpdate: "Update", OpDelete: "Delete"}[op]
}

func testConcurrentCreates(t *testing.T, s *suite) {
	k := s.kinds(t)[0]
	const n = 8
	same := s.object(t, k)
	t.Cleanup(func() { s.cleanup(t, same) })
	distinct := make([]*vim.Object, n)
	for i := range distinct {
		distinct[i] = s.object(t, k)
		t.Cleanup(func() { s.cleanup(t, distinct[i]) })
	}
	var wg sync.WaitGroup
	sameIDs, distinctIDs := make([]string, n), make([]string, n)
	errs := make([]error, 2*n)
	for i := range n {
		wg.Add(2)
		go func() { defer wg.Done(); sameIDs[i], errs[i] = s.d.Create(t.Context(), same) }()
		go func() { defer wg.Done(); distinctIDs[i], errs[n+i] = s.d.Create(t.Context(), distinct[i]) }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent creates: %v", err)
	}
	for i := range n {
		if sameIDs[i] != sameIDs[0] {
			t.Fatalf("concurrent creates of one object returned different IDs: %v", sameIDs)
		}
	}
	if cnt, ok := s.count(t, same); ok && cnt != 1 {
		t.Errorf("%d VIM objects for one tag after concurrent creates", cnt)
	}
	seen := map[string]bool{sameIDs[0]: true}
	for _, id := range distinctIDs {
		if seen[id] {
			t.Fatalf("two objects share external ID %q", id)
		}
		seen[id] = true
	}
}

func testUnsupportedKind(t *testing.T, s *suite) {
	o := &vim.Object{
		Ref: resource.Ref{Kind: resource.KindTenant, ID: s.id(resource.KindTenant)}, Kind: resource.KindTenant,
		Name: "unsupported", Spec: &resource.Tenant{},
	}
	for name, call := range calls(s.d, o) {
		wantCode(t, name+" of a kind the driver does not serve", call(t.Context()), resource.Unimplemented)
	}
}

func testErrorMapping(t *testing.T, s *suite) {
	if s.h.Inject == nil {
		t.Skip("the harness cannot inject faults")
	}
	k := s.kinds(t)[0]
	codes := []resource.ErrorCode{resource.NotFound, resource.Conflict, resource.Invalid,
		resource.Unavailable, resource.Unauthorized, resource.Forbidden}
	for _, code := range codes {
		for _, op := range []Op{OpCreate, OpObserve, OpUpdate, OpDelete} {
			t.Run(fmt.Sprintf("%s/%v", op, code), func(t *testing.T) {
				o := s.object(t, k)
				if op != OpCreate {
					s.realize(t, o)
				}
				s.h.Inject(op, code)
				wantCode(t, string(op), calls(s.d, o)[opName(op)](t.Context()), code)
			})
		}
	}
}

func testObservationsDontAlias(t *testing.T, s *suite) {
	k := s.kinds(t)[0]
	o := s.object(t, k)
	s.realize(t, o)
	setDescription(o.Spec, "drifting")
	first, err := s.d.Observe(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.d.Observe(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if first.Output == nil {
		first.Output = map[string]any{}
	}
	first.Output["mutated"] = true
	for k := range first.Output {
		first.Output[k] = "mutated"
	}
	if len(first.Drift) > 0 {
		first.Drift[0] = "mutated"
	}
	again, err := s.d.Observe(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("mutating an Observation changed the next one (-want +got):\n%s", diff)
	}
}

func testObserveAll(t *testing.T, s *suite) {
	l, ok := s.d.(vim.Lister)
	if !ok {
		t.Skip("the driver does not implement vim.Lister")
	}
	for _, k := range s.kinds(t) {
		t.Run(string(k), func(t *testing.T) {
			a, b, absent := s.object(t, k), s.object(t, k), s.object(t, k)
			s.realize(t, a)
			s.realize(t, b)
			setDescription(b.Spec, "drifted")
			objs := []*vim.Object{a, absent, b}
			got, err := l.ObserveAll(t.Context(), k, objs)
			if err != nil {
				t.Fatalf("ObserveAll: %v", err)
			}
			if len(got) != len(objs) {
				t.Fatalf("ObserveAll returned %d observations for %d objects", len(got), len(objs))
			}
			for i, o := range objs {
				one, err := s.d.Observe(t.Context(), o)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(one, got[i]); diff != "" {
					t.Errorf("object %d: ObserveAll differs from Observe (-observe +all):\n%s", i, diff)
				}
			}
			if !got[0].Exists || got[1].Exists || !caseOf(k).unheld && !hasDrift(got[2], "description") {
				t.Errorf("ObserveAll = %+v", got)
			}
		})
	}
}

func testPing(t *testing.T, s *suite) {
	p, ok := s.d.(vim.Pinger)
	if !ok {
		t.Skip("the driver does not implement vim.Pinger")
	}
	if err := p.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

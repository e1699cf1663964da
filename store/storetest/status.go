package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// testUpdateStatus: UpdateStatus writes the status alone, at the given
// revision, and answers what Get then reads; whatever else r holds is
// ignored. Inside a transaction it commits and rolls back with the rest.
func testUpdateStatus(t *testing.T, f *fixture) {
	ctx := t.Context()
	n := network("n1", tenantA, "10.0.0.0/16")
	n.Labels = map[string]string{"k": "v"}
	c := f.create(t, n)

	w := *c
	w.Status = resource.Status{Phase: resource.PhaseReady, Message: "made", ExternalID: "x-1",
		Output: map[string]any{"n": 3, "l": []string{"a"}}, ObservedGeneration: c.Generation}
	// Not written: a status write leaves everything but the status alone.
	w.Name, w.Labels, w.Deleting = "renamed", map[string]string{"k": "other"}, true
	w.Spec = &resource.Network{CIDR: "10.9.0.0/16"}
	u, err := f.s.UpdateStatus(ctx, &w)
	if err != nil {
		t.Fatal(err)
	}
	got := f.get(t, c.Ref)
	if u.Revision <= c.Revision || u.Generation != c.Generation || !u.UpdatedAt.After(c.UpdatedAt) || !u.CreatedAt.Equal(c.CreatedAt) {
		t.Errorf("status write: revision %d→%d, generation %d→%d, updated %v→%v",
			c.Revision, u.Revision, c.Generation, u.Generation, c.UpdatedAt, u.UpdatedAt)
	}
	wantStatus := resource.Status{Phase: resource.PhaseReady, Message: "made", ExternalID: "x-1",
		Output: map[string]any{"n": 3.0, "l": []any{"a"}}, ObservedGeneration: c.Generation}
	if diff := cmp.Diff(wantStatus, got.Status); diff != "" {
		t.Errorf("stored status (-want +got):\n%s", diff)
	}
	if got.Name != c.Name || got.Labels["k"] != "v" || got.Deleting || got.Spec.(*resource.Network).CIDR != "10.0.0.0/16" {
		t.Errorf("a status write changed more than the status: %+v", got)
	}
	// The answer is what is stored, but for the spec, which is the
	// caller's own (here deliberately not the stored one).
	u.Spec = got.Spec
	if diff := cmp.Diff(got, u); diff != "" {
		t.Errorf("UpdateStatus's answer against Get (-get +answer):\n%s", diff)
	}
	if u.Labels["k"] != "v" {
		t.Errorf("answer labels %v, want the stored ones", u.Labels)
	}
	u.Labels["k"] = "mutated" // the answer is the caller's: the store must not see this
	if f.get(t, c.Ref).Labels["k"] != "v" {
		t.Error("changing UpdateStatus's answer changed the store")
	}

	stale := *c // the revision before the write
	stale.Status.Message = "late"
	wantCode(t, "UpdateStatus at a stale revision", errOf(f.s.UpdateStatus(ctx, &stale)), resource.Conflict)
	missing := *c
	missing.ID = "nope"
	wantCode(t, "UpdateStatus of a missing resource", errOf(f.s.UpdateStatus(ctx, &missing)), resource.NotFound)
	bad := *got
	bad.Status.Phase = "Sideways"
	wantCode(t, "UpdateStatus with no such phase", errOf(f.s.UpdateStatus(ctx, &bad)), resource.Invalid)
	bad = *got
	bad.Status.Output = map[string]any{"c": make(chan int)}
	wantCode(t, "UpdateStatus with an output JSON cannot hold", errOf(f.s.UpdateStatus(ctx, &bad)), resource.Invalid)
	if after := f.get(t, c.Ref); after.Revision != got.Revision {
		t.Errorf("refused status writes changed the revision: %d→%d", got.Revision, after.Revision)
	}

	// In a transaction: visible to its reads, undone by its failure.
	in := *got
	in.Status.Message = "inside"
	rollback := &resource.Error{Code: resource.Invalid, Field: "x"}
	err = f.s.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.UpdateStatus(ctx, &in); err != nil {
			return err
		}
		r, err := tx.Get(ctx, c.Ref)
		if err != nil {
			return err
		}
		if r.Status.Message != "inside" {
			t.Errorf("read in the transaction: %q, want its own write", r.Status.Message)
		}
		return rollback
	})
	if err != rollback {
		t.Fatalf("Txn = %v, want the function's error", err)
	}
	if after := f.get(t, c.Ref); after.Revision != got.Revision || after.Status.Message != "made" {
		t.Errorf("after a rolled-back status write: revision %d, message %q", after.Revision, after.Status.Message)
	}
	err = f.s.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.UpdateStatus(ctx, &in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if after := f.get(t, c.Ref); after.Status.Message != "inside" || after.Revision <= got.Revision {
		t.Errorf("after a committed status write: revision %d, message %q", after.Revision, after.Status.Message)
	}
	// The phase is a filter: a status write moves the resource between
	// phases for List.
	page, err := f.s.List(ctx, store.Filter{Kind: resource.KindNetwork, Phase: resource.PhaseReady})
	if err != nil || page.Total != 1 {
		t.Errorf("List by the written phase: %v, %v", page, err)
	}
}

func errOf(_ *resource.Resource, err error) error { return err }

// testGetSpec: store.GetSpec answers what Get does but for the status,
// which it leaves zero when the store is a SpecGetter; it is NotFound as
// Get is, for an absent ID and for another kind's.
func testGetSpec(t *testing.T, f *fixture) {
	ctx := t.Context()
	n := network("n1", tenantA, "10.0.0.0/16")
	n.Labels = map[string]string{"k": "v"}
	c := f.create(t, n)
	w := *c
	w.Status = resource.Status{Phase: resource.PhaseReady, Output: map[string]any{"locations": map[string]any{"l1": "Ready"}}}
	if _, err := f.s.UpdateStatus(ctx, &w); err != nil {
		t.Fatal(err)
	}
	full := f.get(t, c.Ref)
	got, err := store.GetSpec(ctx, f.s, c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	want := *full
	if _, ok := f.s.(store.SpecGetter); ok {
		want.Status = resource.Status{}
	}
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("GetSpec against Get (-want +got):\n%s", diff)
	}
	got.Labels["k"] = "mutated" // the answer is the caller's
	if f.get(t, c.Ref).Labels["k"] != "v" {
		t.Error("changing GetSpec's answer changed the store")
	}
	for name, ref := range map[string]resource.Ref{
		"absent":     {Kind: resource.KindNetwork, ID: "nope"},
		"other kind": {Kind: resource.KindImage, ID: c.ID},
	} {
		if _, err := store.GetSpec(ctx, f.s, ref); resource.CodeOf(err) != resource.NotFound {
			t.Errorf("%s: GetSpec error %v, want NotFound", name, err)
		}
	}
}

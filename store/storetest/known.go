package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// testListKnown: a filter with Known leaves out what the caller holds,
// names every match in Keys, and returns the rest exactly as List does.
func testListKnown(t *testing.T, f *fixture) {
	ctx := t.Context()
	for _, id := range []string{"n1", "n2", "n3", "n4"} {
		f.create(t, network(id, tenantA, "10.0.0.0/16"))
	}
	f.create(t, network("other", tenantB, "10.0.0.0/16"))
	filter := store.Filter{Kind: resource.KindNetwork, Tenant: tenantA, Limit: 3, Offset: 1}
	plain, err := f.s.List(ctx, filter)
	if err != nil {
		t.Fatal(err)
	}
	held := map[store.Key]bool{}
	for _, r := range plain.Items[:2] { // the caller holds n2 and n3
		held[store.Key{Ref: r.Ref, Revision: r.Revision}] = true
	}
	var asked []store.Key
	filter.Known = func(ref resource.Ref, rev int64) bool {
		asked = append(asked, store.Key{Ref: ref, Revision: rev})
		return held[store.Key{Ref: ref, Revision: rev}]
	}
	got, err := f.s.List(ctx, filter)
	if err != nil {
		t.Fatal(err)
	}
	var wantKeys []store.Key
	for _, r := range plain.Items {
		wantKeys = append(wantKeys, store.Key{Ref: r.Ref, Revision: r.Revision})
	}
	if diff := cmp.Diff(wantKeys, got.Keys); diff != "" {
		t.Errorf("Keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantKeys, asked); diff != "" {
		t.Errorf("Known asked about (-want +got):\n%s", diff)
	}
	if got.Total != plain.Total || len(got.Items) != len(plain.Items) {
		t.Fatalf("total %d, %d items; want %d, %d", got.Total, len(got.Items), plain.Total, len(plain.Items))
	}
	for i, r := range got.Items {
		if i < 2 {
			if r != nil {
				t.Errorf("item %d (%s) is held by the caller, yet returned", i, plain.Items[i].Ref)
			}
			continue
		}
		if diff := cmp.Diff(plain.Items[i], r); diff != "" {
			t.Errorf("item %d (-List +List with Known):\n%s", i, diff)
		}
	}

	// A write makes a new revision: what the caller holds is out of date.
	w := *plain.Items[0]
	w.Status.Message = "changed"
	if _, err := f.s.UpdateStatus(ctx, &w); err != nil {
		t.Fatal(err)
	}
	asked = nil
	got, err = f.s.List(ctx, filter)
	if err != nil {
		t.Fatal(err)
	}
	if got.Items[0] == nil || got.Items[0].Status.Message != "changed" || got.Keys[0].Revision == plain.Items[0].Revision {
		t.Errorf("after a write, item 0 = %+v, key %+v; want it read again at its new revision", got.Items[0], got.Keys[0])
	}
	if got.Items[1] != nil {
		t.Errorf("item 1, unchanged and held, was returned")
	}
	// Without Known, no keys.
	if plain.Keys != nil {
		t.Errorf("List without Known gave keys %v", plain.Keys)
	}
}

// testListKnownByID: a list by ID alone (how a caller asks whether one
// record changed) answers as any list does: the match in Keys, left out
// when known, counted past an offset, nothing for another kind.
func testListKnownByID(t *testing.T, f *fixture) {
	ctx := t.Context()
	n := f.create(t, network("n1", tenantA, "10.0.0.0/16"))
	key := store.Key{Ref: n.Ref, Revision: n.Revision}
	knows := func(held bool) func(resource.Ref, int64) bool {
		return func(ref resource.Ref, rev int64) bool { return held && ref == key.Ref && rev == key.Revision }
	}
	tests := map[string]struct {
		filter    store.Filter
		wantKeys  []store.Key
		wantItems []*resource.Resource
		wantTotal int
	}{
		"held":            {store.Filter{Kind: n.Kind, ID: n.ID, Known: knows(true)}, []store.Key{key}, []*resource.Resource{nil}, 1},
		"not held":        {store.Filter{Kind: n.Kind, ID: n.ID, Known: knows(false)}, []store.Key{key}, []*resource.Resource{n}, 1},
		"any kind":        {store.Filter{ID: n.ID, Known: knows(false)}, []store.Key{key}, []*resource.Resource{n}, 1},
		"without Known":   {store.Filter{Kind: n.Kind, ID: n.ID, Limit: 1}, nil, []*resource.Resource{n}, 1},
		"past its offset": {store.Filter{Kind: n.Kind, ID: n.ID, Offset: 1, Known: knows(false)}, []store.Key{}, []*resource.Resource{}, 1},
		"another kind":    {store.Filter{Kind: resource.KindImage, ID: n.ID, Known: knows(false)}, []store.Key{}, []*resource.Resource{}, 0},
		"no such ID":      {store.Filter{Kind: n.Kind, ID: "nope", Known: knows(false)}, []store.Key{}, []*resource.Resource{}, 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			page, err := f.s.List(ctx, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantKeys, page.Keys, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Keys (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantItems, page.Items, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Items (-want +got):\n%s", diff)
			}
			if page.Total != tc.wantTotal {
				t.Errorf("Total = %d, want %d", page.Total, tc.wantTotal)
			}
		})
	}
}

// testAfterRevision: AfterRevision lists what was written after a
// revision, in revision order, status writes included, earlier writes not.
func testAfterRevision(t *testing.T, f *fixture) {
	ctx := t.Context()
	a := f.create(t, network("a", tenantA, "10.0.0.0/16"))
	b := f.create(t, network("b", tenantA, "10.0.0.0/16"))
	mark := b.Revision
	c := f.create(t, network("c", tenantB, "10.0.0.0/16"))
	w := *a
	w.Status.Message = "later"
	a2, err := f.s.UpdateStatus(ctx, &w)
	if err != nil {
		t.Fatal(err)
	}
	page, err := f.s.List(ctx, store.Filter{AfterRevision: mark, Sort: "revision"})
	if err != nil {
		t.Fatal(err)
	}
	var got []store.Key
	for _, r := range page.Items {
		got = append(got, store.Key{Ref: r.Ref, Revision: r.Revision})
	}
	want := []store.Key{{Ref: c.Ref, Revision: c.Revision}, {Ref: a2.Ref, Revision: a2.Revision}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after revision %d (-want +got):\n%s", mark, diff)
	}
	if page, err := f.s.List(ctx, store.Filter{AfterRevision: a2.Revision}); err != nil || page.Total != 0 {
		t.Errorf("after the last revision: %v, %v; want nothing", page, err)
	}
}

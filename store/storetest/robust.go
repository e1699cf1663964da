package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

func testNoAliasing(t *testing.T, f *fixture) {
	f.create(t, location("loc-1"))
	f.create(t, network("net", tenantA, "10.0.0.0/16"))
	placed := network("placed", tenantA, "10.1.0.0/16")
	placed.Placement = &resource.Placement{Locations: []string{"loc-1"}, Selector: map[string]string{"k": "v"}}
	f.create(t, placed)
	wantPlaced := f.get(t, placed.Ref)
	placed.Placement.Locations[0] = "changed"
	placed.Placement.Selector["k"] = "changed"
	gotPlaced := f.get(t, placed.Ref)
	gotPlaced.Placement.Locations[0] = "mutated"
	gotPlaced.Placement.Selector["k"] = "mutated"
	if diff := cmp.Diff(wantPlaced, f.get(t, placed.Ref)); diff != "" {
		t.Errorf("placement changed through an alias (-want +got):\n%s", diff)
	}

	in := localNetwork("ln", tenantA, "loc-1", "net")
	in.Labels = map[string]string{"a": "1"}
	in.Status.Output = map[string]any{"nested": map[string]any{"k": "v"}, "list": []any{"x"}}
	created := f.create(t, in)
	want := f.get(t, in.Ref)

	// Mutating the argument after Create does not reach the store.
	in.Labels["a"] = "changed"
	in.Spec.(*resource.LocalNetwork).CIDR = "10.0.0.0/24"
	in.Status.Output["nested"].(map[string]any)["k"] = "changed"
	in.Owner.ID = "changed"

	// Nor does mutating anything the store returned.
	mutate := func(r *resource.Resource) {
		r.Labels["a"] = "mutated"
		r.Labels["b"] = "added"
		r.Spec.(*resource.LocalNetwork).Description = "mutated"
		r.Status.Output["nested"].(map[string]any)["k"] = "mutated"
		r.Status.Output["list"].([]any)[0] = "mutated"
		r.Owner.ID = "mutated"
		r.Name = "mutated"
	}
	mutate(created)
	got := f.get(t, in.Ref)
	mutate(got)
	page, err := f.s.List(t.Context(), store.Filter{Kind: resource.KindLocalNetwork})
	if err != nil {
		t.Fatal(err)
	}
	mutate(page.Items[0])

	if diff := cmp.Diff(want, f.get(t, in.Ref)); diff != "" {
		t.Errorf("stored resource changed through an alias (-want +got):\n%s", diff)
	}
	if a, b := f.get(t, in.Ref), f.get(t, in.Ref); a.Spec == b.Spec || a.Owner == b.Owner {
		t.Error("two Gets share a spec or an owner")
	}
}

func testCancelledContext(t *testing.T, f *fixture) {
	base := f.create(t, network("n1", tenantA, "10.0.0.0/16"))
	before := f.count(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, c := range calls(base.Ref) {
		t.Run(c.name, func(t *testing.T) {
			err := c.do(ctx, f.s)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s with a cancelled context = %v, want context.Canceled", c.name, err)
			}
			if resource.CodeOf(err) != resource.Unavailable {
				t.Errorf("code %v, want Unavailable", resource.CodeOf(err))
			}
		})
	}
	if diff := cmp.Diff(base, f.get(t, base.Ref)); diff != "" {
		t.Errorf("a cancelled call changed the store (-want +got):\n%s", diff)
	}
	if n := f.count(t); n != before {
		t.Errorf("count %d, want %d", n, before)
	}

	// A context cancelled inside a transaction fails the transaction.
	ctx, cancel = context.WithCancel(t.Context())
	err := f.s.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.Create(ctx, network("n2", tenantA, "10.1.0.0/16")); err != nil {
			return err
		}
		cancel()
		_, err := tx.Create(ctx, network("n3", tenantA, "10.2.0.0/16"))
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Txn cancelled midway = %v, want context.Canceled", err)
	}
	if n := f.count(t); n != before {
		t.Errorf("cancelled Txn left %d resources, want %d", n, before)
	}
}

func testUseAfterClose(t *testing.T, f *fixture) {
	base := f.create(t, network("n1", tenantA, "10.0.0.0/16"))
	if err := f.s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, c := range calls(base.Ref) {
		if err := c.do(t.Context(), f.s); !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", c.name, err)
		}
	}
	if err := f.s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

// testConcurrentWriters runs 32 writers at once. None may see an error: a
// store serializes its writers instead of failing them ("database is
// locked").
func testConcurrentWriters(t *testing.T, f *fixture) {
	const writers, each = 32, 3
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				r, err := f.s.Create(t.Context(), network(id, tenantA, fmt.Sprintf("10.%d.%d.0/24", w, i)))
				if err != nil {
					errs <- fmt.Errorf("create %s: %w", id, err)
					continue
				}
				r.Status.Phase = resource.PhaseReady
				if _, err := f.s.Update(t.Context(), r); err != nil {
					errs <- fmt.Errorf("update %s: %w", id, err)
				}
				if _, err := f.s.List(t.Context(), store.Filter{Kind: resource.KindNetwork, Limit: 5}); err != nil {
					errs <- fmt.Errorf("list: %w", err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	page, err := f.s.List(t.Context(), store.Filter{Kind: resource.KindNetwork, Phase: resource.PhaseReady})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != writers*each {
		t.Errorf("%d ready networks, want %d", page.Total, writers*each)
	}
}

// widget is an embedder's own kind.
type widget struct {
	Size      int64  `json:"size" orca:"mutable"`
	NetworkID string `json:"network_id" orca:"ref=network"`
}

func (w *widget) Validate() error {
	if w.Size <= 0 {
		return resource.InvalidField("size", "must be positive")
	}
	return nil
}

func (w *widget) Dependencies() []resource.Ref {
	return []resource.Ref{{Kind: resource.KindNetwork, ID: w.NetworkID}}
}

func testEmbedderKind(t *testing.T, f *fixture) {
	err := f.reg.Register(resource.KindInfo{
		Kind: "widget", Singular: "widget", Plural: "widgets", Path: "/v1.0/tenant/widgets",
		New: func() resource.Spec { return new(widget) },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.create(t, network("net", tenantA, "10.0.0.0/16"))
	mk := func(id string, size int64) *resource.Resource {
		return &resource.Resource{Ref: resource.Ref{Kind: "widget", ID: id}, Tenant: tenantA, Spec: &widget{Size: size, NetworkID: "net"}}
	}
	f.create(t, mk("w1", 3))
	f.create(t, mk("w2", 1))
	_, err = f.s.Create(t.Context(), mk("w3", 0))
	wantCode(t, "Create of an invalid widget", err, resource.Invalid)

	page, err := f.s.List(t.Context(), store.Filter{Kind: "widget", Sort: "size"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"w2", "w1"}, ids(page)); diff != "" {
		t.Errorf("widgets by size (-want +got):\n%s", diff)
	}
	page, err = f.s.List(t.Context(), store.Filter{Kind: "widget", Fields: map[string]string{"size": "3"}})
	if err != nil || len(page.Items) != 1 || page.Items[0].Spec.(*widget).Size != 3 {
		t.Errorf("widget filter: %v, %v", page, err)
	}
	wantCode(t, "Delete of a network widgets name", f.s.Delete(t.Context(), resource.Ref{Kind: resource.KindNetwork, ID: "net"}, 0), resource.Conflict)
}

// testFailingReadsDuringWrites runs reads that fail (NotFound, Invalid) next
// to writes. Under the race detector it catches a backend whose failed reads
// touch shared state.
func testFailingReadsDuringWrites(t *testing.T, f *fixture) {
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 5 {
				if _, err := f.s.Create(t.Context(), network(fmt.Sprintf("w%d-%d", w, i), tenantA, "10.0.0.0/24")); err != nil {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range 5 {
				if _, err := f.s.Get(t.Context(), resource.Ref{Kind: resource.KindNetwork, ID: "missing"}); !isCode(err, resource.NotFound) {
					t.Errorf("Get(missing) = %v", err)
				}
				if _, err := f.s.List(t.Context(), store.Filter{Limit: -1}); !isCode(err, resource.Invalid) {
					t.Errorf("List(bad) = %v", err)
				}
				if _, err := f.s.Referrers(t.Context(), resource.Ref{Kind: resource.KindNetwork, ID: "missing"}); !isCode(err, resource.NotFound) {
					t.Errorf("Referrers(missing) = %v", err)
				}
			}
		}()
	}
	wg.Wait()
	if n := f.count(t); n != 20 {
		t.Errorf("%d resources, want 20", n)
	}
}

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

func testTxnCommit(t *testing.T, f *fixture) {
	f.create(t, location("loc-1"))
	netRef := resource.Ref{Kind: resource.KindNetwork, ID: "n1"}
	err := f.s.Txn(t.Context(), func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.Create(ctx, network("n1", tenantA, "10.0.0.0/16")); err != nil {
			return err
		}
		// Reads inside the transaction see its writes.
		n, err := tx.Get(ctx, netRef)
		if err != nil {
			return fmt.Errorf("Get of own write: %w", err)
		}
		if _, err := tx.Create(ctx, localNetwork("ln1", tenantA, "loc-1", "n1")); err != nil {
			return err
		}
		n.Status.Phase = resource.PhaseReady
		if _, err := tx.Update(ctx, n); err != nil {
			return err
		}
		page, err := tx.List(ctx, store.Filter{Owner: &netRef})
		if err != nil || page.Total != 1 {
			return fmt.Errorf("List of own writes: %v, %v", page, err)
		}
		refs, err := tx.Referrers(ctx, netRef)
		if err != nil || len(refs) != 1 {
			return fmt.Errorf("Referrers of own writes: %v, %v", refs, err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Txn: %v", err)
	}
	if got := f.get(t, netRef); got.Status.Phase != resource.PhaseReady {
		t.Errorf("committed update lost: phase %s", got.Status.Phase)
	}
	f.get(t, resource.Ref{Kind: resource.KindLocalNetwork, ID: "ln1"})
}

func testTxnRollback(t *testing.T, f *fixture) {
	n0 := f.create(t, network("n0", tenantA, "10.0.0.0/16"))
	gone := f.create(t, network("gone", tenantA, "10.1.0.0/16"))
	before := f.count(t)

	err := f.s.Txn(t.Context(), func(ctx context.Context, tx store.Tx) error {
		u := *n0
		u.Name = "changed"
		if _, err := tx.Update(ctx, &u); err != nil {
			return err
		}
		if _, err := tx.Create(ctx, network("n1", tenantA, "10.2.0.0/16")); err != nil {
			return err
		}
		if err := tx.Delete(ctx, gone.Ref, 0); err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", errSentinel)
	})
	if !errors.Is(err, errSentinel) {
		t.Fatalf("Txn = %v, want fn's error", err)
	}
	if diff := cmp.Diff(n0, f.get(t, n0.Ref)); diff != "" {
		t.Errorf("rolled-back update is visible (-before +after):\n%s", diff)
	}
	f.get(t, gone.Ref)
	if _, err := f.s.Get(t.Context(), resource.Ref{Kind: resource.KindNetwork, ID: "n1"}); !errors.Is(err, resource.ErrNotFound) {
		t.Errorf("rolled-back create is visible: %v", err)
	}
	if n := f.count(t); n != before {
		t.Errorf("count %d after rollback, want %d", n, before)
	}

	// A failed write inside the transaction, returned by fn, rolls back the
	// writes before it.
	err = f.s.Txn(t.Context(), func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.Create(ctx, network("n2", tenantA, "10.3.0.0/16")); err != nil {
			return err
		}
		_, err := tx.Create(ctx, network("n0", tenantA, "10.4.0.0/16")) // duplicate
		return err
	})
	wantCode(t, "Txn with a duplicate create", err, resource.Conflict)
	if _, err := f.s.Get(t.Context(), resource.Ref{Kind: resource.KindNetwork, ID: "n2"}); !errors.Is(err, resource.ErrNotFound) {
		t.Errorf("write before the failed one survived: %v", err)
	}

	// Revisions stay monotonic after a rollback.
	n3 := f.create(t, network("n3", tenantA, "10.5.0.0/16"))
	if n3.Revision <= gone.Revision {
		t.Errorf("revision %d after rollback is not above %d", n3.Revision, gone.Revision)
	}

	// A transaction handle is dead once Txn returns.
	var kept store.Tx
	if err := f.s.Txn(t.Context(), func(ctx context.Context, tx store.Tx) error { kept = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := kept.Get(t.Context(), n0.Ref); err == nil {
		t.Error("a Tx kept after Txn returned still works")
	}
	if _, err := kept.Create(t.Context(), network("late", tenantA, "10.6.0.0/16")); err == nil {
		t.Error("a Tx kept after Txn returned still writes")
	}
}

func testTxnPanic(t *testing.T, f *fixture) {
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic to propagate", r)
			}
		}()
		f.s.Txn(t.Context(), func(ctx context.Context, tx store.Tx) error {
			if _, err := tx.Create(ctx, network("n1", tenantA, "10.0.0.0/16")); err != nil {
				t.Errorf("Create: %v", err)
			}
			panic("boom")
		})
	}()
	if _, err := f.s.Get(t.Context(), resource.Ref{Kind: resource.KindNetwork, ID: "n1"}); !errors.Is(err, resource.ErrNotFound) {
		t.Errorf("write before the panic survived: %v", err)
	}
	// The store is still usable: the panic released the transaction.
	f.create(t, network("n2", tenantA, "10.1.0.0/16"))
}

// testTxnConcurrentAllocation allocates route-target numbers from an id pool
// the way the orchestrator will: read what is taken, take the lowest free
// number, all in one transaction. Concurrent allocators must never hand out
// a number twice.
func testTxnConcurrentAllocation(t *testing.T, f *fixture) {
	const n = 8
	start := int64(100)
	end := start + n - 1
	f.create(t, &resource.Resource{Ref: resource.Ref{Kind: resource.KindIDPool, ID: "rt-pool"},
		Spec: &resource.IDPool{Start: &start, End: &end}})
	f.create(t, network("net", tenantA, "10.0.0.0/16"))

	allocate := func(ctx context.Context, id string) (got int64, err error) {
		err = f.s.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
			pool, err := tx.Get(ctx, resource.Ref{Kind: resource.KindIDPool, ID: "rt-pool"})
			if err != nil {
				return err
			}
			spec := pool.Spec.(*resource.IDPool)
			page, err := tx.List(ctx, store.Filter{Kind: resource.KindRouteTargetAssociation})
			if err != nil {
				return err
			}
			taken := map[int64]bool{}
			for _, r := range page.Items {
				taken[r.Spec.(*resource.RouteTargetAssociation).RouteTarget] = true
			}
			for v := *spec.Start; v <= *spec.End; v++ {
				if !taken[v] {
					got = v
					_, err := tx.Create(ctx, &resource.Resource{
						Ref:  resource.Ref{Kind: resource.KindRouteTargetAssociation, ID: id},
						Spec: &resource.RouteTargetAssociation{NetworkID: "net", RouteTarget: v},
					})
					return err
				}
			}
			return resource.Errorf(resource.Forbidden, "pool exhausted")
		})
		return got, err
	}

	var wg sync.WaitGroup
	got := make([]int64, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = allocate(t.Context(), fmt.Sprintf("rt-%d", i))
		}()
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("allocator %d: %v", i, errs[i])
		}
		if seen[got[i]] || got[i] < start || got[i] > end {
			t.Fatalf("allocator %d got %d: duplicate or out of the pool (all: %v)", i, got[i], got)
		}
		seen[got[i]] = true
	}
	if _, err := allocate(t.Context(), "rt-extra"); !isCode(err, resource.Forbidden) {
		t.Errorf("allocation from a full pool = %v, want Forbidden", err)
	}
}

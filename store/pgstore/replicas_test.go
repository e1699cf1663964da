package pgstore

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// openN opens n stores on one schema, as n replicas would.
func openN(t *testing.T, dsn string, n int) []store.Store {
	t.Helper()
	out := make([]store.Store, n)
	for i := range out {
		s, err := Open(t.Context(), dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out
}

// TestReplicasSerializeWrites runs read-modify-write transactions on one
// counter from three stores at once. Were two transactions ever to
// interleave, the later one's write would be stale (a Conflict) or lose the
// other's increment.
func TestReplicasSerializeWrites(t *testing.T) {
	stores := openN(t, freshSchema(t), 3)
	ctx := t.Context()
	if _, err := stores[0].Create(ctx, network("counter")); err != nil {
		t.Fatal(err)
	}
	ref := resource.Ref{Kind: resource.KindNetwork, ID: "counter"}
	const workers, each = 6, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	revs := make(chan int64, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%len(stores)]
			for range each {
				err := s.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
					r, err := tx.Get(ctx, ref)
					if err != nil {
						return err
					}
					n, _ := strconv.Atoi(r.Status.Message)
					r.Status.Message = strconv.Itoa(n + 1)
					u, err := tx.UpdateStatus(ctx, r)
					if err == nil {
						revs <- u.Revision
					}
					return err
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(revs)
	for err := range errs {
		t.Errorf("an increment failed: %v", err)
	}
	got, err := stores[1].Get(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status.Message != strconv.Itoa(workers*each) {
		t.Errorf("counter = %s after %d increments", got.Status.Message, workers*each)
	}
	seen := map[int64]bool{}
	for r := range revs {
		if seen[r] {
			t.Errorf("revision %d handed out twice", r)
		}
		seen[r] = true
	}
}

// TestReplicasAllocate allocates numbers from a pool the way the
// orchestrator does (read what is taken, take the lowest free number) from
// three stores at once: no number may be handed out twice.
func TestReplicasAllocate(t *testing.T) {
	stores := openN(t, freshSchema(t), 3)
	ctx := t.Context()
	if _, err := stores[0].Create(ctx, network("net")); err != nil {
		t.Fatal(err)
	}
	const n = 24
	allocate := func(s store.Store, id string) (got int64, err error) {
		err = s.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
			page, err := tx.List(ctx, store.Filter{Kind: resource.KindRouteTargetAssociation})
			if err != nil {
				return err
			}
			taken := map[int64]bool{}
			for _, r := range page.Items {
				taken[r.Spec.(*resource.RouteTargetAssociation).RouteTarget] = true
			}
			for got = 100; taken[got]; got++ {
			}
			_, err = tx.Create(ctx, &resource.Resource{
				Ref:  resource.Ref{Kind: resource.KindRouteTargetAssociation, ID: id},
				Spec: &resource.RouteTargetAssociation{NetworkID: "net", RouteTarget: got},
			})
			return err
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
			got[i], errs[i] = allocate(stores[i%len(stores)], fmt.Sprintf("rt-%d", i))
		}()
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("allocator %d: %v", i, errs[i])
		}
		if seen[got[i]] {
			t.Fatalf("number %d handed out twice (all: %v)", got[i], got)
		}
		seen[got[i]] = true
	}
}

// TestWriteLockPerSchema: writers of different schemas (separate orca
// deployments in one database) do not wait for each other, while a writer
// of the same schema waits for the transaction in progress.
func TestWriteLockPerSchema(t *testing.T) {
	dsn := freshSchema(t)
	a := openN(t, dsn, 2)
	other := openN(t, freshSchema(t), 1)[0]
	ctx := t.Context()

	holding, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock) // before the stores close, should the test fail first
	done := make(chan error, 1)
	go func() {
		done <- a[0].Txn(ctx, func(ctx context.Context, tx store.Tx) error {
			if _, err := tx.Create(ctx, network("first")); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	// The other schema's write completes while the lock is held (a
	// deadlock here would hang, so it is bounded).
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := other.Create(wctx, network("elsewhere")); err != nil {
		t.Fatalf("a write to another schema while the lock is held: %v", err)
	}
	// The same schema's writer, in another store, waits: its context
	// expiring while it waits fails it (and leaves the lock alone).
	short, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel2()
	if _, err := a[1].Create(short, network("second")); err == nil {
		t.Fatal("a write to the same schema went through while another held the lock")
	} else if resource.CodeOf(err) != resource.Unavailable {
		t.Fatalf("the waiting writer's expired context: %v, want Unavailable", err)
	}
	unblock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Once released, it writes, and sees the first transaction's write.
	if _, err := a[1].Create(ctx, network("second")); err != nil {
		t.Fatal(err)
	}
	page, err := a[1].List(ctx, store.Filter{Kind: resource.KindNetwork})
	if err != nil || page.Total != 2 {
		t.Fatalf("List after both writes: %v, %v", page, err)
	}
}

// TestRefusedWriteInTxn: a write the server refuses (a spec string holding
// U+0000, which PostgreSQL's JSONB cannot store; the engine lets an
// embedder's kind through) fails its transaction as a whole, Invalid, even
// though the write itself is sent later, with the commit (begin.go).
func TestRefusedWriteInTxn(t *testing.T) {
	needPG(t)
	ctx := t.Context()
	s, err := Open(ctx, freshSchema(t), &Options{Registry: gadgetRegistry(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	mk := func(id, label string) *resource.Resource {
		return &resource.Resource{Ref: resource.Ref{Kind: "gadget", ID: id}, Tenant: "t", Spec: &gadget{Label: label}}
	}
	_, err = s.Create(ctx, mk("bad", "a\x00b"))
	if resource.CodeOf(err) != resource.Invalid {
		t.Errorf("Create with U+0000: %v, want Invalid", err)
	}
	err = s.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.Create(ctx, mk("good", "x")); err != nil {
			return err
		}
		if _, err := tx.Create(ctx, mk("bad", "a\x00b")); err != nil {
			return err
		}
		_, err := tx.Create(ctx, mk("after", "y"))
		return err
	})
	if resource.CodeOf(err) != resource.Invalid {
		t.Errorf("Txn with a refused write: %v, want Invalid", err)
	}
	page, err := s.List(ctx, store.Filter{Kind: "gadget"})
	if err != nil || page.Total != 0 {
		t.Fatalf("after the refused transaction: %v, %v; want nothing stored", page, err)
	}
	if _, err := s.Create(ctx, mk("good", "x")); err != nil {
		t.Fatalf("a write after the refused transaction: %v", err)
	}
}

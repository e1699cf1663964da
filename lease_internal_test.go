package orca

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/memstore"
)

func leased(s store.Store, holder string) *Orchestrator {
	return New(s, &Options{Logger: slog.New(slog.DiscardHandler),
		Leases: &LeaseOptions{Holder: holder, TTL: 4 * time.Second, Renew: time.Second, Shards: 2}})
}

func lease(t *testing.T, s store.Store, id string) *resource.Lease {
	t.Helper()
	r, err := s.Get(context.Background(), resource.Ref{Kind: resource.KindLease, ID: id})
	if err != nil {
		t.Fatalf("lease %s: %v", id, err)
	}
	return r.Spec.(*resource.Lease)
}

// TestFencedWrites: a write made under a lease checks the lease in its own
// transaction: once another replica has claimed it, at a later epoch, the
// old holder's writes are refused and change nothing, even while its own
// clock still counts the lease valid.
func TestFencedWrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		s := memstore.New(nil)
		a, b := leased(s, "a"), leased(s, "b")
		a.leases.tick(ctx) // a, alone, claims every shard
		h := a.leases.enter("shard.0")
		if h == nil {
			t.Fatal("a does not hold shard.0 after claiming alone")
		}
		defer h.exit()
		fenced := withFence(ctx, h)
		net := &resource.Resource{Ref: resource.Ref{Kind: resource.KindFlavor, ID: "f1"}, Tenant: "t", Spec: &resource.Flavor{RAM: 64, VCPUs: 1}}
		if _, err := a.store.Create(fenced, net); err != nil {
			t.Fatalf("a write under a held lease: %v", err)
		}

		// b claims the lease over a's head, as after a's lease ran out
		// by b's clock, while a's clock still counts it valid.
		h.mu.Lock()
		h.validUntil = time.Now().Add(time.Hour)
		h.mu.Unlock()
		b.leases.tick(ctx)
		time.Sleep(5 * time.Second) // a's records stay unchanged: a is dead to b
		b.leases.tick(ctx)
		b.leases.tick(ctx)
		if got := lease(t, s, "shard.0"); got.Holder != "b" || got.Epoch != h.epoch+1 {
			t.Fatalf("shard.0 after a went quiet: %+v, want b's at epoch %d", got, h.epoch+1)
		}

		for name, write := range map[string]func() error{
			"create": func() error {
				_, err := a.store.Create(fenced, &resource.Resource{Ref: resource.Ref{Kind: resource.KindFlavor, ID: "f2"}, Tenant: "t", Spec: &resource.Flavor{RAM: 64, VCPUs: 1}})
				return err
			},
			"update status": func() error {
				r, err := s.Get(ctx, net.Ref)
				if err != nil {
					return err
				}
				r.Status.Phase = resource.PhaseFailed
				_, err = a.store.UpdateStatus(fenced, r)
				return err
			},
			"delete": func() error { return a.store.Delete(fenced, net.Ref, 0) },
			"txn": func() error {
				return a.store.Txn(fenced, func(ctx context.Context, tx store.Tx) error {
					_, err := tx.Create(ctx, &resource.Resource{Ref: resource.Ref{Kind: resource.KindFlavor, ID: "f3"}, Tenant: "t", Spec: &resource.Flavor{RAM: 64, VCPUs: 1}})
					return err
				})
			},
		} {
			if err := write(); !errors.Is(err, errNotHeld) {
				t.Errorf("%s by the old holder = %v, want it refused (errNotHeld)", name, err)
			}
		}
		page, err := s.List(ctx, store.Filter{Kind: resource.KindFlavor})
		if err != nil || len(page.Items) != 1 || page.Items[0].Status.Phase == resource.PhaseFailed {
			t.Errorf("flavors after the refused writes: %v %v, want f1 alone, unchanged", page, err)
		}
		// Unfenced writes (the API's) are not a pass's: they go through.
		if _, err := a.store.Create(ctx, &resource.Resource{Ref: resource.Ref{Kind: resource.KindFlavor, ID: "f4"}, Tenant: "t", Spec: &resource.Flavor{RAM: 64, VCPUs: 1}}); err != nil {
			t.Errorf("an unfenced (API) write: %v", err)
		}
	})
}

// TestCallsEndWithTheLease: a VIM call is not started under a lease that
// has run out, and one under way is cut off when it runs out: before any
// other replica could claim it.
func TestCallsEndWithTheLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		o := leased(memstore.New(nil), "a")
		o.leases.tick(ctx)
		h := o.leases.enter("shard.1")
		if h == nil {
			t.Fatal("no lease")
		}
		defer h.exit()
		until, _ := h.until()
		s := &site{id: "loc-1", sem: semaphore.NewWeighted(1)}
		var ended time.Time
		err := o.callVIM(withFence(ctx, h), s, func(ctx context.Context) error {
			<-ctx.Done() // a call that hangs
			ended = time.Now()
			return resource.Wrap(resource.Unavailable, ctx.Err())
		})
		if ended.After(until) || err == nil {
			t.Errorf("a hanging call ended at %v (err %v), want by the lease's end %v", ended, err, until)
		}
		called := false
		err = o.callVIM(withFence(ctx, h), s, func(context.Context) error { called = true; return nil })
		if called || !errors.Is(err, errNotHeld) {
			t.Errorf("a call under a run-out lease: called %v, err %v; want refused before calling", called, err)
		}
	})
}

// TestAssignIsFairAndStable: every member gets its fair share, whatever
// the names, and a member leaving moves few units besides its own.
func TestAssignIsFairAndStable(t *testing.T) {
	tests := map[string]struct {
		members []string
		units   int
	}{
		"two replicas, four locations": {[]string{"replica-a", "replica-b"}, 4},
		"three replicas, ten":          {[]string{"r0", "r1", "r2"}, 10},
		"three replicas, 300":          {[]string{"r1", "r2", "r3"}, 300},
		"more replicas than units":     {[]string{"a", "b", "c", "d"}, 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var units []string
			for i := range tc.units {
				units = append(units, fmt.Sprintf("loc.site-%d", i))
			}
			before := assign(tc.members, units)
			share := map[string]int{}
			for _, m := range before {
				share[m]++
			}
			fair := (tc.units + len(tc.members) - 1) / len(tc.members)
			for _, m := range tc.members {
				if share[m] > fair || share[m] < tc.units/len(tc.members) {
					t.Errorf("shares %v of %d units: %s is off its fair share", share, tc.units, m)
				}
			}
			if len(before) != tc.units {
				t.Errorf("%d of %d units assigned", len(before), tc.units)
			}
			gone := tc.members[0]
			after := assign(tc.members[1:], units)
			moved := 0
			for u, was := range before {
				if was != gone && after[u] != was {
					moved++
				}
			}
			if moved > tc.units/len(tc.members)+1 {
				t.Errorf("%d units of others moved when %s left: want few", moved, gone)
			}
		})
	}
}

// TestLapsedLeaseResumesItsWork: a renewal that waited its turn to write
// past the lease's end (the lease lapsed, nobody claimed it) looks at the
// unit's work again, since passes refused meanwhile were dropped.
func TestLapsedLeaseResumesItsWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		s := memstore.New(nil)
		loc := resource.Ref{Kind: resource.KindLocation, ID: "loc-1"}
		if _, err := s.Create(ctx, &resource.Resource{Ref: loc, Name: "loc-1", Spec: &resource.Location{KeystoneEndpoint: "fake://loc-1"}}); err != nil {
			t.Fatal(err)
		}
		o := leased(s, "a")
		o.leases.tick(ctx)
		o.leases.claim.Wait()
		h := o.leases.enter(locUnit("loc-1"))
		if h == nil {
			t.Fatal("loc-1 not held after claiming alone")
		}
		h.exit()
		for tick := range 2 {
			o.q = newQueue(o.q.isFan, o.q.fanCap) // what the claim scheduled is done
			if tick == 1 {
				h.mu.Lock()
				h.validUntil = time.Now().Add(-time.Millisecond) // lapsed
				h.mu.Unlock()
			}
			time.Sleep(time.Second)
			o.leases.tick(ctx)
			o.leases.claim.Wait()
			o.q.mu.Lock()
			queued := o.q.dirty[loc]
			o.q.mu.Unlock()
			if want := tick == 1; queued != want {
				t.Errorf("round %d (lapsed %v): location scheduled = %v, want %v", tick, want, queued, want)
			}
		}
		if got := lease(t, s, "loc.loc-1"); got.Holder != "a" || got.Epoch != h.epoch {
			t.Errorf("after the lapse: %+v, want still a's at epoch %d", got, h.epoch)
		}
	})
}

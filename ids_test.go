package orca_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
)

func (e *env) pool(name string, start, end int64) *resource.Resource {
	return e.apply(&resource.Resource{Ref: ref(resource.KindIDPool, name+"-pool"), Name: name,
		Spec: &resource.IDPool{Start: &start, End: &end}})
}

func contrailID(r *resource.Resource) int64 { return r.Spec.(*resource.Network).ContrailID }

func TestContrailIDsFromPool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		ctx := context.Background()
		pool := e.pool(orca.PoolContrailNetworkID, 100, 102)

		var got []int64
		for i := range 3 {
			got = append(got, contrailID(e.apply(network(fmt.Sprintf("n%d", i), "10.0.0.0/24", 0))))
		}
		if !slices.Equal(got, []int64{100, 101, 102}) {
			t.Fatalf("allocated %v, want 100 101 102", got)
		}
		_, err := e.o.Apply(ctx, network("n3", "10.0.0.0/24", 0))
		if resource.CodeOf(err) != resource.Forbidden {
			t.Fatalf("create from an exhausted pool = %v, want Forbidden", err)
		}
		if _, err := e.s.Get(ctx, ref(resource.KindNetwork, "n3")); resource.CodeOf(err) != resource.NotFound {
			t.Error("the refused create left a network")
		}

		// An update that leaves the field out keeps the allocated value.
		upd := network("n1", "10.0.0.0/24", 0)
		upd.Spec.(*resource.Network).Description = "renamed"
		if got := e.apply(upd); contrailID(got) != 101 {
			t.Errorf("after an update without contrail_id: %d, want 101", contrailID(got))
		}
		// An explicit value that is taken is refused; a free one reserved.
		explicit := network("x", "10.0.0.0/24", 0)
		explicit.Spec.(*resource.Network).ContrailID = 102
		if _, err := e.o.Apply(ctx, explicit); resource.CodeOf(err) != resource.Conflict {
			t.Errorf("explicit taken value = %v, want Conflict", err)
		}
		explicit.Spec.(*resource.Network).ContrailID = 7 // outside the pool: not policed
		e.apply(explicit)

		// Deleting a network frees its value; the pool cannot go while
		// values are allocated.
		if err := e.o.Delete(ctx, pool.Ref, 0); resource.CodeOf(err) != resource.Conflict {
			t.Errorf("Delete of a pool in use = %v, want Conflict", err)
		}
		if err := e.o.Delete(ctx, ref(resource.KindNetwork, "n1"), 0); err != nil {
			t.Fatal(err)
		}
		e.waitGone(ref(resource.KindNetwork, "n1"))
		if got := contrailID(e.apply(network("n4", "10.0.0.0/24", 0))); got != 101 {
			t.Errorf("after freeing 101 the next network got %d", got)
		}
	})
}

func TestConcurrentAllocationsAreUnique(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		e.pool(orca.PoolContrailSecurityGroupID, 1, 1000)
		var wg sync.WaitGroup
		ids := make([]int64, 16)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := e.o.Apply(context.Background(), &resource.Resource{Ref: ref(resource.KindSecurityGroup, fmt.Sprintf("sg-%d", i)),
					Tenant: tenant, Spec: &resource.SecurityGroup{}})
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = r.Spec.(*resource.SecurityGroup).ContrailID
			}()
		}
		wg.Wait()
		seen := map[int64]bool{}
		for _, id := range ids {
			if id == 0 || seen[id] {
				t.Fatalf("allocations %v: zero or duplicate", ids)
			}
			seen[id] = true
		}
	})
}

func TestRouteTargetsArePartsOfTheirNetwork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2})
		e.pool(orca.PoolRouteTarget, 8000000, 8000099)
		n := e.apply(network("net", "10.0.0.0/24", 0))
		e.waitPhase(n.Ref, resource.PhaseReady)
		rt := e.apply(&resource.Resource{Ref: ref(resource.KindRouteTargetAssociation, "rt1"),
			Spec: &resource.RouteTargetAssociation{NetworkID: "net"}})
		if got := rt.Spec.(*resource.RouteTargetAssociation).RouteTarget; got != 8000000 {
			t.Errorf("route target %d, want 8000000 from the pool", got)
		}
		e.waitFor("route target realized at both locations", time.Minute, func() bool {
			for _, loc := range []string{"loc-1", "loc-2"} {
				objs := e.vimObjects(loc, resource.KindNetwork)
				if len(objs) != 1 || !slices.Equal(objs[0].Parts, []string{"rt1"}) {
					return false
				}
			}
			return true
		})
		if err := e.o.Delete(context.Background(), rt.Ref, 0); err != nil {
			t.Fatal(err)
		}
		e.waitFor("route target removed", time.Minute, func() bool {
			objs := e.vimObjects("loc-1", resource.KindNetwork)
			return len(objs) == 1 && len(objs[0].Parts) == 0
		})
		// Allocation continues after the last value handed out (it does
		// not reuse a just-freed one until the pool wraps around).
		again := e.apply(&resource.Resource{Ref: ref(resource.KindRouteTargetAssociation, "rt2"),
			Spec: &resource.RouteTargetAssociation{NetworkID: "net"}})
		if got := again.Spec.(*resource.RouteTargetAssociation).RouteTarget; got != 8000001 {
			t.Errorf("second route target %d, want 8000001", got)
		}
	})
}

// TestRouteTargetChanges: a route target may change (seed 000 lets it):
// the pool's allocation moves with it in one transaction, a value someone
// holds is refused with nothing changed, and the network's copies are
// updated in place with the new number.
func TestRouteTargetChanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		ctx := context.Background()
		pool := e.pool(orca.PoolRouteTarget, 8000000, 8000099)
		n := e.apply(network("net", "10.0.0.0/24", 0))
		e.waitPhase(n.Ref, resource.PhaseReady)
		rt1 := e.apply(&resource.Resource{Ref: ref(resource.KindRouteTargetAssociation, "rt1"), Spec: &resource.RouteTargetAssociation{NetworkID: "net"}})
		e.apply(&resource.Resource{Ref: ref(resource.KindRouteTargetAssociation, "rt2"), Spec: &resource.RouteTargetAssociation{NetworkID: "net"}})
		settle(time.Minute)
		updates := e.f.VIM("loc-1").Calls(fake.OpUpdate)

		held := func(v int64) string {
			a, err := e.s.Get(ctx, ref(resource.KindIDAllocation, fmt.Sprintf("%s.%d", pool.ID, v)))
			if err != nil {
				return ""
			}
			return a.Spec.(*resource.IDAllocation).HolderID
		}
		// Taken by rt2: refused, nothing moved.
		taken := *rt1
		taken.Revision = 0
		taken.Spec = &resource.RouteTargetAssociation{NetworkID: "net", RouteTarget: 8000001}
		if _, err := e.o.Apply(ctx, &taken); resource.CodeOf(err) != resource.Conflict {
			t.Fatalf("a held value: %v, want Conflict", err)
		}
		if held(8000000) != "rt1" || held(8000001) != "rt2" {
			t.Fatalf("after a refused change: 8000000 held by %q, 8000001 by %q", held(8000000), held(8000001))
		}
		// A free one: it moves.
		free := taken
		free.Spec = &resource.RouteTargetAssociation{NetworkID: "net", RouteTarget: 8000050}
		if got := e.apply(&free).Spec.(*resource.RouteTargetAssociation).RouteTarget; got != 8000050 {
			t.Fatalf("route target %d after the change", got)
		}
		if held(8000000) != "" || held(8000050) != "rt1" {
			t.Errorf("allocation did not move: 8000000 held by %q, 8000050 by %q", held(8000000), held(8000050))
		}
		e.waitFor("the network updated in place", time.Minute, func() bool {
			return e.f.VIM("loc-1").Calls(fake.OpUpdate) > updates
		})
		if objs := e.vimObjects("loc-1", resource.KindNetwork); len(objs) != 1 {
			t.Errorf("%d networks at loc-1: a route target change replaced the network", len(objs))
		}
	})
}

// TestRouteTargetMoves: a route target association may move to another
// network (seed 000 lets it): the network it left drops the route target
// and the one it joined takes it, both in place.
func TestRouteTargetMoves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		a, b := e.apply(network("a", "10.0.0.0/24", 0)), e.apply(network("b", "10.1.0.0/24", 0))
		rta := func(netID string) *resource.Resource {
			return &resource.Resource{Ref: ref(resource.KindRouteTargetAssociation, "rt"),
				Spec: &resource.RouteTargetAssociation{NetworkID: netID, RouteTarget: 100}}
		}
		e.apply(rta("a"))
		parts := func() map[string][]string {
			out := map[string][]string{}
			for _, o := range e.vimObjects("loc-1", resource.KindNetwork) {
				out[o.Name] = o.Parts
			}
			return out
		}
		e.waitFor("rt on a", time.Minute, func() bool { return slices.Equal(parts()["a"], []string{"rt"}) })
		ids := map[string]string{}
		for _, o := range e.vimObjects("loc-1", resource.KindNetwork) {
			ids[o.Name] = o.ExternalID
		}
		e.apply(rta("b"))
		e.waitFor("rt moved to b", time.Minute, func() bool {
			p := parts()
			return len(p["a"]) == 0 && slices.Equal(p["b"], []string{"rt"})
		})
		for _, o := range e.vimObjects("loc-1", resource.KindNetwork) {
			if o.ExternalID != ids[o.Name] {
				t.Errorf("network %s replaced (%s, was %s)", o.Name, o.ExternalID, ids[o.Name])
			}
		}
		e.waitPhase(a.Ref, resource.PhaseReady)
		e.waitPhase(b.Ref, resource.PhaseReady)
	})
}

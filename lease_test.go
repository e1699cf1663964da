package orca_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/memstore"
)

const (
	leaseTTL   = 4 * time.Second
	leaseRenew = time.Second
)

// cutStore is a store a replica can be cut off from: every call fails as a
// database that cannot be reached does. Cut off, a replica is dead as far
// as the others can tell, but its process runs on (a partition, a stalled
// machine): the case fencing is for.
type cutStore struct {
	store.Store
	cut atomic.Bool
}

func (s *cutStore) err() error {
	if s.cut.Load() {
		return resource.Errorf(resource.Unavailable, "cut off from the database")
	}
	return nil
}

func (s *cutStore) Get(ctx context.Context, ref resource.Ref) (*resource.Resource, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.Get(ctx, ref)
}

func (s *cutStore) List(ctx context.Context, f store.Filter) (*store.Page, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.List(ctx, f)
}

func (s *cutStore) Referrers(ctx context.Context, ref resource.Ref) ([]resource.Ref, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.Referrers(ctx, ref)
}

func (s *cutStore) Create(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.Create(ctx, r)
}

func (s *cutStore) Update(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.Update(ctx, r)
}

func (s *cutStore) UpdateStatus(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.UpdateStatus(ctx, r)
}

func (s *cutStore) Delete(ctx context.Context, ref resource.Ref, revision int64) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.Delete(ctx, ref, revision)
}

func (s *cutStore) Txn(ctx context.Context, fn func(context.Context, store.Tx) error) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.Txn(ctx, fn)
}

// replicas are orchestrators sharing one store and one set of fake VIMs,
// each tagging its VIM calls with its name.
type replicas struct {
	t      *testing.T
	shared store.Store
	f      *fake.Factory
	names  []string
	os     map[string]*orca.Orchestrator
	stores map[string]*cutStore
	stops  map[string]func()
}

func newReplicas(t *testing.T, n, locations int) *replicas {
	rs := &replicas{t: t, shared: memstore.New(nil), f: fake.NewFactory(&fake.Options{Latency: 20 * time.Millisecond, BuildTime: time.Second}),
		os: map[string]*orca.Orchestrator{}, stores: map[string]*cutStore{}, stops: map[string]func(){}}
	for i := 1; i <= n; i++ {
		rs.start(fmt.Sprintf("r%d", i))
	}
	for i := 1; i <= locations; i++ {
		id := fmt.Sprintf("loc-%d", i)
		rs.apply(&resource.Resource{Ref: ref(resource.KindLocation, id), Name: id, Spec: &resource.Location{KeystoneEndpoint: "fake://" + id}})
	}
	return rs
}

func (rs *replicas) start(name string) {
	cs := &cutStore{Store: rs.shared}
	o := orca.New(cs, &orca.Options{
		Drivers: rs.f, Logger: slog.New(slog.DiscardHandler),
		PollInterval: pollInterval, ResyncInterval: resyncInterval, FollowWrites: 200 * time.Millisecond,
		Leases: &orca.LeaseOptions{Holder: name, TTL: leaseTTL, Renew: leaseRenew, Shards: 8},
	})
	ctx, cancel := context.WithCancel(fake.WithCaller(context.Background(), name))
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				rs.t.Errorf("%s: Run: %v", name, err)
			}
			o.Close()
		}
	}
	rs.t.Cleanup(stop)
	rs.names = append(rs.names, name)
	rs.os[name], rs.stores[name], rs.stops[name] = o, cs, stop
}

// apply writes through the first replica's API: replicas that reconcile
// other work see it by following the store.
func (rs *replicas) apply(r *resource.Resource) *resource.Resource {
	rs.t.Helper()
	out, err := rs.os[rs.names[0]].Apply(context.Background(), r)
	if err != nil {
		rs.t.Fatalf("Apply(%s): %v", r.Ref, err)
	}
	return out
}

// holders maps each lease to its holder, as stored.
func (rs *replicas) holders() map[string]string {
	rs.t.Helper()
	page, err := rs.shared.List(context.Background(), store.Filter{Kind: resource.KindLease})
	if err != nil {
		rs.t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range page.Items {
		out[r.ID] = r.Spec.(*resource.Lease).Holder
	}
	return out
}

// settle waits until every location is held, by n replicas in all, the
// same for three renewals: the split that replicas starting together
// reach once they all see each other.
func (rs *replicas) settle(n int) {
	rs.t.Helper()
	var last map[string]string
	stable := 0
	rs.waitFor("the split settled", time.Minute, func() bool {
		h := rs.holders()
		who := map[string]bool{}
		for id, holder := range h {
			if strings.HasPrefix(id, "loc.") {
				who[holder] = true
			}
		}
		if len(who) != n || who[""] || !maps.Equal(h, last) {
			last, stable = h, 0
			return false
		}
		stable++
		return stable >= 30 // 3s at 100ms
	})
}

// waitFor polls cond every 100ms of bubble time, failing after limit.
func (rs *replicas) waitFor(what string, limit time.Duration, cond func() bool) time.Duration {
	rs.t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			rs.t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(start)
}

// allReady reports whether every network is Ready at every location and
// each location's VIM holds exactly one object per network.
func (rs *replicas) allReady(nets, locations int) bool {
	rs.t.Helper()
	page, err := rs.shared.List(context.Background(), store.Filter{Kind: resource.KindNetwork})
	if err != nil {
		rs.t.Fatal(err)
	}
	if len(page.Items) != nets {
		return false
	}
	for _, n := range page.Items {
		if n.Status.Phase != resource.PhaseReady {
			return false
		}
	}
	for i := 1; i <= locations; i++ {
		if len(rs.f.VIM(fmt.Sprintf("loc-%d", i)).Objects(resource.KindNetwork)) != nets {
			return false
		}
	}
	return true
}

// checkNoOverlap fails when two replicas' calls at one location overlap
// in time: a location's work is one replica's at a time.
func (rs *replicas) checkNoOverlap(locations int) {
	rs.t.Helper()
	for i := 1; i <= locations; i++ {
		loc := fmt.Sprintf("loc-%d", i)
		for _, p := range fake.Overlaps(rs.f.VIM(loc).CallLog()) {
			rs.t.Errorf("%s: %s's %s call (%v–%v) overlaps %s's %s call (%v–%v)", loc,
				p[0].Caller, p[0].Op, p[0].Start, p[0].End, p[1].Caller, p[1].Op, p[1].Start, p[1].End)
		}
	}
}

// TestLeasesSplitWork: three replicas on one store split ten locations
// between them; a network written through one replica's API is realized
// everywhere, each location's VIM called by the one replica holding its
// lease, nothing created twice.
func TestLeasesSplitWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const locations, nets = 10, 12
		rs := newReplicas(t, 3, locations)
		rs.settle(3)
		settled := time.Now()
		for i := range nets {
			rs.apply(network(fmt.Sprintf("n%d", i), fmt.Sprintf("10.%d.0.0/24", i), 0))
		}
		rs.waitFor("every network Ready everywhere", 5*time.Minute, func() bool { return rs.allReady(nets, locations) })
		rs.checkNoOverlap(locations)
		holders := rs.holders()
		working := map[string]int{}
		for i := 1; i <= locations; i++ {
			loc := fmt.Sprintf("loc-%d", i)
			holder := holders["loc."+loc]
			var callers []string
			for _, c := range rs.f.VIM(loc).CallLog() {
				if c.Start.After(settled) && !slices.Contains(callers, c.Caller) {
					callers = append(callers, c.Caller)
				}
			}
			if want := []string{holder}; !slices.Equal(callers, want) {
				t.Errorf("%s: VIM called by %v, want only its lease holder %v", loc, callers, want)
			}
			working[holder]++
		}
		if len(working) != 3 {
			t.Errorf("locations per replica %v: want the work split between all three", working)
		}
		t.Logf("locations per replica: %v", working)
	})
}

// TestLeasesTakeOverFromADeadReplica: a replica cut off from the store
// mid-convergence stops calling its VIMs when its leases run out; the
// others claim its locations after TTL and finish, with no location's VIM
// ever called by two replicas at once and nothing created twice. When it
// comes back it gets a share again.
func TestLeasesTakeOverFromADeadReplica(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const locations, nets = 10, 20
		rs := newReplicas(t, 3, locations)
		rs.settle(3)
		for i := range nets / 2 {
			rs.apply(network(fmt.Sprintf("n%d", i), fmt.Sprintf("10.%d.0.0/24", i), 0))
		}
		time.Sleep(300 * time.Millisecond) // mid-convergence: BuildTime is 1s
		var lost []string
		for id, h := range rs.holders() {
			if h == "r2" && strings.HasPrefix(id, "loc.") {
				lost = append(lost, id)
			}
		}
		rs.stores["r2"].cut.Store(true)
		cutAt := time.Now()
		for i := nets / 2; i < nets; i++ {
			rs.apply(network(fmt.Sprintf("n%d", i), fmt.Sprintf("10.%d.0.0/24", i), 0))
		}
		took := rs.waitFor("r2's locations claimed by others", time.Minute, func() bool {
			h := rs.holders()
			for _, id := range lost {
				if h[id] == "r2" || h[id] == "" {
					return false
				}
			}
			return true
		})
		if limit := leaseTTL + 2*leaseRenew; took > limit {
			t.Errorf("takeover took %v, want at most TTL + 2 renewals (%v)", took, limit)
		}
		t.Logf("takeover of %d locations %v after the cut (TTL %v, renewal %v)", len(lost), took, leaseTTL, leaseRenew)
		rs.waitFor("every network Ready everywhere", 5*time.Minute, func() bool { return rs.allReady(nets, locations) })
		for i := 1; i <= locations; i++ {
			for _, c := range rs.f.VIM(fmt.Sprintf("loc-%d", i)).CallLog() {
				if c.Caller == "r2" && c.End.After(cutAt.Add(leaseTTL)) {
					t.Errorf("loc-%d: r2 called %s at %v, after its leases ran out", i, c.Op, c.End)
				}
			}
		}

		rs.stores["r2"].cut.Store(false)
		rs.waitFor("r2 holding locations again", time.Minute, func() bool {
			for id, h := range rs.holders() {
				if h == "r2" && strings.HasPrefix(id, "loc.") {
					return true
				}
			}
			return false
		})
		rs.apply(network("late", "10.99.0.0/24", 0))
		rs.waitFor("every network Ready everywhere", 5*time.Minute, func() bool { return rs.allReady(nets+1, locations) })
		rs.checkNoOverlap(locations)
	})
}

// TestLeasesHandOverOnStop: a replica that stops cleanly releases its
// leases, and the others take its work at their next round, not TTL later.
func TestLeasesHandOverOnStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const locations = 6
		rs := newReplicas(t, 2, locations)
		rs.apply(network("n", "10.1.0.0/24", 0))
		rs.waitFor("Ready everywhere", time.Minute, func() bool { return rs.allReady(1, locations) })
		rs.stops["r2"]()
		took := rs.waitFor("every location held by r1", time.Minute, func() bool {
			for id, h := range rs.holders() {
				if strings.HasPrefix(id, "loc.") && h != "r1" {
					return false
				}
			}
			return true
		})
		if took > 2*leaseRenew {
			t.Errorf("hand-over took %v, want at most two renewals (%v): released leases need no TTL", took, 2*leaseRenew)
		}
		if _, ok := rs.holders()["member.r2"]; ok {
			t.Error("r2's member record outlived its clean stop")
		}
		next := rs.apply(network("m", "10.2.0.0/24", 0))
		rs.waitFor("Ready everywhere", time.Minute, func() bool { return rs.allReady(2, locations) })
		if next.ID != "m" {
			t.Fatal(next.ID)
		}
		rs.checkNoOverlap(locations)
	})
}

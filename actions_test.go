package orca_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/memstore"
	"github.com/orca-nfv/orca/vim"
)

func (e *env) act(target resource.Ref, verb string, params map[string]string) *resource.Resource {
	e.t.Helper()
	a, err := e.o.Act(context.Background(), target, verb, params)
	if err != nil {
		e.t.Fatalf("Act(%s, %s): %v", target, verb, err)
	}
	if a.Status.Phase != resource.PhasePending {
		e.t.Errorf("a new action is %s, want Pending (requested)", a.Status.Phase)
	}
	return a
}

// waitAction waits for an action to finish and returns it.
func (e *env) waitAction(a *resource.Resource) *resource.Resource {
	e.t.Helper()
	var got *resource.Resource
	e.waitFor("action "+a.ID+" finished", 30*time.Minute, func() bool {
		got = e.get(a.Ref)
		return got.Status.Phase == resource.PhaseReady || got.Status.Phase == resource.PhaseFailed
	})
	return got
}

func TestActionPower(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2})
		srv := e.serverStack("s1")
		e.waitPhase(srv, resource.PhaseReady)

		a := e.waitAction(e.act(srv, resource.VerbPower, map[string]string{"target": "off"}))
		if a.Status.Phase != resource.PhaseReady {
			t.Fatalf("power off: %+v", a.Status)
		}
		per := a.Status.Output["locations"].(map[string]any)
		for _, loc := range []string{"loc-1", "loc-2"} {
			if per[loc] != "off" {
				t.Errorf("%s: result %v", loc, per[loc])
			}
			if objs := e.vimObjects(loc, resource.KindServer); len(objs) != 1 || objs[0].Power != vim.PowerOff {
				t.Errorf("%s: VIM server %+v, want off", loc, objs)
			}
		}
		e.waitFor("copies report power off", time.Minute, func() bool {
			for _, l := range e.locals(srv) {
				if l.Status.Output["power_state"] != "off" || l.Status.TaskStatus != "SHUTOFF" {
					return false
				}
			}
			return true
		})

		// Rebooting a server that is off is refused by the VIM: the action
		// fails, it is not retried forever.
		a = e.waitAction(e.act(srv, resource.VerbReboot, nil))
		if a.Status.Phase != resource.PhaseFailed || !strings.Contains(a.Status.Message, "off") {
			t.Errorf("reboot while off: %+v", a.Status)
		}
		a = e.waitAction(e.act(srv, resource.VerbPower, map[string]string{"target": "on"}))
		b := e.waitAction(e.act(srv, resource.VerbReboot, map[string]string{"type": "hard"}))
		if a.Status.Phase != resource.PhaseReady || b.Status.Phase != resource.PhaseReady {
			t.Errorf("power on then hard reboot: %s, %s", a.Status.Message, b.Status.Message)
		}
	})
}

func TestActionRetriesUnavailableAndResumes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2})
		srv := e.serverStack("s1")
		e.waitPhase(srv, resource.PhaseReady)
		e.f.VIM("loc-2").FailNext(fake.OpPower, 2, resource.Unavailable)
		a := e.waitAction(e.act(srv, resource.VerbPower, map[string]string{"target": "off"}))
		if a.Status.Phase != resource.PhaseReady {
			t.Fatalf("action: %+v", a.Status)
		}
		if n := e.f.VIM("loc-1").Calls(fake.OpPower); n != 1 {
			t.Errorf("loc-1 got %d power calls: a resumed action must not redo a done location", n)
		}
		if n := e.f.VIM("loc-2").Calls(fake.OpPower); n != 3 {
			t.Errorf("loc-2 got %d power calls, want 2 failures and a success", n)
		}
	})
}

func TestActionSnapshotAndRecover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		srv := e.serverStack("s1")
		e.waitPhase(srv, resource.PhaseReady)
		a := e.waitAction(e.act(srv, resource.VerbSnapshot, map[string]string{"name": "nightly"}))
		img, _ := a.Status.Output["locations"].(map[string]any)["loc-1"].(string)
		found := false
		for _, o := range e.vimObjects("loc-1", resource.KindImage) {
			found = found || o.ExternalID == img && o.Name == "nightly"
		}
		if a.Status.Phase != resource.PhaseReady || !found {
			t.Errorf("snapshot: %+v; VIM images %+v", a.Status, e.vimObjects("loc-1", resource.KindImage))
		}

		before := e.locals(srv)["loc-1"].Status.ExternalID
		a = e.waitAction(e.act(srv, resource.VerbRecover, map[string]string{"mode": "redeploy"}))
		if a.Status.Phase != resource.PhaseReady {
			t.Fatalf("recover: %+v", a.Status)
		}
		e.waitFor("server redeployed", time.Minute, func() bool {
			l := e.locals(srv)["loc-1"]
			return l.Status.Phase == resource.PhaseReady && l.Status.ExternalID != "" && l.Status.ExternalID != before
		})
		if objs := e.vimObjects("loc-1", resource.KindServer); len(objs) != 1 {
			t.Errorf("after redeploy the VIM holds %d servers", len(objs))
		}
	})
}

func TestActionPullUnlinkAndOverride(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2})
		n := e.apply(network("net", "10.0.0.0/24", 0))
		e.waitPhase(n.Ref, resource.PhaseReady)

		// pull repairs drift now, not at the next resync.
		l := e.locals(n.Ref)["loc-1"]
		if err := e.f.VIM("loc-1").Drift(l.ID, "description"); err != nil {
			t.Fatal(err)
		}
		a := e.waitAction(e.act(n.Ref, resource.VerbPull, nil))
		e.waitPhase(n.Ref, resource.PhaseReady)
		if a.Status.Phase != resource.PhaseReady || e.vimObjects("loc-1", resource.KindNetwork)[0].Spec["description"] != "net net" {
			t.Errorf("pull: %+v; VIM %+v", a.Status, e.vimObjects("loc-1", resource.KindNetwork))
		}

		// set_erred, then set_ok clears a real failure and retries it.
		a = e.waitAction(e.act(n.Ref, resource.VerbSetErred, map[string]string{"message": "maintenance"}))
		if got := e.get(n.Ref); got.Status.Phase != resource.PhaseFailed || !strings.Contains(got.Status.Message, "maintenance") {
			t.Errorf("after set_erred: %+v", got.Status)
		}
		if err := e.f.VIM("loc-2").Break(e.locals(n.Ref)["loc-2"].ID, "hypervisor gone"); err != nil {
			t.Fatal(err)
		}
		if err := e.f.VIM("loc-2").Vanish(e.locals(n.Ref)["loc-2"].ID); err != nil {
			t.Fatal(err)
		}
		e.f.VIM("loc-2").FailNext(fake.OpCreate, 1, resource.Forbidden)
		e.waitAction(e.act(n.Ref, resource.VerbPull, nil))
		e.waitPhase(n.Ref, resource.PhaseFailed)
		a = e.waitAction(e.act(n.Ref, resource.VerbSetOK, nil))
		if a.Status.Phase != resource.PhaseReady || !strings.Contains(a.Status.Message, "1 failed") {
			t.Errorf("set_ok: %+v", a.Status)
		}
		e.waitPhase(n.Ref, resource.PhaseReady)

		// unlink forgets rows, leaves VIM objects.
		a = e.waitAction(e.act(n.Ref, resource.VerbUnlink, nil))
		if a.Status.Phase != resource.PhaseReady {
			t.Fatalf("unlink: %+v", a.Status)
		}
		e.waitGone(n.Ref)
		if len(e.locals(n.Ref)) != 0 {
			t.Error("copies survived unlink")
		}
		for _, loc := range []string{"loc-1", "loc-2"} {
			if len(e.vimObjects(loc, resource.KindNetwork)) != 1 {
				t.Errorf("%s: unlink deleted the VIM object", loc)
			}
		}
	})
}

// TestUnlinkStuckLocation: a location whose VIM cannot delete anything is
// stuck Deleting; unlink forgets it and what was placed there.
func TestUnlinkStuckLocation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2})
		n := e.apply(network("net", "10.0.0.0/24", 0))
		e.waitPhase(n.Ref, resource.PhaseReady)
		e.f.VIM("loc-2").FailRate(fake.OpDelete, 1, resource.Unavailable)
		loc := ref(resource.KindLocation, "loc-2")
		if err := e.o.Delete(context.Background(), loc, 0); err != nil {
			t.Fatal(err)
		}
		settle(10 * time.Minute)
		if got := e.get(loc); !got.Deleting {
			t.Fatal("the location is not being deleted")
		}
		a := e.waitAction(e.act(loc, resource.VerbUnlink, nil))
		if a.Status.Phase != resource.PhaseReady {
			t.Fatalf("unlink of a stuck location: %+v", a.Status)
		}
		e.waitGone(loc)
		e.waitFor("network ready at the remaining location", time.Minute, func() bool {
			got := e.get(n.Ref)
			return got.Status.Phase == resource.PhaseReady && got.Status.Message == "ready at 1 location(s)"
		})
	})
}

func TestActRefuses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		n := e.apply(network("net", "10.0.0.0/24", 0))
		ctx := context.Background()
		tests := map[string]struct {
			target resource.Ref
			verb   string
			params map[string]string
			code   resource.ErrorCode
		}{
			"power on a network":  {n.Ref, resource.VerbPower, map[string]string{"target": "off"}, resource.Invalid},
			"unknown verb":        {n.Ref, "explode", nil, resource.Invalid},
			"bad params":          {n.Ref, resource.VerbPull, map[string]string{"x": "y"}, resource.Invalid},
			"missing target":      {ref(resource.KindServer, "nope"), resource.VerbReboot, nil, resource.NotFound},
			"a template":          {ref(resource.KindHeatTemplate, "t"), resource.VerbPull, nil, resource.NotFound},
			"act on a credential": {ref(resource.KindTenant, "x"), resource.VerbPull, nil, resource.NotFound},
		}
		for name, tc := range tests {
			if _, err := e.o.Act(ctx, tc.target, tc.verb, tc.params); resource.CodeOf(err) != tc.code {
				t.Errorf("%s: %v, want %v", name, err, tc.code)
			}
		}
		if _, err := e.o.Apply(ctx, &resource.Resource{Ref: ref(resource.KindAction, "a"), Spec: &resource.Action{TargetKind: "network", TargetID: "net", Verb: "pull"}}); resource.CodeOf(err) != resource.Forbidden {
			t.Errorf("Apply of an action = %v, want Forbidden", err)
		}
	})
}

// TestActionWaitsForABuildingServer: an action requested while the server
// is still building waits for it instead of failing.
func TestActionWaitsForABuildingServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1, fake: fake.Options{BuildTime: time.Minute}})
		srv := e.serverStack("s1")
		e.waitFor("server created, still building", 10*time.Minute, func() bool {
			l := e.locals(srv)["loc-1"]
			return l != nil && l.Status.ExternalID != "" && l.Status.Phase == resource.PhaseProvisioning
		})
		a := e.waitAction(e.act(srv, resource.VerbReboot, map[string]string{"type": "hard"}))
		if a.Status.Phase != resource.PhaseReady {
			t.Fatalf("reboot requested during the build: %+v", a.Status)
		}
		if calls := e.f.VIM("loc-1").Calls(fake.OpPower); calls != 1 {
			t.Errorf("%d power calls, want 1 once the server was ready", calls)
		}
	})
}

// hookStore runs before ahead of every Update and UpdateStatus; its error
// is the write's.
type hookStore struct {
	store.Store
	mu     sync.Mutex
	before func(ctx context.Context, s store.Store, r *resource.Resource) error
}

func (s *hookStore) Update(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	if err := s.runBefore(ctx, r); err != nil {
		return nil, err
	}
	return s.Store.Update(ctx, r)
}

func (s *hookStore) UpdateStatus(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	if err := s.runBefore(ctx, r); err != nil {
		return nil, err
	}
	return s.Store.UpdateStatus(ctx, r)
}

func (s *hookStore) runBefore(ctx context.Context, r *resource.Resource) error {
	s.mu.Lock()
	before := s.before
	s.mu.Unlock()
	if before == nil {
		return nil
	}
	return before(ctx, s.Store, r)
}

func (s *hookStore) setBefore(f func(ctx context.Context, s store.Store, r *resource.Resource) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.before = f
}

// interfere makes another writer win the race for each of refs once: its
// next Update finds the row rewritten since it was read.
func (s *hookStore) interfere(refs ...resource.Ref) {
	var mu sync.Mutex
	armed := map[resource.Ref]bool{}
	for _, r := range refs {
		armed[r] = true
	}
	s.setBefore(func(ctx context.Context, st store.Store, r *resource.Resource) error {
		mu.Lock()
		hit := armed[r.Ref]
		delete(armed, r.Ref)
		mu.Unlock()
		if !hit {
			return nil
		}
		now, err := st.Get(ctx, r.Ref)
		if err != nil {
			return err
		}
		now.Status.TaskStatus += "."
		_, err = st.Update(ctx, now)
		return err
	})
}

// TestOverrideLosesRace: set_ok writes rows the workers write too; losing
// such a race re-reads and still clears the failure once.
func TestOverrideLosesRace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &hookStore{Store: memstore.New(nil)}
		e := newEnv(t, envOptions{locations: 1, store: s})
		n := e.apply(network("net", "10.0.0.0/24", 0))
		e.waitPhase(n.Ref, resource.PhaseReady)
		l := e.locals(n.Ref)["loc-1"]
		if err := e.f.VIM("loc-1").Vanish(l.ID); err != nil {
			t.Fatal(err)
		}
		e.f.VIM("loc-1").FailNext(fake.OpCreate, 1, resource.Forbidden)
		e.waitAction(e.act(n.Ref, resource.VerbPull, nil))
		e.waitPhase(n.Ref, resource.PhaseFailed)

		s.interfere(n.Ref, l.Ref)
		a := e.waitAction(e.act(n.Ref, resource.VerbSetOK, nil))
		if a.Status.Phase != resource.PhaseReady || !strings.Contains(a.Status.Message, "1 failed") {
			t.Errorf("set_ok: %+v", a.Status)
		}
		e.waitPhase(n.Ref, resource.PhaseReady)
	})
}

// TestSnapshotRunsOnceAcrossRetries: the action's record of a snapshot is
// lost (as in a crash right after the VIM answered); running the action
// again adopts the image instead of making a second.
func TestSnapshotRunsOnceAcrossRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &hookStore{Store: memstore.New(nil)}
		e := newEnv(t, envOptions{locations: 1, store: s})
		srv := e.serverStack("s1")
		e.waitPhase(srv, resource.PhaseReady)
		var lost sync.Once
		s.setBefore(func(_ context.Context, _ store.Store, r *resource.Resource) error {
			var err error
			if r.Kind == resource.KindAction && r.Status.Phase == resource.PhaseReady {
				lost.Do(func() { err = resource.Errorf(resource.Unavailable, "the disk is full") })
			}
			return err
		})
		a := e.waitAction(e.act(srv, resource.VerbSnapshot, map[string]string{"name": "nightly"}))
		if a.Status.Phase != resource.PhaseReady {
			t.Fatalf("snapshot: %+v", a.Status)
		}
		var images []string
		for _, o := range e.vimObjects("loc-1", resource.KindImage) {
			if o.Name == "nightly" {
				images = append(images, o.ExternalID)
			}
		}
		if want := a.Status.Output["locations"].(map[string]any)["loc-1"]; len(images) != 1 || images[0] != want {
			t.Errorf("snapshot images %v, want only %v", images, want)
		}
	})
}

// TestPowerTaskIsWatched: a VIM that takes time to carry out a power
// change reports the machine busy; the copy records the task and is looked
// at again until it ends, rather than at the next resync (an hour here).
func TestPowerTaskIsWatched(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1, fake: fake.Options{PowerTime: 30 * time.Second}})
		srv := e.serverStack("s1")
		e.waitPhase(srv, resource.PhaseReady)
		a := e.waitAction(e.act(srv, resource.VerbPower, map[string]string{"target": "off"}))
		if a.Status.Phase != resource.PhaseReady {
			t.Fatalf("power off: %+v", a.Status)
		}
		e.waitFor("the copy records the task", time.Minute, func() bool {
			l := e.locals(srv)["loc-1"]
			return l.Status.Output["task_state"] == "powering-off" && l.Status.Output["power_state"] == "on"
		})
		e.waitFor("the copy sees the machine off", 5*time.Minute, func() bool {
			l := e.locals(srv)["loc-1"]
			_, busy := l.Status.Output["task_state"]
			return l.Status.Output["power_state"] == "off" && !busy && l.Status.Phase == resource.PhaseReady
		})
	})
}

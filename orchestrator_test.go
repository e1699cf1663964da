package orca_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/memstore"
	"github.com/orca-nfv/orca/vim"
)

// env is an orchestrator running on memstore and fake VIMs inside a
// synctest bubble: time only moves when everything waits, so BuildTime,
// backoff and resync play out exactly and instantly.
type env struct {
	t    *testing.T
	o    *orca.Orchestrator
	s    store.Store
	f    *fake.Factory
	stop func()
}

const (
	pollInterval   = time.Second
	resyncInterval = time.Hour
	tenant         = "tenant-a"
)

type envOptions struct {
	locations int
	fake      fake.Options
	orca      orca.Options
	store     store.Store
	factory   *fake.Factory
	noRun     bool
}

func newEnv(t *testing.T, eo envOptions) *env {
	t.Helper()
	e := &env{t: t, s: eo.store, f: eo.factory}
	if e.s == nil {
		e.s = memstore.New(nil)
	}
	if e.f == nil {
		e.f = fake.NewFactory(&eo.fake)
	}
	opts := eo.orca
	opts.Drivers = e.f
	opts.Logger = slog.New(slog.DiscardHandler)
	if opts.PollInterval == 0 {
		opts.PollInterval = pollInterval
	}
	if opts.ResyncInterval == 0 {
		opts.ResyncInterval = resyncInterval
	}
	e.o = orca.New(e.s, &opts)
	for i := 1; i <= eo.locations; i++ {
		e.addLocation(fmt.Sprintf("loc-%d", i), nil)
	}
	e.stop = func() {}
	if !eo.noRun {
		e.run()
	}
	return e
}

// run starts the orchestrator; stop (also at cleanup) waits for it to end.
func (e *env) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.o.Run(ctx) }()
	var stopped bool
	e.stop = func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				e.t.Errorf("Run: %v", err)
			}
			e.o.Close()
		}
	}
	e.t.Cleanup(e.stop)
}

func (e *env) addLocation(id string, labels map[string]string) {
	e.t.Helper()
	e.apply(&resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: id}, Name: id, Labels: labels,
		Spec: &resource.Location{KeystoneEndpoint: "fake://" + id}})
}

func (e *env) apply(r *resource.Resource) *resource.Resource {
	e.t.Helper()
	out, err := e.o.Apply(context.Background(), r)
	if err != nil {
		e.t.Fatalf("Apply(%s): %v", r.Ref, err)
	}
	return out
}

// update reads ref, changes it with mutate and applies it, again when
// the reconciler wrote the resource in between (a stale revision): tests
// run beside a live reconciler, whose status writes bump revisions.
func (e *env) update(ref resource.Ref, mutate func(*resource.Resource)) *resource.Resource {
	e.t.Helper()
	for {
		r := e.get(ref)
		mutate(r)
		out, err := e.o.Apply(context.Background(), r)
		if errors.Is(err, store.ErrStale) {
			continue
		}
		if err != nil {
			e.t.Fatalf("Apply(%s): %v", ref, err)
		}
		return out
	}
}

func (e *env) get(ref resource.Ref) *resource.Resource {
	e.t.Helper()
	r, err := e.s.Get(context.Background(), ref)
	if err != nil {
		e.t.Fatalf("Get(%s): %v", ref, err)
	}
	return r
}

// locals returns r's copies, by location.
func (e *env) locals(r resource.Ref) map[string]*resource.Resource {
	e.t.Helper()
	info, _ := resource.NewBuiltinRegistry().Info(r.Kind)
	page, err := e.s.List(context.Background(), store.Filter{Kind: info.Local, Owner: &r})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*resource.Resource{}
	for _, l := range page.Items {
		out[l.Location] = l
	}
	return out
}

// settle lets the bubble run until everything waits, then advances time by d.
func settle(d time.Duration) {
	synctest.Wait()
	time.Sleep(d)
	synctest.Wait()
}

// waitFor advances fake time until cond holds, for at most limit.
func (e *env) waitFor(what string, limit time.Duration, cond func() bool) {
	e.t.Helper()
	for waited := time.Duration(0); ; waited += pollInterval {
		synctest.Wait()
		if cond() {
			return
		}
		if waited > limit {
			e.t.Fatalf("%s: not within %v of fake time", what, limit)
		}
		time.Sleep(pollInterval)
	}
}

func (e *env) waitPhase(ref resource.Ref, phase resource.Phase) *resource.Resource {
	e.t.Helper()
	var r *resource.Resource
	e.waitFor(fmt.Sprintf("%s %s", ref, phase), 30*time.Minute, func() bool {
		var err error
		r, err = e.s.Get(context.Background(), ref)
		return err == nil && r.Status.Phase == phase
	})
	return r
}

func (e *env) waitGone(ref resource.Ref) {
	e.t.Helper()
	e.waitFor(fmt.Sprintf("%s gone", ref), 30*time.Minute, func() bool {
		_, err := e.s.Get(context.Background(), ref)
		return resource.CodeOf(err) == resource.NotFound
	})
}

func ref(k resource.Kind, id string) resource.Ref { return resource.Ref{Kind: k, ID: id} }

func network(id, cidr string, prefixLen int64) *resource.Resource {
	return &resource.Resource{Ref: ref(resource.KindNetwork, id), Tenant: tenant, Name: id,
		Spec: &resource.Network{Description: "net " + id, CIDR: cidr, LocalPrefixLen: prefixLen}}
}

// serverStack applies what a server needs and the server.
func (e *env) serverStack(id string) resource.Ref {
	e.apply(&resource.Resource{Ref: ref(resource.KindImage, id+"-img"), Tenant: tenant,
		Spec: &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare"}})
	e.apply(&resource.Resource{Ref: ref(resource.KindFlavor, id+"-fl"), Tenant: tenant, Spec: &resource.Flavor{RAM: 64, VCPUs: 1}})
	e.apply(network(id+"-net", "10.9.0.0/24", 0))
	e.apply(&resource.Resource{Ref: ref(resource.KindServer, id), Tenant: tenant, Name: id,
		Spec: &resource.Server{ImageID: id + "-img", FlavorID: id + "-fl", NetworkID: id + "-net"}})
	return ref(resource.KindServer, id)
}

// vimObjects returns the objects of kind at a location's VIM.
func (e *env) vimObjects(loc string, k resource.Kind) []fake.ObjectInfo {
	return e.f.VIM(loc).Objects(k)
}

func TestConvergesAcrossLocations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 3, fake: fake.Options{BuildTime: 5 * time.Second}})
		n := e.apply(network("net", "10.0.0.0/16", 24))
		got := e.waitPhase(n.Ref, resource.PhaseReady)
		if got.Status.Message != "ready at 3 location(s)" || got.Status.ObservedGeneration != got.Generation {
			t.Errorf("network status: %+v", got.Status)
		}
		locals := e.locals(n.Ref)
		if len(locals) != 3 {
			t.Fatalf("%d local networks, want 3", len(locals))
		}
		parent := netip.MustParsePrefix("10.0.0.0/16")
		seen := map[string]bool{}
		for loc, l := range locals {
			cidr := l.Spec.(*resource.LocalNetwork).CIDR
			p, err := netip.ParsePrefix(cidr)
			if err != nil || p.Bits() != 24 || !parent.Contains(p.Addr()) || seen[cidr] {
				t.Errorf("%s: local cidr %q is not a distinct /24 of %s", loc, cidr, parent)
			}
			seen[cidr] = true
			if l.Status.Phase != resource.PhaseReady || l.Status.TaskStatus != "ACTIVE" || l.Status.ExternalID == "" {
				t.Errorf("%s: local status %+v", loc, l.Status)
			}
			objs := e.vimObjects(loc, resource.KindNetwork)
			if len(objs) != 1 || objs[0].OrcaID != l.ID || objs[0].ExternalID != l.Status.ExternalID || objs[0].Spec["cidr"] != cidr {
				t.Errorf("%s: VIM holds %+v, want one network tagged %s with cidr %s", loc, objs, l.ID, cidr)
			}
		}
		out := got.Status.Output["locations"].(map[string]any)
		if len(out) != 3 {
			t.Errorf("parent output per location: %v", out)
		}

		// Events tell the story of a copy.
		evs, err := e.o.Events(context.Background(), locals["loc-2"].Ref)
		if err != nil {
			t.Fatal(err)
		}
		var story []string
		for i := len(evs) - 1; i >= 0; i-- {
			ev := evs[i].Spec.(*resource.Event)
			story = append(story, fmt.Sprintf("%s->%s", ev.From, ev.To))
			if ev.Location != "loc-2" || evs[i].Tenant != tenant {
				t.Errorf("event %+v: location %q tenant %q", ev, ev.Location, evs[i].Tenant)
			}
		}
		if want := []string{"Pending->Provisioning", "Provisioning->Ready"}; !slices.Equal(story, want) {
			t.Errorf("events of the copy at loc-2: %v, want %v", story, want)
		}
	})
}

func TestDependencyWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2, fake: fake.Options{BuildTime: 30 * time.Second}})
		srv := e.serverStack("s1")
		settle(10 * time.Second)
		for loc, l := range e.locals(srv) {
			if l.Status.Phase != resource.PhasePending || !strings.Contains(l.Status.Message, "waiting for") {
				t.Errorf("%s: server copy %s %q, want Pending waiting for its dependencies", loc, l.Status.Phase, l.Status.Message)
			}
			if n := len(e.vimObjects(loc, resource.KindServer)); n != 0 {
				t.Errorf("%s: %d servers created before their network was ready", loc, n)
			}
		}
		e.waitPhase(srv, resource.PhaseReady)
		for loc, l := range e.locals(srv) {
			spec := l.Spec.(*resource.LocalServer)
			if spec.InstanceID != l.Status.ExternalID || !strings.HasPrefix(spec.ConsoleURL, "https://console."+loc) {
				t.Errorf("%s: local server %+v, status %s", loc, spec, l.Status.ExternalID)
			}
			netLocal := e.locals(ref(resource.KindNetwork, "s1-net"))[loc]
			objs := e.vimObjects(loc, resource.KindServer)
			if len(objs) != 1 || netLocal == nil {
				t.Fatalf("%s: servers %+v", loc, objs)
			}
		}
	})
}

func TestAsyncBuild(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1, fake: fake.Options{BuildTime: 20 * time.Second}})
		n := e.apply(network("net", "10.0.0.0/24", 0))
		settle(10 * time.Second)
		l := e.locals(n.Ref)["loc-1"]
		if l.Status.Phase != resource.PhaseProvisioning || l.Status.TaskStatus != "BUILD" || l.Status.ExternalID == "" {
			t.Errorf("copy while the VIM builds: %+v", l.Status)
		}
		if p := e.get(n.Ref); p.Status.Phase != resource.PhaseProvisioning {
			t.Errorf("parent while building: %s", p.Status.Phase)
		}
		e.waitPhase(n.Ref, resource.PhaseReady)
		if calls := e.f.VIM("loc-1").Calls(fake.OpCreate); calls != 1 {
			t.Errorf("%d creates for one network", calls)
		}
	})
}

func TestLostCreateResponseMakesNoDuplicate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2, noRun: true})
		e.f.VIM("loc-1").LoseCreateResponses(1)
		e.run()
		n := e.apply(network("net", "10.0.0.0/24", 0))
		e.waitPhase(n.Ref, resource.PhaseReady)
		objs := e.vimObjects("loc-1", resource.KindNetwork)
		if len(objs) != 1 {
			t.Fatalf("loc-1 holds %d networks after a lost create response, want 1", len(objs))
		}
		if got := e.locals(n.Ref)["loc-1"].Status.ExternalID; got != objs[0].ExternalID {
			t.Errorf("copy records %q, the VIM holds %q", got, objs[0].ExternalID)
		}
		// The next pass observes the committed object and adopts it: no
		// second Create at all.
		if calls := e.f.VIM("loc-1").Calls(fake.OpCreate); calls != 1 {
			t.Errorf("%d creates at loc-1, want 1", calls)
		}
	})
}

// TestCrashAfterMarker stops one orchestrator right after it stored the
// create-pending marker (the Create hangs, as if the process died there),
// then runs a new orchestrator on the same store. Then the same with a
// Create the VIM committed but whose response was lost.
func TestCrashAfterMarker(t *testing.T) {
	for _, lost := range []bool{false, true} {
		t.Run(fmt.Sprintf("create committed=%v", lost), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := memstore.New(nil)
				f := fake.NewFactory(nil)
				a := newEnv(t, envOptions{locations: 1, store: s, factory: f, noRun: true})
				n := a.apply(network("net", "10.0.0.0/24", 0))
				if _, err := a.o.Reconcile(context.Background(), n.Ref); err != nil {
					t.Fatalf("global pass: %v", err)
				}
				l := a.locals(n.Ref)["loc-1"]
				v := f.VIM("loc-1")
				if lost {
					v.LoseCreateResponses(1)
				} else {
					v.HangNext(fake.OpCreate, 1)
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				_, err := a.o.Reconcile(ctx, l.Ref)
				cancel()
				if resource.CodeOf(err) != resource.Unavailable {
					t.Fatalf("interrupted create: %v", err)
				}
				marked := a.get(l.Ref)
				if marked.Status.CreatePendingSince.IsZero() {
					t.Fatal("no create-pending marker stored before the Create")
				}
				if want := map[bool]int{false: 0, true: 1}[lost]; len(v.Objects(resource.KindNetwork)) != want {
					t.Fatalf("VIM holds %d networks, want %d", len(v.Objects(resource.KindNetwork)), want)
				}
				a.o.Close() // the first orchestrator is gone

				b := newEnv(t, envOptions{store: s, factory: f})
				b.waitPhase(n.Ref, resource.PhaseReady)
				objs := v.Objects(resource.KindNetwork)
				if len(objs) != 1 {
					t.Fatalf("VIM holds %d networks after recovery, want 1", len(objs))
				}
				done := b.get(l.Ref)
				if !done.Status.CreatePendingSince.IsZero() || done.Status.ExternalID != objs[0].ExternalID {
					t.Errorf("recovered copy: %+v", done.Status)
				}
			})
		})
	}
}

func TestDriftRepaired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2})
		n := e.apply(network("net", "10.0.0.0/24", 0))
		e.waitPhase(n.Ref, resource.PhaseReady)
		l := e.locals(n.Ref)["loc-2"]
		if err := e.f.VIM("loc-2").Drift(l.ID, "description"); err != nil {
			t.Fatal(err)
		}
		settle(resyncInterval) // the periodic resync notices
		e.waitPhase(n.Ref, resource.PhaseReady)
		objs := e.vimObjects("loc-2", resource.KindNetwork)
		if len(objs) != 1 || objs[0].Spec["description"] != "net net" || objs[0].ExternalID != l.Status.ExternalID {
			t.Errorf("after repair the VIM holds %+v", objs)
		}
		if e.f.VIM("loc-2").Calls(fake.OpUpdate) != 1 {
			t.Errorf("%d updates, want 1", e.f.VIM("loc-2").Calls(fake.OpUpdate))
		}

		// A field that cannot change in place is repaired by replacing.
		if err := e.f.VIM("loc-2").Drift(l.ID, "contrail_id"); err != nil {
			t.Fatal(err)
		}
		settle(resyncInterval)
		e.waitPhase(n.Ref, resource.PhaseReady)
		objs = e.vimObjects("loc-2", resource.KindNetwork)
		if len(objs) != 1 || objs[0].ExternalID == l.Status.ExternalID || objs[0].Spec["contrail_id"] != float64(0) {
			t.Errorf("after replacement the VIM holds %+v (old ID %s)", objs, l.Status.ExternalID)
		}
	})
}

func TestOutOfBandDeleteRepaired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2})
		n := e.apply(network("net", "10.0.0.0/24", 0))
		e.waitPhase(n.Ref, resource.PhaseReady)
		l := e.locals(n.Ref)["loc-1"]
		if err := e.f.VIM("loc-1").Vanish(l.ID); err != nil {
			t.Fatal(err)
		}
		settle(resyncInterval)
		e.waitPhase(n.Ref, resource.PhaseReady)
		objs := e.vimObjects("loc-1", resource.KindNetwork)
		now := e.get(l.Ref)
		if len(objs) != 1 || objs[0].ExternalID == l.Status.ExternalID || now.Status.ExternalID != objs[0].ExternalID {
			t.Fatalf("after repair: VIM %+v, copy %s (was %s)", objs, now.Status.ExternalID, l.Status.ExternalID)
		}
		evs, _ := e.o.Events(context.Background(), l.Ref)
		if !slices.ContainsFunc(evs, func(r *resource.Resource) bool {
			return strings.Contains(r.Spec.(*resource.Event).Message, "vanished")
		}) {
			t.Error("no event says the object vanished")
		}
	})
}

func TestRetryableAndTerminalErrors(t *testing.T) {
	tests := map[resource.ErrorCode]bool{ // code → retried before the next resync
		resource.Unavailable: true, resource.Unknown: true, resource.Conflict: true, resource.NotFound: true,
		resource.Invalid: false, resource.Forbidden: false, resource.Unauthorized: false, resource.Unimplemented: false,
	}
	for code, retried := range tests {
		t.Run(code.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, envOptions{locations: 2, noRun: true})
				v := e.f.VIM("loc-1")
				v.FailNext(fake.OpCreate, 3, code)
				e.run()
				n := e.apply(network("net", "10.0.0.0/24", 0))
				if retried {
					e.waitPhase(n.Ref, resource.PhaseReady)
					if calls := v.Calls(fake.OpCreate); calls != 4 {
						t.Errorf("%d creates, want 3 failures and a success", calls)
					}
					return
				}
				p := e.waitPhase(n.Ref, resource.PhaseFailed)
				if !strings.Contains(p.Status.Message, "loc-1") || strings.Contains(p.Status.Message, "loc-2") {
					t.Errorf("parent message %q should name loc-1 only", p.Status.Message)
				}
				l := e.locals(n.Ref)["loc-1"]
				if l.Status.Phase != resource.PhaseFailed || !strings.Contains(l.Status.Message, "injected") {
					t.Errorf("copy: %+v", l.Status)
				}
				settle(resyncInterval - time.Minute)
				if calls := v.Calls(fake.OpCreate); calls != 1 {
					t.Errorf("%d creates before the resync: a terminal error must not loop", calls)
				}
				// The resync tries again (the fault queue still holds two).
				settle(time.Minute)
				if calls := v.Calls(fake.OpCreate); calls != 2 {
					t.Errorf("%d creates after one resync, want 2", calls)
				}
			})
		})
	}
}

func TestDeletionOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2, fake: fake.Options{DeleteTime: 20 * time.Second}})
		srv := e.serverStack("s1")
		e.waitPhase(srv, resource.PhaseReady)
		netRef := ref(resource.KindNetwork, "s1-net")

		err := e.o.Delete(context.Background(), netRef, 0)
		if resource.CodeOf(err) != resource.Conflict || !strings.Contains(err.Error(), `server "s1"`) {
			t.Fatalf("Delete of a network a server uses = %v, want Conflict naming the server", err)
		}

		if err := e.o.Delete(context.Background(), srv, 0); err != nil {
			t.Fatal(err)
		}
		settle(5 * time.Second)
		if r := e.get(srv); !r.Deleting || r.Status.Phase != resource.PhaseDeleting {
			t.Errorf("server while its copies are deleted: deleting=%v %s", r.Deleting, r.Status.Phase)
		}
		for loc, l := range e.locals(srv) {
			objs := e.vimObjects(loc, resource.KindServer)
			if !l.Deleting || len(objs) != 1 || objs[0].State != vim.StateDeleting {
				t.Errorf("%s: copy deleting=%v, VIM %+v", loc, l.Deleting, objs)
			}
		}
		e.waitGone(srv)
		for _, loc := range []string{"loc-1", "loc-2"} {
			if objs := e.vimObjects(loc, resource.KindServer); len(objs) != 0 {
				t.Errorf("%s still holds servers %+v", loc, objs)
			}
		}
		if n := len(e.locals(srv)); n != 0 {
			t.Errorf("%d server copies left", n)
		}

		if err := e.o.Delete(context.Background(), netRef, 0); err != nil {
			t.Fatalf("Delete of the network once unused: %v", err)
		}
		e.waitGone(netRef)
		for _, loc := range []string{"loc-1", "loc-2"} {
			if objs := e.vimObjects(loc, resource.KindNetwork); len(objs) != 0 {
				t.Errorf("%s still holds networks %+v", loc, objs)
			}
		}
	})
}

func TestLocationAddedLater(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2})
		n := e.apply(network("net", "10.0.0.0/16", 24))
		e.waitPhase(n.Ref, resource.PhaseReady)
		e.addLocation("loc-3", nil)
		e.waitFor("a copy at loc-3", time.Minute, func() bool {
			l := e.locals(n.Ref)["loc-3"]
			return l != nil && l.Status.Phase == resource.PhaseReady
		})
		p := e.waitPhase(n.Ref, resource.PhaseReady)
		if p.Status.Message != "ready at 3 location(s)" || len(e.vimObjects("loc-3", resource.KindNetwork)) != 1 {
			t.Errorf("after adding loc-3: %q, VIM %+v", p.Status.Message, e.vimObjects("loc-3", resource.KindNetwork))
		}
	})
}

func TestLocationRemoved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 3})
		n := e.apply(network("net", "10.0.0.0/16", 24))
		e.waitPhase(n.Ref, resource.PhaseReady)
		locRef := ref(resource.KindLocation, "loc-2")
		if err := e.o.Delete(context.Background(), locRef, 0); err != nil {
			t.Fatal(err)
		}
		e.waitGone(locRef)
		if objs := e.vimObjects("loc-2", resource.KindNetwork); len(objs) != 0 {
			t.Errorf("loc-2's VIM still holds %+v", objs)
		}
		locals := e.locals(n.Ref)
		if _, ok := locals["loc-2"]; ok || len(locals) != 2 {
			t.Errorf("copies after removing loc-2: %v", locals)
		}
		p := e.waitPhase(n.Ref, resource.PhaseReady)
		if p.Status.Message != "ready at 2 location(s)" {
			t.Errorf("parent: %q", p.Status.Message)
		}
	})
}

func TestPlacement(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2})
		e.addLocation("edge-1", map[string]string{"tier": "edge"})
		n := network("net", "10.0.0.0/16", 24)
		n.Placement = &resource.Placement{Locations: []string{"loc-1"}, Selector: map[string]string{"tier": "edge"}}
		n = e.apply(n)
		e.waitPhase(n.Ref, resource.PhaseReady)
		if got := keys(e.locals(n.Ref)); !slices.Equal(got, []string{"edge-1", "loc-1"}) {
			t.Fatalf("placed at %v, want edge-1 and loc-1", got)
		}
		n.Placement = &resource.Placement{Locations: []string{"loc-2"}}
		n.Revision = 0
		e.apply(n)
		e.waitFor("moved to loc-2", time.Minute, func() bool {
			got := e.locals(n.Ref)
			return len(got) == 1 && got["loc-2"] != nil && got["loc-2"].Status.Phase == resource.PhaseReady
		})
		for _, loc := range []string{"loc-1", "edge-1"} {
			if objs := e.vimObjects(loc, resource.KindNetwork); len(objs) != 0 {
				t.Errorf("%s still holds %+v after the placement moved", loc, objs)
			}
		}
		e.waitPhase(n.Ref, resource.PhaseReady)
	})
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestSecurityGroupRulesAreParts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		sg := e.apply(&resource.Resource{Ref: ref(resource.KindSecurityGroup, "sg"), Tenant: tenant, Spec: &resource.SecurityGroup{}})
		rule := func(id string, port int64) *resource.Resource {
			return &resource.Resource{Ref: ref(resource.KindSecurityGroupRule, id), Tenant: tenant, Owner: &sg.Ref,
				Spec: &resource.SecurityGroupRule{Direction: "ingress", Protocol: "tcp", PortRangeMin: &port, PortRangeMax: &port}}
		}
		e.apply(rule("ssh", 22))
		e.waitPhase(sg.Ref, resource.PhaseReady)
		e.waitFor("ssh rule realized", time.Minute, func() bool {
			objs := e.vimObjects("loc-1", resource.KindSecurityGroup)
			return len(objs) == 1 && slices.Equal(objs[0].Parts, []string{"ssh"})
		})
		e.apply(rule("https", 443))
		e.waitFor("https rule realized", time.Minute, func() bool {
			objs := e.vimObjects("loc-1", resource.KindSecurityGroup)
			return len(objs) == 1 && slices.Equal(objs[0].Parts, []string{"https", "ssh"})
		})
		if err := e.o.Delete(context.Background(), ref(resource.KindSecurityGroupRule, "ssh"), 0); err != nil {
			t.Fatal(err)
		}
		e.waitFor("ssh rule removed", time.Minute, func() bool {
			objs := e.vimObjects("loc-1", resource.KindSecurityGroup)
			return len(objs) == 1 && slices.Equal(objs[0].Parts, []string{"https"})
		})
		// Deleting the group takes its remaining rules with it.
		if err := e.o.Delete(context.Background(), sg.Ref, 0); err != nil {
			t.Fatal(err)
		}
		e.waitGone(sg.Ref)
		if _, err := e.s.Get(context.Background(), ref(resource.KindSecurityGroupRule, "https")); resource.CodeOf(err) != resource.NotFound {
			t.Errorf("rule outlived its group: %v", err)
		}
	})
}

func TestEventsAreBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1, orca: orca.Options{EventsPerResource: 2}})
		n := e.apply(network("net", "10.0.0.0/24", 0))
		e.waitPhase(n.Ref, resource.PhaseReady)
		l := e.locals(n.Ref)["loc-1"]
		if err := e.f.VIM("loc-1").Break(l.ID, "disk on fire"); err != nil {
			t.Fatal(err)
		}
		settle(resyncInterval)
		e.waitPhase(l.Ref, resource.PhaseFailed)
		evs, err := e.o.Events(context.Background(), l.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 {
			t.Fatalf("%d events kept, want 2", len(evs))
		}
		newest := evs[0].Spec.(*resource.Event)
		if newest.To != resource.PhaseFailed || !strings.Contains(newest.Message, "disk on fire") {
			t.Errorf("newest event %+v", newest)
		}
	})
}

func TestApplyAndDeleteRules(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		ctx := context.Background()
		n := e.apply(network("net", "10.0.0.0/24", 0))
		e.waitPhase(n.Ref, resource.PhaseReady)
		l := e.locals(n.Ref)["loc-1"]

		tests := map[string]struct {
			err  error
			code resource.ErrorCode
		}{
			"apply a local":  {func() error { _, err := e.o.Apply(ctx, l); return err }(), resource.Forbidden},
			"delete a local": {e.o.Delete(ctx, l.Ref, 0), resource.Forbidden},
			"immutable change": {func() error {
				img := e.apply(&resource.Resource{Ref: ref(resource.KindImage, "img"), Tenant: tenant,
					Spec: &resource.Image{DiskFormat: "raw", ContainerFormat: "bare"}})
				c := *img
				c.Revision = 0
				c.Spec = &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare"}
				_, err := e.o.Apply(ctx, &c)
				return err
			}(), resource.Invalid},
			"stale revision": {func() error {
				c := *n
				c.Revision = 1
				c.Spec = &resource.Network{CIDR: "10.0.0.0/24", Description: "x"}
				_, err := e.o.Apply(ctx, &c)
				return err
			}(), resource.Conflict},
			"update of a missing resource at a revision": {func() error {
				_, err := e.o.Apply(ctx, &resource.Resource{Ref: ref(resource.KindNetwork, "nope"), Revision: 3, Tenant: tenant, Spec: &resource.Network{CIDR: "10.0.0.0/24"}})
				return err
			}(), resource.NotFound},
			"unknown kind": {func() error {
				_, err := e.o.Apply(ctx, &resource.Resource{Ref: ref("gizmo", "g")})
				return err
			}(), resource.Invalid},
		}
		for name, tc := range tests {
			if resource.CodeOf(tc.err) != tc.code {
				t.Errorf("%s: %v, want %v", name, tc.err, tc.code)
			}
		}

		// An unconditional Apply wins over concurrent status writes and
		// updates the VIM.
		upd := network("net", "10.0.0.0/24", 0)
		upd.Spec.(*resource.Network).Description = "renamed"
		got := e.apply(upd)
		if got.Generation != n.Generation+1 {
			t.Errorf("generation %d → %d", n.Generation, got.Generation)
		}
		e.waitFor("description in the VIM", time.Minute, func() bool {
			objs := e.vimObjects("loc-1", resource.KindNetwork)
			return len(objs) == 1 && objs[0].Spec["description"] == "renamed" && e.get(n.Ref).Status.Phase == resource.PhaseReady
		})

		img := e.apply(&resource.Resource{Ref: ref(resource.KindImage, "gold"), Tenant: tenant,
			Spec: &resource.Image{DiskFormat: "raw", ContainerFormat: "bare", Protected: true}})
		err := e.o.Delete(ctx, img.Ref, 0)
		if resource.CodeOf(err) != resource.Conflict || resource.FieldOf(err) != "protected" {
			t.Errorf("Delete of a protected image = %v, want Conflict on protected", err)
		}
		if err := e.o.Delete(ctx, n.Ref, n.Revision); resource.CodeOf(err) != resource.Conflict {
			t.Errorf("Delete at a stale revision = %v", err)
		}
	})
}

// TestQuietResyncIsBulk: once converged, a resync costs one bulk
// observation per location and kind, not one call per copy, and no ping:
// the answered observation shows the location reachable. A location whose
// observation fails is pinged, and shows it.
func TestQuietResyncIsBulk(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 3})
		for i := range 20 {
			e.apply(network(fmt.Sprintf("net-%d", i), "10.0.0.0/16", 24))
		}
		img := e.apply(&resource.Resource{Ref: ref(resource.KindImage, "img"), Tenant: tenant,
			Spec: &resource.Image{DiskFormat: "raw", ContainerFormat: "bare"}})
		for i := range 20 {
			e.waitPhase(ref(resource.KindNetwork, fmt.Sprintf("net-%d", i)), resource.PhaseReady)
		}
		e.waitPhase(img.Ref, resource.PhaseReady)
		settle(time.Minute)
		before := map[string]map[fake.Op]int{}
		ops := []fake.Op{fake.OpObserve, fake.OpObserveAll, fake.OpCreate, fake.OpUpdate, fake.OpPing}
		for _, loc := range []string{"loc-1", "loc-2", "loc-3"} {
			before[loc] = map[fake.Op]int{}
			for _, op := range ops {
				before[loc][op] = e.f.VIM(loc).Calls(op)
			}
		}
		if err := e.o.Resync(context.Background()); err != nil {
			t.Fatal(err)
		}
		settle(time.Minute)
		for _, loc := range []string{"loc-1", "loc-2", "loc-3"} {
			got := map[fake.Op]int{}
			for _, op := range ops {
				got[op] = e.f.VIM(loc).Calls(op) - before[loc][op]
			}
			want := map[fake.Op]int{fake.OpObserveAll: 2} // networks and images
			for _, op := range ops {
				if got[op] != want[op] {
					t.Errorf("%s: quiet resync made %d %s calls, want %d (all: %v)", loc, got[op], op, want[op], got)
				}
			}
		}
	})
}

// TestResyncPingsWhenTheBulkCheckFails: a location whose bulk observation
// failed is pinged in the same resync, and shows unreachable at once (not
// only once its copies' failures open the breaker).
func TestResyncPingsWhenTheBulkCheckFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		e.waitPhase(e.apply(network("net", "10.0.0.0/24", 0)).Ref, resource.PhaseReady)
		settle(time.Minute)
		v := e.f.VIM("loc-1")
		v.Down(false)
		pings := v.Calls(fake.OpPing)
		if err := e.o.Resync(context.Background()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // no time passes: no retry, no backoff
		got, err := e.s.Get(context.Background(), ref(resource.KindLocation, "loc-1"))
		if err != nil {
			t.Fatal(err)
		}
		if v.Calls(fake.OpPing) != pings+1 || got.Status.Phase != resource.PhaseFailed || !strings.Contains(got.Status.Message, "unreachable") {
			t.Errorf("after a failed bulk observation: %d ping(s), location %s %q; want one ping and Failed, unreachable",
				v.Calls(fake.OpPing)-pings, got.Status.Phase, got.Status.Message)
		}
	})
}

// listless hides a driver's optional capabilities.
type listless struct{ vim.Driver }

func TestResyncWithoutBulkObservation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inner := fake.NewFactory(nil)
		factory := vim.FactoryFunc(func(ctx context.Context, loc *resource.Resource, c *vim.Credentials) ([]vim.Driver, error) {
			ds, err := inner.Open(ctx, loc, c)
			return []vim.Driver{listless{ds[0]}}, err
		})
		e := newEnv(t, envOptions{noRun: true})
		e.o = orca.New(e.s, &orca.Options{Drivers: factory, Logger: slog.New(slog.DiscardHandler),
			PollInterval: pollInterval, ResyncInterval: resyncInterval})
		e.f = inner
		e.addLocation("loc-1", nil)
		e.run()
		n := e.apply(network("net", "10.0.0.0/24", 0))
		e.waitPhase(n.Ref, resource.PhaseReady)
		l := e.locals(n.Ref)["loc-1"]
		if err := inner.VIM("loc-1").Drift(l.ID, "description"); err != nil {
			t.Fatal(err)
		}
		settle(resyncInterval)
		e.waitPhase(n.Ref, resource.PhaseReady)
		v := inner.VIM("loc-1")
		if v.Calls(fake.OpObserveAll) != 0 || v.Calls(fake.OpUpdate) != 1 {
			t.Errorf("observe_all %d, update %d: want the drift found one by one and repaired",
				v.Calls(fake.OpObserveAll), v.Calls(fake.OpUpdate))
		}
	})
}

func TestTemplateChangeUpdatesStacks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2})
		tmpl := func(version string) *resource.Resource {
			return &resource.Resource{Ref: ref(resource.KindHeatTemplate, "tmpl"), Tenant: tenant,
				Spec: &resource.HeatTemplate{Template: "heat_template_version: 2018-08-31\ndescription: " + version + "\n"}}
		}
		e.apply(tmpl("v1"))
		st := e.apply(&resource.Resource{Ref: ref(resource.KindHeatInstance, "stack"), Tenant: tenant,
			Spec: &resource.HeatInstance{HeatTemplateID: "tmpl", Parameters: map[string]any{"size": "small"}}})
		e.waitPhase(st.Ref, resource.PhaseReady)
		e.apply(tmpl("v2"))
		e.waitFor("stacks updated with the new template", time.Minute, func() bool {
			for _, loc := range []string{"loc-1", "loc-2"} {
				if e.f.VIM(loc).Calls(fake.OpUpdate) != 1 {
					return false
				}
			}
			return e.get(st.Ref).Status.Phase == resource.PhaseReady
		})
		for _, loc := range []string{"loc-1", "loc-2"} {
			if objs := e.vimObjects(loc, resource.KindHeatInstance); len(objs) != 1 || objs[0].ExternalID != e.locals(st.Ref)[loc].Status.ExternalID {
				t.Errorf("%s: the stack was replaced, not updated: %+v", loc, objs)
			}
		}
		// Deleting a template in use is refused.
		if err := e.o.Delete(context.Background(), ref(resource.KindHeatTemplate, "tmpl"), 0); resource.CodeOf(err) != resource.Conflict {
			t.Errorf("Delete of a template in use = %v, want Conflict", err)
		}
	})
}

func TestHealthAndCreateUpdate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2, noRun: true})
		ctx := context.Background()
		e.f.VIM("loc-2").FailNext(fake.OpCreate, 1, resource.Unavailable)
		e.run()
		n, err := e.o.Create(ctx, network("net", "10.0.0.0/24", 0))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.o.Create(ctx, network("net", "10.1.0.0/24", 0)); resource.CodeOf(err) != resource.Conflict {
			t.Errorf("Create of an existing ID = %v, want Conflict", err)
		}
		if _, err := e.o.Update(ctx, network("nope", "10.1.0.0/24", 0)); resource.CodeOf(err) != resource.NotFound {
			t.Errorf("Update of a missing resource = %v, want NotFound", err)
		}
		e.waitPhase(n.Ref, resource.PhaseReady)
		h, err := e.o.Health(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !h.Running || len(h.Locations) != 2 {
			t.Fatalf("health %+v", h)
		}
		for _, l := range h.Locations {
			wantErrs := map[string]int64{"loc-1": 0, "loc-2": 1}[l.ID]
			// A ping and a create that answers with the object; where the
			// first create failed, it may have been made all the same: an
			// observation, then the create again.
			if l.Phase != resource.PhaseReady || l.Drivers != 1 || l.VIMCalls != 2+2*wantErrs || l.VIMErrors != wantErrs {
				t.Errorf("location health %+v, want Ready, 1 driver, %d calls, %d errors", l, 2+2*wantErrs, wantErrs)
			}
		}
		if s := e.o.StatsSnapshot(); s.VIMErrors != 1 || s.Reconciles == 0 {
			t.Errorf("stats %+v", s)
		}
	})
}

// TestHealthLatency: a location's latency is the mean duration of its VIM
// calls, here the fake's fixed latency (virtual time makes it exact).
func TestHealthLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1, fake: fake.Options{Latency: 40 * time.Millisecond}})
		n, err := e.o.Create(context.Background(), network("net", "10.0.0.0/24", 0))
		if err != nil {
			t.Fatal(err)
		}
		e.waitPhase(n.Ref, resource.PhaseReady)
		h, err := e.o.Health(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Locations) != 1 || h.Locations[0].LatencyMS != 40 {
			t.Errorf("health %+v, want one location at 40 ms", h.Locations)
		}
	})
}

// TestRulePartDependencies: a rule naming another group waits for that
// group at the location and reaches the driver resolved; a rule naming its
// own group needs nothing.
func TestRulePartDependencies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, seen := newRecordingEnv(t, fake.NewFactory(nil))
		web := e.apply(&resource.Resource{Ref: ref(resource.KindSecurityGroup, "web"), Tenant: tenant, Spec: &resource.SecurityGroup{}})
		db := e.apply(&resource.Resource{Ref: ref(resource.KindSecurityGroup, "db"), Tenant: tenant, Spec: &resource.SecurityGroup{}})
		e.apply(&resource.Resource{Ref: ref(resource.KindSecurityGroupRule, "from-web"), Tenant: tenant, Owner: &db.Ref,
			Spec: &resource.SecurityGroupRule{Direction: "ingress", RemoteGroupID: "web"}})
		e.apply(&resource.Resource{Ref: ref(resource.KindSecurityGroupRule, "from-self"), Tenant: tenant, Owner: &db.Ref,
			Spec: &resource.SecurityGroupRule{Direction: "ingress", RemoteGroupID: "db"}})
		e.waitPhase(db.Ref, resource.PhaseReady)
		time.Sleep(10 * pollInterval) // let a rule added after the group converge too
		webExt := e.locals(web.Ref)["loc-1"].Status.ExternalID
		var last vim.Object
		seen.mu.Lock()
		defer seen.mu.Unlock()
		for _, o := range seen.objs {
			if o.Global == db.Ref {
				last = o
			}
		}
		if len(last.Parts) != 2 {
			t.Fatalf("the driver last saw %d rules, want 2", len(last.Parts))
		}
		if got := last.Deps[web.Ref].ExternalID; got != webExt || webExt == "" {
			t.Errorf("the rule's remote group resolved to %q, want web's %q", got, webExt)
		}
		if _, ok := last.Deps[db.Ref]; ok {
			t.Error("a self-reference was resolved as a dependency")
		}
	})
}

// newRecordingEnv runs an orchestrator over inner's VIMs, recording what
// its drivers are asked to create or update, with one location, loc-1.
func newRecordingEnv(t *testing.T, inner *fake.Factory) (*env, *created) {
	seen := &created{}
	factory := vim.FactoryFunc(func(ctx context.Context, loc *resource.Resource, c *vim.Credentials) ([]vim.Driver, error) {
		ds, err := inner.Open(ctx, loc, c)
		return []vim.Driver{recorder{Driver: ds[0], seen: seen}}, err
	})
	e := newEnv(t, envOptions{noRun: true})
	e.o = orca.New(e.s, &orca.Options{Drivers: factory, Logger: slog.New(slog.DiscardHandler), PollInterval: pollInterval, ResyncInterval: resyncInterval})
	e.f = inner
	e.addLocation("loc-1", nil)
	e.run()
	return e, seen
}

// recorder remembers every object its driver is asked to create or update.
type recorder struct {
	vim.Driver
	seen *created
}

type created struct {
	mu   sync.Mutex
	objs []vim.Object
}

func (r recorder) Create(ctx context.Context, o *vim.Object) (string, error) {
	r.seen.mu.Lock()
	r.seen.objs = append(r.seen.objs, *o)
	r.seen.mu.Unlock()
	return r.Driver.Create(ctx, o)
}

func (r recorder) Update(ctx context.Context, o *vim.Object) error {
	r.seen.mu.Lock()
	r.seen.objs = append(r.seen.objs, *o)
	r.seen.mu.Unlock()
	return r.Driver.Update(ctx, o)
}

// TestDependencyNoDriverServes: at a site where no driver realizes images
// and flavors (a Contrail-only site), a service template naming them does
// not wait for copies that will never be made; it gets their names.
func TestDependencyNoDriverServes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var kinds []resource.Kind
		for _, k := range fake.DefaultKinds() {
			if k != resource.KindImage && k != resource.KindFlavor {
				kinds = append(kinds, k)
			}
		}
		e, seen := newRecordingEnv(t, fake.NewFactory(&fake.Options{Kinds: kinds}))
		e.apply(&resource.Resource{Ref: ref(resource.KindImage, "vsrx"), Tenant: tenant, Name: "vSRX 20.1",
			Spec: &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare"}})
		e.apply(&resource.Resource{Ref: ref(resource.KindFlavor, "medium"), Tenant: tenant, Name: "m1.medium",
			Spec: &resource.Flavor{RAM: 4096, VCPUs: 2}})
		st := e.apply(&resource.Resource{Ref: ref(resource.KindServiceTemplate, "fw"), Tenant: tenant,
			Spec: &resource.ServiceTemplate{ImageID: "vsrx", FlavorID: "medium", ServiceMode: "in-network"}})
		e.waitPhase(st.Ref, resource.PhaseReady)
		seen.mu.Lock()
		defer seen.mu.Unlock()
		var got *vim.Object
		for i := range seen.objs {
			if seen.objs[i].Global == st.Ref {
				got = &seen.objs[i]
			}
		}
		if got == nil {
			t.Fatal("the service template never reached the driver")
		}
		img := got.Deps[ref(resource.KindImage, "vsrx")]
		if img.Name != "vSRX 20.1" || img.ExternalID != "" || got.Deps[ref(resource.KindFlavor, "medium")].Name != "m1.medium" {
			t.Errorf("deps %+v", got.Deps)
		}
	})
}

// refusingStore, once armed, refuses every transaction, and a copy's
// creation at one location, as a store refuses a copy at a location being
// deleted.
type refusingStore struct {
	store.Store
	armed atomic.Bool
	at    string
}

func (s *refusingStore) Txn(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	if s.armed.Load() {
		return resource.Errorf(resource.Conflict, "refused")
	}
	return s.Store.Txn(ctx, fn)
}

func (s *refusingStore) Create(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	if s.armed.Load() && r.Location == s.at {
		return nil, resource.Errorf(resource.Conflict, "location %s is being deleted", s.at)
	}
	return s.Store.Create(ctx, r)
}

// TestCopiesCreatedOneByOneWhenRefusedTogether: a network's copies are
// created in one transaction; when that is refused, each is created on its
// own, and the one refused does not hold back the others.
func TestCopiesCreatedOneByOneWhenRefusedTogether(t *testing.T) {
	ctx := t.Context()
	s := &refusingStore{Store: memstore.New(nil), at: "loc-2"}
	o := orca.New(s, &orca.Options{Drivers: fake.NewFactory(nil), Logger: slog.New(slog.DiscardHandler)})
	for _, l := range []string{"loc-1", "loc-2", "loc-3"} {
		loc, err := o.Apply(ctx, &resource.Resource{Ref: ref(resource.KindLocation, l), Spec: &resource.Location{KeystoneEndpoint: "fake://" + l}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Reconcile(ctx, loc.Ref); err != nil {
			t.Fatal(err)
		}
	}
	// Unrefused: the copies in one write transaction, the status in one.
	one, err := o.Apply(ctx, network("one", "10.1.0.0/16", 24))
	if err != nil {
		t.Fatal(err)
	}
	writes := s.Store.(interface{ Writes() int64 })
	before := writes.Writes()
	if _, err := o.Reconcile(ctx, one.Ref); err != nil {
		t.Fatal(err)
	}
	if n := writes.Writes() - before; n != 2 {
		t.Errorf("a network's first pass at 3 locations made %d write transactions, want 2", n)
	}

	n, err := o.Apply(ctx, network("net", "10.0.0.0/16", 24))
	if err != nil {
		t.Fatal(err)
	}
	s.armed.Store(true)
	if _, err := o.Reconcile(ctx, n.Ref); resource.CodeOf(err) != resource.Conflict {
		t.Errorf("the pass = %v, want loc-2's Conflict", err)
	}
	page, err := s.List(ctx, store.Filter{Kind: resource.KindLocalNetwork, Owner: &n.Ref})
	if err != nil {
		t.Fatal(err)
	}
	var at []string
	for _, c := range page.Items {
		at = append(at, c.Location)
	}
	slices.Sort(at)
	if diff := cmp.Diff([]string{"loc-1", "loc-3"}, at); diff != "" {
		t.Errorf("copies at (-want +got):\n%s", diff)
	}
}

// TestFollowWrites: what another process writes to a shared store is
// reconciled by the orchestrator that runs (FollowWrites), without waiting
// for a resync (an hour here).
func TestFollowWrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2, orca: orca.Options{FollowWrites: 100 * time.Millisecond}})
		settle(time.Second)
		// The other process: same store, never runs.
		api := orca.New(e.s, &orca.Options{Drivers: e.f, Logger: slog.New(slog.DiscardHandler)})
		n, err := api.Apply(context.Background(), network("net", "10.0.0.0/16", 24))
		if err != nil {
			t.Fatal(err)
		}
		e.waitPhase(n.Ref, resource.PhaseReady)
		if got := len(e.locals(n.Ref)); got != 2 {
			t.Errorf("%d copies, want 2", got)
		}
		g, err := api.Apply(context.Background(), &resource.Resource{Ref: ref(resource.KindSecurityGroup, "sg"), Tenant: tenant,
			Spec: &resource.SecurityGroup{}})
		if err != nil {
			t.Fatal(err)
		}
		e.waitPhase(g.Ref, resource.PhaseReady)
	})
}

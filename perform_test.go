package orca_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

func TestPerformRecordVerbs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2})
		ctx := context.Background()
		net := ref(resource.KindNetwork, "n1")
		e.apply(network("n1", "10.1.0.0/16", 24))
		e.waitPhase(net, resource.PhaseReady)

		// set_erred takes effect before Perform returns, with the
		// operator's words and traceback, and is recorded as an event.
		msg, err := e.o.Perform(ctx, net, resource.VerbSetErred, map[string]string{"message": "disk on fire", "traceback": "line 1\nline 2"})
		if err != nil || msg != "marked erred" {
			t.Fatalf("set_erred: %q, %v", msg, err)
		}
		got := e.get(net)
		if got.Status.Phase != resource.PhaseFailed || got.Status.Message != "disk on fire" || got.Status.Output[orca.ErrorTracebackKey] != "line 1\nline 2" {
			t.Errorf("after set_erred: %+v", got.Status)
		}
		events, err := e.s.List(ctx, store.Filter{Kind: resource.KindEvent, Fields: map[string]string{"subject_id": "n1"}})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, ev := range events.Items {
			if sp := ev.Spec.(*resource.Event); sp.To == resource.PhaseFailed && sp.Message == "marked erred" {
				found = true
			}
		}
		if !found {
			t.Errorf("no event records set_erred among %d", len(events.Items))
		}

		// It holds through the reconciler's passes...
		if _, err := e.o.Reconcile(ctx, net); err != nil {
			t.Fatal(err)
		}
		settle(time.Minute)
		if got := e.get(net); got.Status.Phase != resource.PhaseFailed || got.Status.Message != "disk on fire" {
			t.Errorf("after a pass, set_erred gave way: %+v", got.Status)
		}
		// ... until a pull asks the VIMs again,
		e.waitAction(e.act(net, resource.VerbPull, nil))
		if got := e.get(net); got.Status.Phase != resource.PhaseReady || got.Status.Output[orca.ErrorTracebackKey] != nil {
			t.Errorf("after a pull: %+v", got.Status)
		}
		// ... or a change of the spec.
		if _, err := e.o.Perform(ctx, net, resource.VerbSetErred, nil); err != nil {
			t.Fatal(err)
		}
		changed := e.get(net)
		changed.Spec.(*resource.Network).Description = "changed"
		changed.Revision = 0
		e.apply(changed)
		e.waitPhase(net, resource.PhaseReady)

		// set_ok clears both.
		if _, err := e.o.Perform(ctx, net, resource.VerbSetErred, map[string]string{"traceback": "tb"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.o.Perform(ctx, net, resource.VerbSetOK, nil); err != nil {
			t.Fatal(err)
		}
		got = e.get(net)
		if got.Status.Phase != resource.PhaseReady || got.Status.Output[orca.ErrorTracebackKey] != nil {
			t.Errorf("after set_ok: %+v", got.Status)
		}

		// Unlink forgets the rows at once and leaves the VIM objects.
		if _, err := e.o.Perform(ctx, net, resource.VerbUnlink, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Get(ctx, net); resource.CodeOf(err) != resource.NotFound {
			t.Errorf("after unlink the network is still stored: %v", err)
		}
		if len(e.locals(net)) != 0 {
			t.Errorf("after unlink copies remain: %v", keys(e.locals(net)))
		}
		for _, loc := range []string{"loc-1", "loc-2"} {
			if n := len(e.vimObjects(loc, resource.KindNetwork)); n != 1 {
				t.Errorf("%s: %d networks in the VIM after unlink, want the 1 left in place", loc, n)
			}
		}

		for name, tc := range map[string]struct {
			target resource.Ref
			verb   string
			params map[string]string
			code   resource.ErrorCode
		}{
			"a VIM verb":        {net, resource.VerbPower, map[string]string{"target": "on"}, resource.Invalid},
			"unknown parameter": {net, resource.VerbSetOK, map[string]string{"why": "x"}, resource.Invalid},
			"missing target":    {ref(resource.KindNetwork, "nope"), resource.VerbSetOK, nil, resource.NotFound},
		} {
			if _, err := e.o.Perform(ctx, tc.target, tc.verb, tc.params); resource.CodeOf(err) != tc.code {
				t.Errorf("%s: %v, want code %v", name, err, tc.code)
			}
		}
	})
}

func TestOnePowerOperationAtATime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1, noRun: true})
		ctx := context.Background()
		srv := e.serverStack("s1")
		// Not running: the first request stays Pending, in flight.
		first, err := e.o.Act(ctx, srv, resource.VerbPower, map[string]string{"target": "off"})
		if err != nil {
			t.Fatal(err)
		}
		for _, verb := range []string{resource.VerbPower, resource.VerbReboot, resource.VerbRecover} {
			params := map[string]string{"target": "on"}
			if verb != resource.VerbPower {
				params = nil
			}
			_, err := e.o.Act(ctx, srv, verb, params)
			if resource.CodeOf(err) != resource.Conflict || !strings.Contains(err.Error(), first.ID) {
				t.Errorf("%s while a power change is in flight: %v, want Conflict naming %s", verb, err, first.ID)
			}
		}
		// Other verbs are not power changes.
		if _, err := e.o.Act(ctx, srv, resource.VerbPull, nil); err != nil {
			t.Errorf("pull while a power change is in flight: %v", err)
		}
		e.run()
		e.waitAction(first)
		if _, err := e.o.Act(ctx, srv, resource.VerbPower, map[string]string{"target": "on"}); err != nil {
			t.Errorf("power on once the first finished: %v", err)
		}
	})
}

func TestTenantDeletionRefusedWhileItOwnsResources(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		ctx := context.Background()
		ten := ref(resource.KindTenant, tenant)
		e.apply(&resource.Resource{Ref: ten, Name: tenant, Spec: &resource.Tenant{Description: "a"}})
		e.apply(network("n1", "10.1.0.0/24", 0))
		e.apply(&resource.Resource{Ref: ref(resource.KindFlavor, "f1"), Tenant: tenant, Spec: &resource.Flavor{RAM: 64, VCPUs: 1}})
		err := e.o.Delete(ctx, ten, 0)
		if resource.CodeOf(err) != resource.Conflict || !strings.Contains(err.Error(), "network/n1, flavor/f1") {
			t.Fatalf("Delete of a tenant owning a network and a flavor: %v, want Conflict naming them, network first", err)
		}
		e.get(ten) // still there
		for _, r := range []resource.Ref{ref(resource.KindFlavor, "f1"), ref(resource.KindNetwork, "n1")} {
			if err := e.o.Delete(ctx, r, 0); err != nil {
				t.Fatal(err)
			}
			e.waitGone(r)
		}
		if err := e.o.Delete(ctx, ten, 0); err != nil {
			t.Fatalf("Delete of an empty tenant: %v", err)
		}
	})
}

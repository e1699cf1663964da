package orca_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
)

// TestWatchReportsEachStepOnce: a watcher reports a network's creation
// when it is ready and its deletion when it is gone, each once, in order,
// keeping what it reported in the watch's state; the watch then ends.
func TestWatchReportsEachStepOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rcv := &receiver{}
		e := newEnv(t, envOptions{locations: 2, fake: fake.Options{BuildTime: 10 * time.Second}, orca: orca.Options{Deliver: rcv.deliver}})
		looks := 0
		e.o.RegisterWatcher("test", func(_ context.Context, w, target *resource.Resource) (orca.Verdict, error) {
			looks++
			spec := w.Spec.(*resource.Watch)
			say := func(body string) resource.Webhook {
				return resource.Webhook{URL: spec.Params["callback"], Body: body, Stream: "watch/" + w.ID}
			}
			switch {
			case target == nil:
				return orca.Verdict{Webhooks: []resource.Webhook{say("deleted")}, Done: true}, nil
			case target.Status.Phase == resource.PhaseReady && spec.State["created"] == "":
				return orca.Verdict{Webhooks: []resource.Webhook{say("created")}, State: map[string]string{"created": "yes"}}, nil
			}
			return orca.Verdict{}, nil
		})
		ctx := context.Background()
		net := ref(resource.KindNetwork, "n1")
		e.apply(network("n1", "10.1.0.0/16", 24))
		if _, err := e.o.Watch(ctx, tenant, net, "test", map[string]string{"callback": "https://nfvo.example.net/cb"}); err != nil {
			t.Fatal(err)
		}
		e.waitFor("creation reported", time.Hour, func() bool { return len(rcv.delivered()) == 1 })
		settle(time.Minute) // more looks: nothing more to say
		if got := rcv.delivered(); len(got) != 1 {
			t.Fatalf("after more looks: %v", got)
		}
		if err := e.o.Delete(ctx, net, 0); err != nil {
			t.Fatal(err)
		}
		e.waitFor("deletion reported", time.Hour, func() bool { return len(rcv.delivered()) == 2 })
		if diff := cmp.Diff([]string{"created", "deleted"}, rcv.delivered()); diff != "" {
			t.Errorf("reports (-want +got):\n%s", diff)
		}
		settle(time.Minute)
		n := looks
		settle(time.Hour)
		if looks != n {
			t.Errorf("an ended watch was looked at %d more times", looks-n)
		}
	})
}

// TestWatchWaitsForItsWatcher: a watch whose watcher is not registered
// yet (an API that starts after the orchestrator) waits, and is taken up
// at the next resync once it is.
func TestWatchWaitsForItsWatcher(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rcv := &receiver{}
		e := newEnv(t, envOptions{orca: orca.Options{Deliver: rcv.deliver, ResyncInterval: time.Minute}})
		ctx := context.Background()
		e.apply(&resource.Resource{Ref: ref(resource.KindTenant, "t9"), Spec: &resource.Tenant{}})
		if _, err := e.o.Watch(ctx, "t9", ref(resource.KindTenant, "t9"), "late", nil); err != nil {
			t.Fatal(err)
		}
		settle(time.Second)
		e.o.RegisterWatcher("late", func(context.Context, *resource.Resource, *resource.Resource) (orca.Verdict, error) {
			return orca.Verdict{Webhooks: []resource.Webhook{{URL: "https://nfvo.example.net/cb", Body: "hello"}}, Done: true}, nil
		})
		e.waitFor("reported after the resync", 5*time.Minute, func() bool { return len(rcv.delivered()) == 1 })
	})
}

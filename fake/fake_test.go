package fake_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

func network(id string) *vim.Object {
	return &vim.Object{
		Ref:  resource.Ref{Kind: resource.KindLocalNetwork, ID: id},
		Kind: resource.KindNetwork, Name: id, Tenant: "t",
		Spec: &resource.Network{Description: "d", CIDR: "10.0.0.0/24"},
	}
}

func mustCreate(t *testing.T, v *fake.VIM, o *vim.Object) string {
	t.Helper()
	ext, err := v.Create(t.Context(), o)
	if err != nil {
		t.Fatalf("Create(%s): %v", o, err)
	}
	o.ExternalID = ext
	return ext
}

func observe(t *testing.T, v *fake.VIM, o *vim.Object) vim.Observation {
	t.Helper()
	obs, err := v.Observe(t.Context(), o)
	if err != nil {
		t.Fatalf("Observe(%s): %v", o, err)
	}
	return obs
}

// server makes a ready image, flavor and network and returns a server
// object using them.
func server(t *testing.T, v *fake.VIM, id string) *vim.Object {
	t.Helper()
	deps := map[resource.Ref]vim.Dep{}
	for _, d := range []*vim.Object{
		{Ref: resource.Ref{Kind: resource.KindLocalImage, ID: id + "-img"}, Kind: resource.KindImage,
			Spec: &resource.Image{DiskFormat: "raw", ContainerFormat: "bare", Visibility: "public"}},
		{Ref: resource.Ref{Kind: resource.KindLocalFlavor, ID: id + "-fl"}, Kind: resource.KindFlavor,
			Spec: &resource.Flavor{RAM: 64, VCPUs: 1}},
		network(id + "-net"),
	} {
		ext := mustCreate(t, v, d)
		deps[resource.Ref{Kind: d.Kind, ID: d.Ref.ID}] = vim.Dep{ExternalID: ext}
	}
	return &vim.Object{
		Ref: resource.Ref{Kind: resource.KindLocalServer, ID: id}, Kind: resource.KindServer, Name: id,
		Spec: &resource.Server{ImageID: id + "-img", FlavorID: id + "-fl", NetworkID: id + "-net"},
		Deps: deps,
	}
}

func TestBuildTimeIsAsynchronous(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := fake.New(&fake.Options{BuildTime: 10 * time.Second, DeleteTime: 5 * time.Second})
		o := network("n1")
		mustCreate(t, v, o)
		if obs := observe(t, v, o); obs.State != vim.StateBuilding || obs.TaskStatus != "BUILD" {
			t.Fatalf("right after Create: %s/%s, want Building/BUILD", obs.State, obs.TaskStatus)
		}
		time.Sleep(10*time.Second - time.Nanosecond)
		if obs := observe(t, v, o); obs.State != vim.StateBuilding {
			t.Fatalf("just before BuildTime: %s", obs.State)
		}
		time.Sleep(time.Nanosecond)
		if obs := observe(t, v, o); obs.State != vim.StateReady || obs.TaskStatus != "ACTIVE" {
			t.Fatalf("at BuildTime: %s/%s, want Ready/ACTIVE", obs.State, obs.TaskStatus)
		}
		if err := v.Delete(t.Context(), o); err != nil {
			t.Fatal(err)
		}
		if obs := observe(t, v, o); !obs.Exists || obs.State != vim.StateDeleting {
			t.Fatalf("right after Delete: %+v, want Deleting", obs)
		}
		time.Sleep(5 * time.Second)
		if obs := observe(t, v, o); obs.Exists {
			t.Fatalf("after DeleteTime: %+v, want gone", obs)
		}
	})
}

func TestManualProgress(t *testing.T) {
	v := fake.New(&fake.Options{Manual: true})
	o := network("n1")
	mustCreate(t, v, o)
	for range 3 {
		if obs := observe(t, v, o); obs.State != vim.StateBuilding {
			t.Fatalf("before Step: %s", obs.State)
		}
	}
	v.Step()
	if obs := observe(t, v, o); obs.State != vim.StateReady {
		t.Fatalf("after Step: %s", obs.State)
	}
}

func TestLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := fake.New(&fake.Options{Latency: 50 * time.Millisecond})
		start := time.Now()
		mustCreate(t, v, network("n1"))
		if got := time.Since(start); got != 50*time.Millisecond {
			t.Errorf("Create took %v, want the configured 50ms", got)
		}
		// Latency is not under the lock: concurrent calls overlap, as
		// calls to a remote API do.
		start = time.Now()
		done := make(chan error, 4)
		for i := range 4 {
			go func() { _, err := v.Create(t.Context(), network("p"+string(rune('0'+i)))); done <- err }()
		}
		for range 4 {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		if got := time.Since(start); got != 50*time.Millisecond {
			t.Errorf("4 concurrent creates took %v, want 50ms", got)
		}
		// A context that ends during the latency ends the call.
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
		defer cancel()
		start = time.Now()
		_, err := v.Observe(ctx, network("n1"))
		if !errors.Is(err, context.DeadlineExceeded) || resource.CodeOf(err) != resource.Unavailable {
			t.Errorf("Observe past its deadline = %v", err)
		}
		if got := time.Since(start); got != 10*time.Millisecond {
			t.Errorf("the cut-short call took %v, want 10ms", got)
		}
	})
}

func TestFailNext(t *testing.T) {
	v := fake.New(nil)
	v.FailNext(fake.OpCreate, 2, resource.Unavailable)
	v.FailNext(fake.OpCreate, 1, resource.Forbidden)
	v.FailNext(fake.OpAny, 1, resource.Unauthorized)
	var got []resource.ErrorCode
	for range 4 {
		_, err := v.Create(t.Context(), network("n1"))
		got = append(got, resource.CodeOf(err))
	}
	want := []resource.ErrorCode{resource.Unavailable, resource.Unavailable, resource.Forbidden, resource.Unauthorized}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	if len(v.Objects("")) != 0 {
		t.Error("a failed create made an object")
	}
	mustCreate(t, v, network("n1"))
	if n := v.Calls(fake.OpCreate); n != 5 {
		t.Errorf("Calls(create) = %d, want 5 (failed ones count)", n)
	}
}

func TestFailRate(t *testing.T) {
	v := fake.New(&fake.Options{Seed: 7})
	v.FailRate(fake.OpObserve, 0.5, resource.Unavailable)
	failed := 0
	for range 400 {
		if _, err := v.Observe(t.Context(), network("n1")); err != nil {
			if resource.CodeOf(err) != resource.Unavailable {
				t.Fatalf("injected error has code %v", resource.CodeOf(err))
			}
			failed++
		}
	}
	if failed < 100 || failed > 300 {
		t.Errorf("%d of 400 calls failed at p=0.5", failed)
	}
	v.FailRate(fake.OpObserve, 0, 0)
	for range 50 {
		if _, err := v.Observe(t.Context(), network("n1")); err != nil {
			t.Fatalf("after FailRate(0): %v", err)
		}
	}
	v.FailRate(fake.OpAny, 1, resource.Conflict)
	if _, err := v.Create(t.Context(), network("n2")); resource.CodeOf(err) != resource.Conflict {
		t.Errorf("FailRate(OpAny, 1) let a create through: %v", err)
	}
}

func TestLoseCreateResponses(t *testing.T) {
	v := fake.New(nil)
	v.LoseCreateResponses(1)
	o := network("n1")
	_, err := v.Create(t.Context(), o)
	if resource.CodeOf(err) != resource.Unavailable {
		t.Fatalf("Create with a lost response = %v, want Unavailable", err)
	}
	objs := v.Objects(resource.KindNetwork)
	if len(objs) != 1 {
		t.Fatalf("the VIM holds %d networks after a lost response, want the 1 it committed", len(objs))
	}
	ext, err := v.Create(t.Context(), o)
	if err != nil || ext != objs[0].ExternalID {
		t.Fatalf("retried Create = %q, %v; want adoption of %q", ext, err, objs[0].ExternalID)
	}
	if n := len(v.Objects(resource.KindNetwork)); n != 1 {
		t.Errorf("%d networks after the retry, want 1", n)
	}
}

func TestHangNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := fake.New(nil)
		v.HangNext(fake.OpDelete, 1)
		o := network("n1")
		mustCreate(t, v, o)
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		start := time.Now()
		err := v.Delete(ctx, o)
		if !errors.Is(err, context.DeadlineExceeded) || resource.CodeOf(err) != resource.Unavailable {
			t.Fatalf("hung Delete = %v", err)
		}
		if got := time.Since(start); got != time.Hour {
			t.Errorf("hung for %v, want until the deadline (1h)", got)
		}
		if !observe(t, v, o).Exists {
			t.Error("the hung Delete deleted the object")
		}
		if err := v.Delete(t.Context(), o); err != nil {
			t.Errorf("the next Delete: %v", err)
		}
	})
}

func TestDrift(t *testing.T) {
	v := fake.New(nil)
	o := network("n1")
	mustCreate(t, v, o)
	if err := v.Drift("n1", "description"); err != nil {
		t.Fatal(err)
	}
	if obs := observe(t, v, o); !slices.Equal(obs.Drift, []string{"description"}) {
		t.Fatalf("drift %v, want [description]", obs.Drift)
	}
	if err := v.Update(t.Context(), o); err != nil {
		t.Fatalf("Update repairing a mutable drift: %v", err)
	}
	if obs := observe(t, v, o); len(obs.Drift) != 0 {
		t.Fatalf("drift after repair: %v", obs.Drift)
	}
	// Drift of a field that replaces the object cannot be repaired in
	// place.
	if err := v.Drift("n1", "contrail_id"); err != nil {
		t.Fatal(err)
	}
	if err := v.Update(t.Context(), o); resource.CodeOf(err) != resource.Invalid {
		t.Errorf("Update over a drifted contrail_id = %v, want Invalid", err)
	}
	if err := v.Drift("n1", "mtu"); resource.CodeOf(err) != resource.Invalid {
		t.Errorf("Drift of an unknown field = %v", err)
	}
	if err := v.Drift("nope", "cidr"); resource.CodeOf(err) != resource.NotFound {
		t.Errorf("Drift of an unknown tag = %v", err)
	}
}

func TestVanish(t *testing.T) {
	v := fake.New(nil)
	o := network("n1")
	first := mustCreate(t, v, o)
	if err := v.Vanish("n1"); err != nil {
		t.Fatal(err)
	}
	if obs := observe(t, v, o); obs.Exists {
		t.Fatalf("after Vanish: %+v", obs)
	}
	second := mustCreate(t, v, o)
	if second == first {
		t.Errorf("recreated object reuses external ID %q", first)
	}
	if err := v.Vanish("nope"); resource.CodeOf(err) != resource.NotFound {
		t.Errorf("Vanish of an unknown tag = %v", err)
	}
}

func TestBreak(t *testing.T) {
	v := fake.New(&fake.Options{Manual: true})
	o := network("n1")
	mustCreate(t, v, o)
	if err := v.Break("n1", "disk full"); err != nil {
		t.Fatal(err)
	}
	v.Step()
	obs := observe(t, v, o)
	if obs.State != vim.StateError || obs.Message != "disk full" || obs.TaskStatus != "ERROR" {
		t.Errorf("after Break: %+v", obs)
	}
}

func TestQuota(t *testing.T) {
	v := fake.New(&fake.Options{Quota: map[resource.Kind]int{resource.KindNetwork: 2}})
	mustCreate(t, v, network("n1"))
	mustCreate(t, v, network("n2"))
	_, err := v.Create(t.Context(), network("n3"))
	if resource.CodeOf(err) != resource.Forbidden || !strings.Contains(err.Error(), "quota") {
		t.Fatalf("Create beyond the quota = %v, want Forbidden", err)
	}
	// Adopting an existing object is not a new one.
	if _, err := v.Create(t.Context(), network("n2")); err != nil {
		t.Errorf("adoption at the quota: %v", err)
	}
}

func TestDependencies(t *testing.T) {
	v := fake.New(nil)
	s := server(t, v, "s1")
	missing := *s
	missing.Deps = map[resource.Ref]vim.Dep{}
	if _, err := v.Create(t.Context(), &missing); resource.CodeOf(err) != resource.NotFound {
		t.Fatalf("server without its dependencies = %v, want NotFound", err)
	}
	mustCreate(t, v, s)
	net := network("s1-net")
	if err := v.Delete(t.Context(), net); resource.CodeOf(err) != resource.Conflict || !strings.Contains(err.Error(), "s1") {
		t.Fatalf("Delete of a network in use = %v, want Conflict naming the server", err)
	}
	if err := v.Delete(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	if err := v.Delete(t.Context(), net); err != nil {
		t.Errorf("Delete of the network once unused: %v", err)
	}
	// A heat stack needs its template's text.
	stack := &vim.Object{
		Ref: resource.Ref{Kind: resource.KindLocalHeatInstance, ID: "st"}, Kind: resource.KindHeatInstance,
		Spec: &resource.HeatInstance{HeatTemplateID: "tmpl"},
	}
	if _, err := v.Create(t.Context(), stack); resource.CodeOf(err) != resource.Invalid {
		t.Errorf("stack without its template = %v, want Invalid", err)
	}
	stack.Deps = map[resource.Ref]vim.Dep{{Kind: resource.KindHeatTemplate, ID: "tmpl"}: {Spec: &resource.HeatTemplate{Template: "heat_template_version: 2018-08-31"}}}
	mustCreate(t, v, stack)
	if obs := observe(t, v, stack); obs.TaskStatus != "CREATE_COMPLETE" {
		t.Errorf("stack task status %q", obs.TaskStatus)
	}
}

func TestInvalidSpecRefused(t *testing.T) {
	v := fake.New(nil)
	o := network("n1")
	o.Spec = &resource.Network{CIDR: "300.0.0.0/8"}
	if _, err := v.Create(t.Context(), o); resource.CodeOf(err) != resource.Invalid {
		t.Errorf("Create of an invalid spec = %v", err)
	}
}

func TestPower(t *testing.T) {
	v := fake.New(&fake.Options{Manual: true})
	s := server(t, v, "s1")
	mustCreate(t, v, s)
	if err := v.Power(t.Context(), s, vim.ActionPowerOff); resource.CodeOf(err) != resource.Conflict {
		t.Fatalf("power change while building = %v, want Conflict", err)
	}
	v.Step()
	if obs := observe(t, v, s); obs.Power != vim.PowerOn {
		t.Fatalf("a ready server is %q", obs.Power)
	}
	steps := []struct {
		action vim.PowerAction
		want   vim.PowerState
		code   resource.ErrorCode // 0: success
	}{
		{vim.ActionSoftOff, vim.PowerOff, 0},
		{vim.ActionReboot, vim.PowerOff, resource.Conflict},
		{vim.ActionPowerOn, vim.PowerOn, 0},
		{vim.ActionHardReboot, vim.PowerOn, 0},
		{vim.ActionPowerOff, vim.PowerOff, 0},
		{"explode", vim.PowerOff, resource.Invalid},
	}
	for _, st := range steps {
		err := v.Power(t.Context(), s, st.action)
		if st.code == 0 && err != nil || st.code != 0 && resource.CodeOf(err) != st.code {
			t.Fatalf("Power(%s) = %v, want code %v", st.action, err, st.code)
		}
		if obs := observe(t, v, s); obs.Power != st.want {
			t.Fatalf("after Power(%s): %q, want %q", st.action, obs.Power, st.want)
		}
	}
	if obs := observe(t, v, s); obs.TaskStatus != "SHUTOFF" {
		t.Errorf("task status of a server that is off: %q", obs.TaskStatus)
	}
	if err := v.Power(t.Context(), network("s1-net"), vim.ActionPowerOn); resource.CodeOf(err) != resource.Invalid {
		t.Errorf("Power of a network = %v", err)
	}
}

// TestPowerTakesTime: with PowerTime, a power change is a task: the
// machine keeps its power and reports Busy, refusing another change, until
// the time has passed.
func TestPowerTakesTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := fake.New(&fake.Options{PowerTime: 10 * time.Second})
		s := server(t, v, "s1")
		mustCreate(t, v, s)
		if err := v.Power(t.Context(), s, vim.ActionPowerOff); err != nil {
			t.Fatal(err)
		}
		if obs := observe(t, v, s); obs.Power != vim.PowerOn || obs.Busy != "powering-off" || obs.State != vim.StateReady {
			t.Errorf("during the change: %+v", obs)
		}
		if err := v.Power(t.Context(), s, vim.ActionPowerOn); resource.CodeOf(err) != resource.Conflict {
			t.Errorf("a second change during the first = %v, want Conflict", err)
		}
		time.Sleep(10 * time.Second)
		if obs := observe(t, v, s); obs.Power != vim.PowerOff || obs.Busy != "" {
			t.Errorf("after it: %+v", obs)
		}
		if err := v.Power(t.Context(), s, vim.ActionPowerOn); err != nil {
			t.Fatal(err)
		}
		if obs := observe(t, v, s); obs.Busy != "powering-on" {
			t.Errorf("powering on: %+v", obs)
		}
	})
}

func TestSnapshotAndConsole(t *testing.T) {
	v := fake.New(nil)
	s := server(t, v, "s1")
	ext := mustCreate(t, v, s)
	img, err := v.Snapshot(t.Context(), s, "backup", "action-1")
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, o := range v.Objects(resource.KindImage) {
		if o.ExternalID == img && o.Name == "backup" && o.State == vim.StateReady {
			found = true
		}
	}
	if !found {
		t.Errorf("snapshot image %q not in the VIM: %+v", img, v.Objects(resource.KindImage))
	}
	// The same key again (a retry) is the same image; another key is not.
	if again, err := v.Snapshot(t.Context(), s, "backup", "action-1"); err != nil || again != img {
		t.Errorf("a retried snapshot = %q, %v; want %q", again, err, img)
	}
	if other, err := v.Snapshot(t.Context(), s, "backup", "action-2"); err != nil || other == img {
		t.Errorf("a second snapshot = %q, %v; want a new image", other, err)
	}
	backups := 0
	for _, o := range v.Objects(resource.KindImage) {
		if o.Name == "backup" {
			backups++
		}
	}
	if backups != 2 {
		t.Errorf("%d snapshot images, want 2", backups)
	}
	url, err := v.ConsoleURL(t.Context(), s)
	if err != nil || !strings.Contains(url, ext) || !strings.HasPrefix(url, "https://") {
		t.Errorf("ConsoleURL = %q, %v", url, err)
	}
	gone := *s
	gone.Ref.ID = "nope"
	if _, err := v.ConsoleURL(t.Context(), &gone); resource.CodeOf(err) != resource.NotFound {
		t.Errorf("ConsoleURL of a missing server = %v", err)
	}
}

func TestHosts(t *testing.T) {
	v := fake.New(&fake.Options{Hosts: []string{"h1", "h2"}})
	for _, h := range []string{"h1", "h2"} {
		if err := v.SetHostEnabled(t.Context(), h, false); err != nil {
			t.Fatal(err)
		}
	}
	hosts, err := v.Hosts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []vim.Host{{Name: "h1", State: "up"}, {Name: "h2", State: "up"}}
	if diff := cmp.Diff(want, hosts); diff != "" {
		t.Errorf("hosts (-want +got):\n%s", diff)
	}
	// With every host disabled a server fails to schedule, as in Nova.
	s := server(t, v, "s1")
	mustCreate(t, v, s)
	if obs := observe(t, v, s); obs.State != vim.StateError || !strings.Contains(obs.Message, "No valid host") {
		t.Fatalf("server with no host: %+v", obs)
	}
	if err := v.SetHostEnabled(t.Context(), "h2", true); err != nil {
		t.Fatal(err)
	}
	s2 := server(t, v, "s2")
	mustCreate(t, v, s2)
	if obs := observe(t, v, s2); obs.State != vim.StateReady || obs.Output["host"] != "h2" {
		t.Errorf("server after enabling h2: %+v", obs)
	}
	if err := v.SetHostEnabled(t.Context(), "h9", true); resource.CodeOf(err) != resource.NotFound {
		t.Errorf("unknown host = %v", err)
	}
}

func TestClose(t *testing.T) {
	v := fake.New(nil)
	v.Close()
	if _, err := v.Create(t.Context(), network("n1")); resource.CodeOf(err) != resource.Unavailable {
		t.Errorf("Create after Close = %v", err)
	}
}

func TestClearFaults(t *testing.T) {
	v := fake.New(nil)
	v.FailNext(fake.OpAny, 10, resource.Unavailable)
	v.HangNext(fake.OpCreate, 1)
	v.LoseCreateResponses(1)
	v.FailRate(fake.OpAny, 1, resource.Conflict)
	v.ClearFaults()
	if _, err := v.Create(t.Context(), network("n1")); err != nil {
		t.Errorf("Create after ClearFaults: %v", err)
	}
}

// TestDependencyContentDrift: a stack's template is content the VIM does
// not hold as an object; a new template text is drift of heat_template_id.
func TestDependencyContentDrift(t *testing.T) {
	v := fake.New(nil)
	tmpl := resource.Ref{Kind: resource.KindHeatTemplate, ID: "tmpl"}
	stack := &vim.Object{
		Ref: resource.Ref{Kind: resource.KindLocalHeatInstance, ID: "st"}, Kind: resource.KindHeatInstance,
		Spec: &resource.HeatInstance{HeatTemplateID: "tmpl"},
		Deps: map[resource.Ref]vim.Dep{tmpl: {Spec: &resource.HeatTemplate{Template: "heat_template_version: 2018-08-31\n# v1"}}},
	}
	mustCreate(t, v, stack)
	if obs := observe(t, v, stack); len(obs.Drift) != 0 {
		t.Fatalf("fresh stack drifts: %v", obs.Drift)
	}
	stack.Deps[tmpl] = vim.Dep{Spec: &resource.HeatTemplate{Template: "heat_template_version: 2018-08-31\n# v2"}}
	if obs := observe(t, v, stack); !slices.Equal(obs.Drift, []string{"heat_template_id"}) {
		t.Fatalf("drift after a template change: %v, want [heat_template_id]", obs.Drift)
	}
	if err := v.Update(t.Context(), stack); err != nil {
		t.Fatal(err)
	}
	if obs := observe(t, v, stack); len(obs.Drift) != 0 {
		t.Errorf("drift after the update: %v", obs.Drift)
	}
}

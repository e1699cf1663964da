package openstack

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/osfake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
	"github.com/orca-nfv/orca/vim/vimtest"
)

// osfakeKinds maps the driver's kinds to the fake's.
var osfakeKinds = map[resource.Kind]osfake.Kind{
	resource.KindNetwork: osfake.KindNetwork, resource.KindSecurityGroup: osfake.KindSecurityGroup,
	resource.KindImage: osfake.KindImage, resource.KindFlavor: osfake.KindFlavor, resource.KindServer: osfake.KindServer,
	resource.KindServerGroup: osfake.KindServerGroup, resource.KindHeatInstance: osfake.KindStack,
	resource.KindBaremetalInstance: osfake.KindServer, resource.KindVolume: osfake.KindVolume,
	resource.KindSubnet: osfake.KindSubnet,
}

// httpStatus is the answer classify maps to each code.
var httpStatus = map[resource.ErrorCode]int{
	resource.NotFound: http.StatusNotFound, resource.Conflict: http.StatusConflict, resource.Invalid: http.StatusBadRequest,
	resource.Unavailable: http.StatusServiceUnavailable, resource.Unauthorized: http.StatusUnauthorized,
	resource.Forbidden: http.StatusForbidden,
}

// newOSFake starts a fake cloud and a driver logged in to it as admin on
// project demo.
func newOSFake(t *testing.T, fo *osfake.Options) (*osfake.Server, *Driver) {
	t.Helper()
	srv := osfake.New(fo)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	d, err := New(ctx, &Options{AuthURL: srv.AuthURL(), Credentials: &vim.Credentials{
		Username: "admin", Password: "secret", ProjectName: "demo"}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return srv, d
}

// seededImage is the fake's active image, for servers to boot from: Nova
// refuses a queued one, as a Glance image created without data is.
func seededImage(t *testing.T, srv *osfake.Server) vim.Dep {
	t.Helper()
	for _, o := range srv.Objects(osfake.KindImage) {
		if o.Name == "cirros" {
			return vim.Dep{ExternalID: o.ID, Name: o.Name}
		}
	}
	t.Fatal("the fake has no cirros image")
	return vim.Dep{}
}

// injectMatch is the request a fault injected for op hits: the first
// request of the driver's call that can carry the error.
//
//   - create: the POST that makes the object (its lookup comes first and
//     finds nothing).
//   - observe: the lookup GET.
//   - update: the call's first request whatever it is, as the suite
//     updates objects that do not drift, whose Update is only a lookup.
//   - delete: the DELETE; with NotFound, the lookups instead, as a 404 on
//     the DELETE means "already gone" (success).
func injectMatch(op vimtest.Op, code resource.ErrorCode) (osfake.Match, int) {
	times := 1
	if code == resource.Unauthorized {
		// gophercloud re-authenticates on a 401 and retries once: the
		// retry must fail too for the driver to see it.
		times = 2
	}
	switch op {
	case vimtest.OpCreate:
		return osfake.Match{Op: osfake.OpCreate}, times
	case vimtest.OpDelete:
		if code != resource.NotFound {
			return osfake.Match{Op: osfake.OpDelete}, times
		}
	}
	if code == resource.NotFound {
		// A 404 on the lookup by ID sends the driver to the lookup by
		// name: both answer 404 for the call to fail NotFound.
		return osfake.Match{Op: osfake.OpRead}, 2
	}
	if op == vimtest.OpUpdate {
		return osfake.Match{Op: osfake.OpAny}, times
	}
	return osfake.Match{Op: osfake.OpRead}, times
}

// hangMatch is the request a hang injected for op hits. The suite hangs
// calls on an object never created, whose Update and Delete are only a
// lookup.
func hangMatch(op vimtest.Op) osfake.Match {
	switch op {
	case vimtest.OpCreate:
		return osfake.Match{Op: osfake.OpCreate}
	case vimtest.OpObserve:
		return osfake.Match{Op: osfake.OpRead}
	}
	return osfake.Match{Op: osfake.OpAny}
}

func osfakeHarness(t *testing.T, srv *osfake.Server, d *Driver) *vimtest.Harness {
	return &vimtest.Harness{
		Driver: d,
		Settle: srv.Step,
		Inject: func(op vimtest.Op, code resource.ErrorCode) {
			m, n := injectMatch(op, code)
			srv.Fail(m, httpStatus[code], n)
		},
		Hang: func(op vimtest.Op) { srv.Hang(hangMatch(op), 1) },
		Count: func(_ context.Context, o *vim.Object) (int, error) {
			return srv.CountNamed(osfakeKinds[o.Kind], tag(o)), nil
		},
		Existing: map[resource.Kind]vim.Dep{resource.KindImage: seededImage(t, srv)},
	}
}

// TestConformanceOSFake runs vimtest against the driver on the wire fake,
// asynchronous work advanced by Step.
func TestConformanceOSFake(t *testing.T) {
	vimtest.Run(t, func(t *testing.T) *vimtest.Harness {
		srv, d := newOSFake(t, nil)
		return osfakeHarness(t, srv, d)
	})
}

// TestConformanceOSFakeAutoStep runs vimtest with no Settle: the fake
// advances by itself every third request, so the suite's polling is what
// waits, as against a real cloud.
func TestConformanceOSFakeAutoStep(t *testing.T) {
	vimtest.Run(t, func(t *testing.T) *vimtest.Harness {
		srv, d := newOSFake(t, &osfake.Options{StepEvery: 3})
		h := osfakeHarness(t, srv, d)
		h.Settle = nil
		return h
	})
}

// fixture builds objects for the driver on a fake.
type fixture struct {
	t   *testing.T
	srv *osfake.Server
	d   *Driver
	seq int
}

func newFixture(t *testing.T, fo *osfake.Options) *fixture {
	srv, d := newOSFake(t, fo)
	return &fixture{t: t, srv: srv, d: d}
}

// object is a desired object of kind k; deps are resolved dependencies.
func (f *fixture) object(k resource.Kind, spec resource.Spec, deps map[resource.Ref]vim.Dep) *vim.Object {
	f.seq++
	id := fmt.Sprintf("fx-%s-%d", k, f.seq)
	ref := resource.Ref{Kind: "local_" + k, ID: id}
	if k == resource.KindHeatTemplate {
		ref.Kind = k
	}
	return &vim.Object{Ref: ref, Kind: k, Global: resource.Ref{Kind: k, ID: id}, Tenant: "t", Name: id, Spec: spec, Deps: deps}
}

// network realizes a network and returns it as a dependency.
func (f *fixture) network(cidr string) (resource.Ref, vim.Dep) {
	f.t.Helper()
	o := f.object(resource.KindNetwork, &resource.Network{CIDR: cidr}, nil)
	ext, err := f.d.Create(f.t.Context(), o)
	if err != nil {
		f.t.Fatalf("creating a network: %v", err)
	}
	return resource.Ref{Kind: resource.KindNetwork, ID: o.Ref.ID}, vim.Dep{ExternalID: ext}
}

// server describes a server from the seeded image and flavor on a new
// network.
func (f *fixture) server() *vim.Object {
	f.t.Helper()
	netRef, netDep := f.network("10.20.0.0/24")
	img := seededImage(f.t, f.srv)
	deps := map[resource.Ref]vim.Dep{
		{Kind: resource.KindImage, ID: "img"}:   img,
		{Kind: resource.KindFlavor, ID: "tiny"}: {ExternalID: "1"},
		netRef:                                  netDep,
	}
	return f.object(resource.KindServer, &resource.Server{Description: "s", ImageID: "img", FlavorID: "tiny", NetworkID: netRef.ID}, deps)
}

const stackTemplate = "heat_template_version: 2018-08-31\n" +
	"parameters:\n  greeting: {type: string, default: hi}\n" +
	"resources: {}\n" +
	"outputs:\n  greeting: {value: {get_param: greeting}}\n"

func (f *fixture) stack(greeting string) *vim.Object {
	deps := map[resource.Ref]vim.Dep{{Kind: resource.KindHeatTemplate, ID: "tmpl"}: {Spec: &resource.HeatTemplate{Template: stackTemplate}}}
	return f.object(resource.KindHeatInstance, &resource.HeatInstance{Description: "d", HeatTemplateID: "tmpl",
		Parameters: map[string]any{"greeting": greeting}}, deps)
}

// ready steps the fake until o is ready, or fails.
func (f *fixture) ready(o *vim.Object) vim.Observation {
	f.t.Helper()
	for range 5 {
		obs, err := f.d.Observe(f.t.Context(), o)
		if err != nil {
			f.t.Fatalf("Observe(%s): %v", o, err)
		}
		if obs.Exists && obs.State == vim.StateReady {
			return obs
		}
		f.srv.Step()
	}
	f.t.Fatalf("%s not ready after 5 steps", o)
	return vim.Observation{}
}

// TestLostCreateResponse: the cloud makes the object but the answer is
// lost (the connection drops); the Create repeated without the ID adopts
// it, and there is one object, not two.
func TestLostCreateResponse(t *testing.T) {
	tests := map[string]struct {
		kind  osfake.Kind
		path  string // the create call whose answer is lost
		build func(f *fixture) *vim.Object
	}{
		"network": {osfake.KindNetwork, "/network/v2.0/networks", func(f *fixture) *vim.Object {
			return f.object(resource.KindNetwork, &resource.Network{Description: "n", CIDR: "10.30.0.0/24"}, nil)
		}},
		"network's subnet": {osfake.KindNetwork, "/network/v2.0/subnets", func(f *fixture) *vim.Object {
			return f.object(resource.KindNetwork, &resource.Network{Description: "n", CIDR: "10.30.0.0/24"}, nil)
		}},
		"security group": {osfake.KindSecurityGroup, "/network/v2.0/security-groups", func(f *fixture) *vim.Object {
			o := f.object(resource.KindSecurityGroup, &resource.SecurityGroup{Description: "g"}, nil)
			o.Parts = []vim.Part{{Ref: resource.Ref{Kind: resource.KindSecurityGroupRule, ID: o.Ref.ID + "-ssh"},
				Spec: &resource.SecurityGroupRule{Direction: "ingress", EtherType: "IPv4", Protocol: "tcp",
					PortRangeMin: ptrTo(int64(22)), PortRangeMax: ptrTo(int64(22))}}}
			return o
		}},
		"image": {osfake.KindImage, "/image/v2/images", func(f *fixture) *vim.Object {
			return f.object(resource.KindImage, &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare", Visibility: "private"}, nil)
		}},
		"image imported from a URL": {osfake.KindImage, "/image/v2/images", func(f *fixture) *vim.Object {
			return f.object(resource.KindImage, &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare", Visibility: "private",
				URL: "https://example.com/cirros.img"}, nil)
		}},
		"flavor": {osfake.KindFlavor, "/compute/v2.1/flavors", func(f *fixture) *vim.Object {
			return f.object(resource.KindFlavor, &resource.Flavor{RAM: 64, VCPUs: 1, Disk: 1}, nil)
		}},
		"server group": {osfake.KindServerGroup, "/compute/v2.1/os-server-groups", func(f *fixture) *vim.Object {
			return f.object(resource.KindServerGroup, &resource.ServerGroup{Policy: "affinity"}, nil)
		}},
		"server":        {osfake.KindServer, "/compute/v2.1/servers", func(f *fixture) *vim.Object { return f.server() }},
		"heat instance": {osfake.KindStack, "/heat-api/", func(f *fixture) *vim.Object { return f.stack("hello") }},
		"volume":        {osfake.KindVolume, "/volume/v3/", func(f *fixture) *vim.Object { return f.volume(1) }},
		"subnet":        {osfake.KindSubnet, "/network/v2.0/subnets", func(f *fixture) *vim.Object { return f.subnet("10.31.0.0/24") }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, nil)
			o := tc.build(f)
			f.srv.LoseResponse(osfake.Match{Op: osfake.OpCreate, Path: tc.path}, 1)
			if _, err := f.d.Create(t.Context(), o); resource.CodeOf(err) != resource.Unavailable {
				t.Fatalf("Create with its answer lost = %v, want Unavailable", err)
			}
			if f.srv.PendingFaults() != 0 {
				t.Fatal("the create call was never made")
			}
			ext, err := f.d.Create(t.Context(), o)
			if err != nil {
				t.Fatalf("Create again: %v", err)
			}
			if n := f.srv.CountNamed(tc.kind, tag(o)); n != 1 {
				t.Fatalf("%d objects named %s, want 1", n, tag(o))
			}
			o.ExternalID = ext
			obs := f.ready(o)
			if obs.ExternalID != ext {
				t.Errorf("Observe found %s, Create returned %s", obs.ExternalID, ext)
			}
			// The adopting Create completed what the first one left half
			// made (a network's subnet, a group's rules).
			if len(obs.Drift) > 0 {
				t.Errorf("drift after the adopting Create: %v", obs.Drift)
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }

// TestReauthAfterTokenExpiry: when the token expires the driver (through
// gophercloud's AllowReauth) logs in again and the call succeeds.
func TestReauthAfterTokenExpiry(t *testing.T) {
	f := newFixture(t, &osfake.Options{TokenTTL: time.Hour})
	o := f.object(resource.KindNetwork, &resource.Network{CIDR: "10.40.0.0/24"}, nil)
	if _, err := f.d.Create(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	f.srv.Advance(2 * time.Hour)
	obs, err := f.d.Observe(t.Context(), o)
	if err != nil || !obs.Exists {
		t.Fatalf("Observe after the token expired = %+v, %v", obs, err)
	}
	if err := f.d.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if n := f.srv.TokensIssued(); n != 2 {
		t.Errorf("%d tokens issued, want 2 (login and one renewal)", n)
	}
}

// TestRevokedCredentials: the token expires and the password changed, so
// the renewal is refused. The driver should say Unauthorized.
func TestRevokedCredentials(t *testing.T) {
	f := newFixture(t, nil)
	o := f.object(resource.KindNetwork, &resource.Network{CIDR: "10.40.0.0/24"}, nil)
	f.srv.SetPassword("admin", "rotated")
	f.srv.ExpireTokens()
	_, err := f.d.Observe(t.Context(), o)
	if err == nil {
		t.Fatal("Observe with revoked credentials succeeded")
	}
	if code := resource.CodeOf(err); code != resource.Unauthorized {
		t.Errorf("revoked credentials classified %v, want Unauthorized: %v", code, err)
	}
}

// TestQuota: Nova's quota refusal is Forbidden.
func TestQuota(t *testing.T) {
	f := newFixture(t, &osfake.Options{Quota: osfake.Quota{Instances: 1, Networks: 3}})
	if _, err := f.d.Create(t.Context(), f.server()); err != nil {
		t.Fatal(err)
	}
	_, err := f.d.Create(t.Context(), f.server())
	if resource.CodeOf(err) != resource.Forbidden || !strings.Contains(err.Error(), "Quota exceeded for instances") {
		t.Errorf("a server over quota = %v, want Forbidden with Nova's message", err)
	}
	// Neutron answers 409 OverQuota (two networks so far).
	_, err = f.d.Create(t.Context(), f.object(resource.KindNetwork, &resource.Network{CIDR: "10.50.0.0/24"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.d.Create(t.Context(), f.object(resource.KindNetwork, &resource.Network{CIDR: "10.51.0.0/24"}, nil))
	if err == nil || !strings.Contains(err.Error(), "OverQuota") {
		t.Fatalf("a network over quota = %v, want Neutron's OverQuota", err)
	}
	if code := resource.CodeOf(err); code != resource.Forbidden {
		t.Errorf("Neutron's quota refusal (409 OverQuota) classified %v, want Forbidden", code)
	}
}

// TestServerCapabilities: power, snapshot and console through Nova's
// actions.
func TestServerCapabilities(t *testing.T) {
	f := newFixture(t, nil)
	o := f.server()
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.ExternalID = ext
	if obs := f.ready(o); obs.Power != vim.PowerOn {
		t.Fatalf("a ready server: %+v", obs)
	}
	power := func(a vim.PowerAction) (vim.PowerState, error) {
		if err := f.d.Power(t.Context(), o, a); err != nil {
			return "", err
		}
		// While Nova carries it out the server is usable but busy, so
		// the reconciler keeps looking.
		if obs, err := f.d.Observe(t.Context(), o); err != nil || obs.State != vim.StateReady || obs.Busy == "" {
			t.Errorf("during %s: %+v, %v; want Ready and busy", a, obs, err)
		}
		f.srv.Step()
		obs := f.ready(o)
		if obs.Busy != "" {
			t.Errorf("after %s: still busy %q", a, obs.Busy)
		}
		return obs.Power, nil
	}
	steps := []struct {
		action vim.PowerAction
		power  vim.PowerState // "": the action is refused with Conflict
	}{
		{vim.ActionPowerOff, vim.PowerOff},
		{vim.ActionReboot, ""}, // Nova: not while stopped
		{vim.ActionPowerOn, vim.PowerOn},
		{vim.ActionPowerOn, ""},
		{vim.ActionHardReboot, vim.PowerOn},
		{vim.ActionSoftOff, vim.PowerOff},
	}
	for _, st := range steps {
		p, err := power(st.action)
		if p != st.power || st.power == "" && resource.CodeOf(err) != resource.Conflict || st.power != "" && err != nil {
			t.Errorf("%s = %q, %v; want %q", st.action, p, err, st.power)
		}
	}
	if _, err := power(vim.ActionPowerOn); err != nil {
		t.Fatal(err)
	}
	img, err := f.d.Snapshot(t.Context(), o, "snap", "action-1@loc")
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	// A retry with the key (after a lost answer, a crash) adopts the image.
	if again, err := f.d.Snapshot(t.Context(), o, "snap", "action-1@loc"); err != nil || again != img {
		t.Errorf("a retried Snapshot = %q, %v; want %q", again, err, img)
	}
	snaps := 0
	for _, x := range f.srv.Objects(osfake.KindImage) {
		if x.Name == "snap" {
			snaps++
		}
	}
	if snaps != 1 {
		t.Errorf("%d snapshot images after a retried snapshot, want 1", snaps)
	}
	var snap *osfake.Object
	for _, x := range f.srv.Objects(osfake.KindImage) {
		if x.ID == img {
			snap = &x
		}
	}
	if snap == nil || snap.Name != "snap" || snap.View["orca_snapshot_of"] != o.Ref.ID || snap.View["image_type"] != "snapshot" {
		t.Errorf("snapshot image %s: %+v", img, snap)
	}
	u, err := f.d.ConsoleURL(t.Context(), o)
	if err != nil || !strings.HasPrefix(u, f.srv.URL()+"/novnc/") {
		t.Errorf("ConsoleURL = %q, %v", u, err)
	}
}

// TestServerSecurityGroupChange: a server's group changes in place,
// through removeSecurityGroup and addSecurityGroup.
func TestServerSecurityGroupChange(t *testing.T) {
	f := newFixture(t, nil)
	group := func() (*vim.Object, resource.Ref, vim.Dep) {
		g := f.object(resource.KindSecurityGroup, &resource.SecurityGroup{}, nil)
		ext, err := f.d.Create(t.Context(), g)
		if err != nil {
			t.Fatal(err)
		}
		g.ExternalID = ext
		return g, resource.Ref{Kind: resource.KindSecurityGroup, ID: g.Ref.ID}, vim.Dep{ExternalID: ext}
	}
	a, aRef, aDep := group()
	_, bRef, bDep := group()
	o := f.server()
	o.Deps[aRef], o.Deps[bRef] = aDep, bDep
	o.Spec.(*resource.Server).SecurityGroupID = aRef.ID
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.ExternalID = ext
	f.ready(o)
	if err := f.d.Delete(t.Context(), a); resource.CodeOf(err) != resource.Conflict {
		t.Errorf("deleting the server's group = %v, want Conflict (Neutron: in use)", err)
	}
	o.Spec.(*resource.Server).SecurityGroupID = bRef.ID
	if err := f.d.Update(t.Context(), o); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if obs := f.ready(o); len(obs.Drift) != 0 {
		t.Errorf("drift after the update: %v", obs.Drift)
	}
	var groups []any
	for _, s := range f.srv.Objects(osfake.KindServer) {
		groups = s.View["security_groups"].([]any)
	}
	want := []any{map[string]any{"name": "orca-" + bRef.ID}}
	if diff := cmp.Diff(want, groups); diff != "" {
		t.Errorf("the server's groups (-want +got):\n%s", diff)
	}
	// The old group is free again.
	if err := f.d.Delete(t.Context(), a); err != nil {
		t.Errorf("deleting the server's former group: %v", err)
	}
}

// TestImageFromURL: Glance imports the data itself (web-download); the
// image builds until the import completes.
func TestImageFromURL(t *testing.T) {
	f := newFixture(t, nil)
	o := f.object(resource.KindImage, &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare", Visibility: "public",
		URL: "https://example.com/cirros.img"}, nil)
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.ExternalID = ext
	obs, err := f.d.Observe(t.Context(), o)
	if err != nil || obs.State != vim.StateBuilding || obs.TaskStatus != "importing" {
		t.Fatalf("just after Create: %+v, %v; want building (importing)", obs, err)
	}
	f.srv.Step()
	obs = f.ready(o)
	if obs.TaskStatus != "active" || obs.Output["size"] == int64(0) || len(obs.Drift) != 0 {
		t.Errorf("imported image: %+v", obs)
	}
}

// TestStackOutputs: a stack's outputs and status reach the observation;
// an update changes them.
func TestStackOutputs(t *testing.T) {
	f := newFixture(t, nil)
	o := f.stack("hello")
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.ExternalID = ext
	obs, _ := f.d.Observe(t.Context(), o)
	if obs.State != vim.StateBuilding || obs.TaskStatus != "CREATE_IN_PROGRESS" || obs.Message != "Stack CREATE started" {
		t.Errorf("just after Create: %+v", obs)
	}
	obs = f.ready(o)
	if diff := cmp.Diff(map[string]any{"greeting": "hello"}, obs.Output["outputs"]); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	o.Spec.(*resource.HeatInstance).Parameters["greeting"] = "bye"
	if obs, _ := f.d.Observe(t.Context(), o); !slices.Contains(obs.Drift, "parameters") {
		t.Fatalf("drift after a parameter change: %v", obs.Drift)
	}
	if err := f.d.Update(t.Context(), o); err != nil {
		t.Fatalf("Update: %v", err)
	}
	obs, _ = f.d.Observe(t.Context(), o)
	if obs.TaskStatus != "UPDATE_IN_PROGRESS" || len(obs.Drift) != 0 {
		t.Errorf("after Update: %+v", obs)
	}
	f.srv.Step()
	obs = f.ready(o)
	if diff := cmp.Diff(map[string]any{"greeting": "bye"}, obs.Output["outputs"]); diff != "" || obs.TaskStatus != "UPDATE_COMPLETE" {
		t.Errorf("outputs after the update (-want +got):\n%s, status %s", diff, obs.TaskStatus)
	}
	// A parameter the template does not declare: Heat refuses (400).
	o.Spec.(*resource.HeatInstance).Parameters["colour"] = "red"
	if err := f.d.Update(t.Context(), o); resource.CodeOf(err) != resource.Invalid || !strings.Contains(err.Error(), "UnknownUserParameter") {
		t.Errorf("Update with an undeclared parameter = %v, want Invalid", err)
	}
}

// TestFlavorDescriptionCleared: clearing a flavor's description is an
// in-place change like any other.
func TestFlavorDescriptionCleared(t *testing.T) {
	f := newFixture(t, nil)
	o := f.object(resource.KindFlavor, &resource.Flavor{Description: "was set", RAM: 64, VCPUs: 1, Disk: 1}, nil)
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.ExternalID = ext
	o.Spec.(*resource.Flavor).Description = ""
	if err := f.d.Update(t.Context(), o); err != nil {
		t.Fatalf("clearing a flavor's description: %v", err)
	}
	if obs := f.ready(o); len(obs.Drift) != 0 {
		t.Errorf("drift after clearing the description: %v", obs.Drift)
	}
}

// TestStackFailures: a stack whose create or delete fails is in Error,
// with Heat's reason.
func TestStackFailures(t *testing.T) {
	for _, action := range []string{"create", "delete"} {
		t.Run(action, func(t *testing.T) {
			f := newFixture(t, nil)
			o := f.stack("hello")
			ext, err := f.d.Create(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			o.ExternalID = ext
			if action == "delete" {
				f.ready(o)
				if err := f.d.Delete(t.Context(), o); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.srv.BreakStack(ext, "Resource "+strings.ToUpper(action)+" failed: boom"); err != nil {
				t.Fatal(err)
			}
			obs, err := f.d.Observe(t.Context(), o)
			if err != nil || !obs.Exists {
				t.Fatalf("Observe = %+v, %v", obs, err)
			}
			if obs.State != vim.StateError || obs.Message != "Resource "+strings.ToUpper(action)+" failed: boom" {
				t.Errorf("a failed %s: %+v", action, obs)
			}
		})
	}
}

// TestQuietResyncCalls: once objects have settled, ObserveAll costs one
// listing per kind (two for networks: networks and subnets), however many
// objects there are. Stacks' outputs, which the list lacks, come from the
// last full read while the stack has not changed.
func TestQuietResyncCalls(t *testing.T) {
	f := newFixture(t, nil)
	stacks := []*vim.Object{f.stack("a"), f.stack("b"), f.stack("c")}
	nets := []*vim.Object{
		f.object(resource.KindNetwork, &resource.Network{CIDR: "10.40.0.0/24"}, nil),
		f.object(resource.KindNetwork, &resource.Network{CIDR: "10.41.0.0/24"}, nil),
	}
	for _, o := range append(slices.Clone(stacks), nets...) {
		ext, err := f.d.Create(t.Context(), o)
		if err != nil {
			t.Fatal(err)
		}
		o.ExternalID = ext
		f.ready(o)
	}
	tests := []struct {
		kind      resource.Kind
		objs      []*vim.Object
		wantCalls int
	}{
		{resource.KindHeatInstance, stacks, 1},
		{resource.KindNetwork, nets, 2},
	}
	for _, tc := range tests {
		first, err := f.d.ObserveAll(t.Context(), tc.kind, tc.objs) // may read each stack in full once
		if err != nil {
			t.Fatal(err)
		}
		before := len(f.srv.Requests())
		again, err := f.d.ObserveAll(t.Context(), tc.kind, tc.objs)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(f.srv.Requests()) - before; n != tc.wantCalls {
			t.Errorf("a quiet ObserveAll of %d %s objects made %d requests, want %d", len(tc.objs), tc.kind, n, tc.wantCalls)
		}
		if diff := cmp.Diff(first, again); diff != "" {
			t.Errorf("%s: the cached observation differs (-full +cached):\n%s", tc.kind, diff)
		}
	}
	// A stack that changes is read in full again: its new outputs show,
	// after a second update too (same status, later update time).
	for _, greeting := range []string{"changed", "changed again"} {
		changed := stacks[0]
		changed.Spec.(*resource.HeatInstance).Parameters["greeting"] = greeting
		if err := f.d.Update(t.Context(), changed); err != nil {
			t.Fatal(err)
		}
		f.srv.Advance(time.Second) // Heat's update times have whole seconds
		f.srv.Step()
		f.srv.Step()
		obs, err := f.d.ObserveAll(t.Context(), resource.KindHeatInstance, stacks)
		if err != nil {
			t.Fatal(err)
		}
		if got := obs[0].Output["outputs"].(map[string]any)["greeting"]; got != greeting {
			t.Errorf("outputs after an update: %v, want %q", got, greeting)
		}
	}
}

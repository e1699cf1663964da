package orca_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// deploymentStack applies an image, a flavor and two networks, and returns
// a deployment of two groups over them, placed at loc-1: "fw" with two
// VMs kept apart and fixed addresses, and "lb" with one VM on both
// networks.
func (e *env) deploymentStack(id string) *resource.Resource {
	e.apply(&resource.Resource{Ref: ref(resource.KindImage, "img"), Tenant: tenant,
		Spec: &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare"}})
	e.apply(&resource.Resource{Ref: ref(resource.KindFlavor, "fl"), Tenant: tenant, Spec: &resource.Flavor{RAM: 64, VCPUs: 1}})
	e.apply(network("mgmt", "10.9.0.0/24", 0))
	e.apply(network("data", "10.8.0.0/24", 0))
	return &resource.Resource{Ref: ref(resource.KindDeployment, id), Tenant: tenant, Name: id,
		Placement: &resource.Placement{Locations: []string{"loc-1"}},
		Spec: &resource.Deployment{
			Groups: []resource.VMGroup{
				{Name: "fw", ImageID: "img", FlavorID: "fl", Count: 2, MinCount: 1, MaxCount: 3, Policy: "anti-affinity",
					NICs: []resource.GroupNIC{{NetworkID: "mgmt", IPs: []string{"10.9.0.16", "10.9.0.17", "10.9.0.18"}}}},
				{Name: "lb", ImageID: "img", FlavorID: "fl", Count: 1, MinCount: 1, MaxCount: 1,
					NICs: []resource.GroupNIC{{NetworkID: "mgmt"}, {NetworkID: "data"}}},
			},
			Day0: []resource.GroupDay0{{Group: "lb", UserData: "#cloud-config\n"}},
		},
	}
}

// members lists a deployment's servers and server groups by ID.
func (e *env) members(dep string) map[string]*resource.Resource {
	e.t.Helper()
	out := map[string]*resource.Resource{}
	for _, k := range []resource.Kind{resource.KindServer, resource.KindServerGroup} {
		page, err := e.s.List(context.Background(), store.Filter{Kind: k, Labels: map[string]string{orca.LabelDeployment: dep}})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, r := range page.Items {
			out[r.ID] = r
		}
	}
	return out
}

func memberIDs(m map[string]*resource.Resource) []string {
	var ids []string
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// TestDeploymentConverges: a deployment becomes servers and a server group
// at its location only, with the groups' NICs, addresses, policy and day-0
// data, and is Ready when every VM is.
func TestDeploymentConverges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2})
		d := e.apply(e.deploymentStack("dep"))
		e.waitPhase(d.Ref, resource.PhaseReady)
		m := e.members("dep")
		want := []string{"dep:fw:0", "dep:fw:1", "dep:fw:group", "dep:lb:0"}
		if diff := cmp.Diff(want, memberIDs(m)); diff != "" {
			t.Fatalf("members (-want +got):\n%s", diff)
		}
		fw1 := m["dep:fw:1"].Spec.(*resource.Server)
		wantFW := []resource.NIC{{NetworkID: "mgmt", FixedIP: "10.9.0.17"}}
		if diff := cmp.Diff(wantFW, fw1.NICs); diff != "" || fw1.ServerGroupID != "dep:fw:group" {
			t.Errorf("fw VM 1: group %q, NICs (-want +got):\n%s", fw1.ServerGroupID, diff)
		}
		if lb := m["dep:lb:0"].Spec.(*resource.Server); lb.UserData != "#cloud-config\n" || len(lb.NICs) != 2 || lb.ServerGroupID != "" {
			t.Errorf("lb VM: %+v, want day-0 data, two NICs, no group", lb)
		}
		if g := m["dep:fw:group"].Spec.(*resource.ServerGroup); g.Policy != "anti-affinity" {
			t.Errorf("fw group policy %q", g.Policy)
		}
		if n := len(e.vimObjects("loc-1", resource.KindServer)); n != 3 {
			t.Errorf("loc-1 has %d servers, want 3", n)
		}
		if n := len(e.vimObjects("loc-2", resource.KindServer)); n != 0 {
			t.Errorf("loc-2 has %d servers, want none: the deployment is placed at loc-1", n)
		}
		vms, _ := e.get(d.Ref).Status.Output[orca.DeploymentVMsKey].([]any)
		if len(vms) != 3 {
			t.Errorf("status lists %d VMs, want 3: %v", len(vms), vms)
		}
	})
}

// TestDeploymentScalesAndSheds: growing a group adds VMs, shrinking it
// removes the highest-numbered ones, and removing a group removes its VMs
// and its server group.
func TestDeploymentScalesAndSheds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		d := e.apply(e.deploymentStack("dep"))
		e.waitPhase(d.Ref, resource.PhaseReady)

		resize := func(count int64, groups ...string) {
			t.Helper()
			e.update(d.Ref, func(next *resource.Resource) {
				spec := *next.Spec.(*resource.Deployment)
				var keep []resource.VMGroup
				for _, g := range spec.Groups {
					if slices.Contains(groups, g.Name) {
						if g.Name == "fw" {
							g.Count = count
						}
						keep = append(keep, g)
					}
				}
				spec.Groups = keep
				spec.Day0 = slices.DeleteFunc(slices.Clone(spec.Day0), func(d resource.GroupDay0) bool { return !slices.Contains(groups, d.Group) })
				next.Spec = &spec
			})
			e.waitFor("deployment settled", 30*time.Minute, func() bool {
				r := e.get(d.Ref)
				return r.Status.Phase == resource.PhaseReady && r.Status.ObservedGeneration == r.Generation
			})
		}
		resize(3, "fw", "lb")
		if diff := cmp.Diff([]string{"dep:fw:0", "dep:fw:1", "dep:fw:2", "dep:fw:group", "dep:lb:0"}, memberIDs(e.members("dep"))); diff != "" {
			t.Errorf("scaled out (-want +got):\n%s", diff)
		}
		resize(1, "fw", "lb")
		e.waitFor("surplus VMs gone", 30*time.Minute, func() bool { return len(e.members("dep")) == 3 })
		if diff := cmp.Diff([]string{"dep:fw:0", "dep:fw:group", "dep:lb:0"}, memberIDs(e.members("dep"))); diff != "" {
			t.Errorf("scaled in (-want +got):\n%s", diff)
		}
		resize(1, "lb")
		e.waitFor("fw gone", 30*time.Minute, func() bool { return len(e.members("dep")) == 1 })
		if n := len(e.vimObjects("loc-1", resource.KindServerGroup)); n != 0 {
			t.Errorf("%d server groups left in the VIM", n)
		}
	})
}

// TestDeploymentDeletion: deleting a deployment removes its VMs, then its
// server groups, then itself; the image it used may then go.
func TestDeploymentDeletion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		d := e.apply(e.deploymentStack("dep"))
		e.waitPhase(d.Ref, resource.PhaseReady)
		if err := e.o.Delete(context.Background(), ref(resource.KindImage, "img"), 0); resource.CodeOf(err) != resource.Conflict {
			t.Errorf("deleting the image in use: %v, want Conflict", err)
		}
		if err := e.o.Delete(context.Background(), d.Ref, 0); err != nil {
			t.Fatal(err)
		}
		e.waitGone(d.Ref)
		if m := e.members("dep"); len(m) != 0 {
			t.Errorf("members left: %v", memberIDs(m))
		}
		if n := len(e.vimObjects("loc-1", resource.KindServer)); n != 0 {
			t.Errorf("%d servers left in the VIM", n)
		}
	})
}

// TestDeploymentRefusesBadSpecs: what cannot be deployed is refused whole,
// naming the field, and nothing is stored.
func TestDeploymentRefusesBadSpecs(t *testing.T) {
	{
		e := newEnv(t, envOptions{locations: 1, noRun: true})
		good := e.deploymentStack("dep")
		tests := map[string]struct {
			edit  func(*resource.Deployment)
			field string
		}{
			"no groups":          {func(d *resource.Deployment) { d.Groups = nil }, "vm_groups"},
			"same group twice":   {func(d *resource.Deployment) { d.Groups[1].Name = "fw" }, "vm_groups[1].name"},
			"count over max":     {func(d *resource.Deployment) { d.Groups[0].Count = 4 }, "vm_groups[0].count"},
			"too few addresses":  {func(d *resource.Deployment) { d.Groups[0].NICs[0].IPs = []string{"10.9.0.16"} }, "vm_groups[0].nics[0].ips"},
			"address twice":      {func(d *resource.Deployment) { d.Groups[0].NICs[0].IPs = []string{"10.9.0.16", "10.9.0.16"} }, "vm_groups[0].nics[0].ips"},
			"not an address":     {func(d *resource.Deployment) { d.Groups[0].NICs[0].IPs = []string{"10.9.0.16", "ten"} }, "vm_groups[0].nics[0].ips"},
			"unknown policy":     {func(d *resource.Deployment) { d.Groups[0].Policy = "together" }, "vm_groups[0].policy"},
			"no NIC":             {func(d *resource.Deployment) { d.Groups[1].NICs = nil }, "vm_groups[1].nics"},
			"day-0 of no group":  {func(d *resource.Deployment) { d.Day0[0].Group = "web" }, "day0[0].group"},
			"relative file path": {func(d *resource.Deployment) { d.Day0[0].Files = []resource.ConfigFile{{Path: "day0", Contents: "x"}} }, "day0[0].files"},
			"recoveries bound":   {func(d *resource.Deployment) { d.Groups[0].RecoveryMax = resource.MaxRecoveries + 1 }, "vm_groups[0].recovery_max"},
		}
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				r := *good
				spec := *good.Spec.(*resource.Deployment)
				spec.Groups = slices.Clone(spec.Groups)
				for i := range spec.Groups {
					spec.Groups[i].NICs = slices.Clone(spec.Groups[i].NICs)
				}
				spec.Day0 = slices.Clone(spec.Day0)
				tc.edit(&spec)
				r.Spec = &spec
				_, err := e.o.Apply(context.Background(), &r)
				var re *resource.Error
				if resource.CodeOf(err) != resource.Invalid || !errors.As(err, &re) || !strings.HasPrefix(re.Field, tc.field) {
					t.Errorf("Apply: %v, want Invalid on %s", err, tc.field)
				}
				if _, err := e.s.Get(context.Background(), r.Ref); resource.CodeOf(err) != resource.NotFound {
					t.Errorf("stored anyway: %v", err)
				}
			})
		}
	}
}

// crash kills the VM of a deployment's server at loc-1, as a dying
// hypervisor would.
func (e *env) crash(server string) {
	e.t.Helper()
	c := e.locals(ref(resource.KindServer, server))["loc-1"]
	if c == nil {
		e.t.Fatalf("%s has no copy at loc-1", server)
	}
	if err := e.f.VIM("loc-1").Crash(c.ID, "hypervisor lost"); err != nil {
		e.t.Fatal(err)
	}
}

// TestDeploymentRecovery: a failed VM of a monitored group is redeployed,
// at most RecoveryMax times; after that the deployment is Failed and says
// which VM. VMs of unmonitored groups are not recovered.
func TestDeploymentRecovery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		d := e.deploymentStack("dep")
		spec := d.Spec.(*resource.Deployment)
		spec.Groups[0].Monitored, spec.Groups[0].RecoveryMax, spec.Groups[0].RecoveryWaitSeconds = true, 2, 5
		d = e.apply(d)
		e.waitPhase(d.Ref, resource.PhaseReady)

		recoveries := func() int64 {
			rec, _ := e.get(d.Ref).Status.Output[orca.DeploymentRecoveriesKey].(map[string]any)
			n, _ := rec["dep:fw:0"].(float64)
			if i, ok := rec["dep:fw:0"].(int64); ok {
				n = float64(i)
			}
			return int64(n)
		}
		for want := int64(1); want <= 2; want++ {
			before := e.locals(ref(resource.KindServer, "dep:fw:0"))["loc-1"].Status.ExternalID
			e.crash("dep:fw:0")
			e.waitFor("recovered", 30*time.Minute, func() bool {
				c := e.locals(ref(resource.KindServer, "dep:fw:0"))["loc-1"]
				return recoveries() == want && c.Status.Phase == resource.PhaseReady && c.Status.ExternalID != before
			})
			e.waitPhase(d.Ref, resource.PhaseReady)
		}
		e.crash("dep:fw:0")
		got := e.waitPhase(d.Ref, resource.PhaseFailed)
		if !strings.Contains(got.Status.Message, "dep:fw:0") || recoveries() != 2 {
			t.Errorf("after the last recovery: %q, %d recoveries; want Failed naming dep:fw:0 after 2", got.Status.Message, recoveries())
		}
		settle(time.Minute)
		if recoveries() != 2 {
			t.Errorf("recovered past the bound: %d", recoveries())
		}
		// Unmonitored: lb's VM is not watched for, and once seen down
		// (a resync would see it), it stays down.
		e.crash("dep:lb:0")
		lb := e.locals(ref(resource.KindServer, "dep:lb:0"))["loc-1"]
		if _, err := e.o.Reconcile(context.Background(), lb.Ref); err != nil {
			t.Fatal(err)
		}
		settle(time.Minute)
		if c := e.locals(ref(resource.KindServer, "dep:lb:0"))["loc-1"]; c.Status.Phase != resource.PhaseFailed {
			t.Errorf("unmonitored VM: %s, want it left Failed", c.Status.Phase)
		}
	})
}

// TestDeploymentPlacementGroups: the VM groups of a placement group share
// one server group of its policy; the deployment refuses a group placed
// twice or one that has its own policy.
func TestDeploymentPlacementGroups(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		d := e.deploymentStack("dep")
		spec := d.Spec.(*resource.Deployment)
		spec.Groups[0].Policy = ""
		spec.PlacementGroups = []resource.PlacementGroup{{Name: "apart", Policy: "anti-affinity", Groups: []string{"fw", "lb"}}}
		d = e.apply(d)
		e.waitPhase(d.Ref, resource.PhaseReady)
		m := e.members("dep")
		want := []string{"dep::placement:apart", "dep:fw:0", "dep:fw:1", "dep:lb:0"}
		if diff := cmp.Diff(want, memberIDs(m)); diff != "" {
			t.Fatalf("members (-want +got):\n%s", diff)
		}
		for _, id := range want[1:] {
			if sg := m[id].Spec.(*resource.Server).ServerGroupID; sg != "dep::placement:apart" {
				t.Errorf("%s in server group %q", id, sg)
			}
		}
		if n := len(e.vimObjects("loc-1", resource.KindServerGroup)); n != 1 {
			t.Errorf("%d server groups at loc-1, want 1", n)
		}

		for name, edit := range map[string]func(*resource.Deployment){
			"own policy": func(s *resource.Deployment) { s.Groups[0].Policy = "affinity" },
			"twice": func(s *resource.Deployment) {
				s.PlacementGroups = append(s.PlacementGroups, resource.PlacementGroup{Name: "b", Policy: "affinity", Groups: []string{"lb", "fw"}})
			},
			"unknown group": func(s *resource.Deployment) { s.PlacementGroups[0].Groups = []string{"fw", "db"} },
		} {
			next := e.get(d.Ref)
			s := *next.Spec.(*resource.Deployment)
			s.Groups = slices.Clone(s.Groups)
			s.PlacementGroups = []resource.PlacementGroup{{Name: "apart", Policy: "anti-affinity", Groups: []string{"fw", "lb"}}}
			edit(&s)
			next.Spec = &s
			next.Revision = 0 // the refusal under test, not a race with status writes
			if _, err := e.o.Apply(context.Background(), next); resource.CodeOf(err) != resource.Invalid {
				t.Errorf("%s: %v, want Invalid", name, err)
			}
		}
	})
}

// TestDeploymentUnmonitoredVM: a VM taken out of monitoring is not
// recovered, while its siblings still are.
func TestDeploymentUnmonitoredVM(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		d := e.deploymentStack("dep")
		spec := d.Spec.(*resource.Deployment)
		spec.Groups[0].Monitored, spec.Groups[0].RecoveryMax = true, 3
		spec.Unmonitored = []string{"dep:fw:1"}
		d = e.apply(d)
		e.waitPhase(d.Ref, resource.PhaseReady)
		e.crash("dep:fw:1")
		e.crash("dep:fw:0")
		e.waitFor("fw:0 recovered", 30*time.Minute, func() bool {
			c := e.locals(ref(resource.KindServer, "dep:fw:0"))["loc-1"]
			return c.Status.Phase == resource.PhaseReady && c.Status.ExternalID != ""
		})
		// Not watched for; once seen (a resync would see it), left down.
		if _, err := e.o.Reconcile(context.Background(), e.locals(ref(resource.KindServer, "dep:fw:1"))["loc-1"].Ref); err != nil {
			t.Fatal(err)
		}
		settle(time.Minute)
		if c := e.locals(ref(resource.KindServer, "dep:fw:1"))["loc-1"]; c.Status.Phase != resource.PhaseFailed {
			t.Errorf("unmonitored VM: %s, want it left Failed", c.Status.Phase)
		}
		if _, err := e.s.Get(context.Background(), ref(resource.KindAction, "dep:fw:1:recover:1")); resource.CodeOf(err) != resource.NotFound {
			t.Errorf("a recovery of the unmonitored VM: %v", err)
		}
	})
}

// TestDeploymentElastic: an elastic group grows by one VM at a time while
// its scale-out rule holds, up to its maximum, and shrinks back while its
// scale-in rule holds, down to its minimum; each step is in the status.
func TestDeploymentElastic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		d := e.deploymentStack("dep")
		spec := d.Spec.(*resource.Deployment)
		spec.Groups[0].Count, spec.Groups[0].MinCount, spec.Groups[0].MaxCount = 1, 1, 3
		spec.Groups[0].Elastic = true
		spec.Groups[0].ScaleRules = []resource.ScaleRule{
			{Metric: "cpu", Cond: "GT", Threshold: 80, Action: resource.ScaleOut},
			{Metric: "cpu", Cond: "LT", Threshold: 10, Action: resource.ScaleIn},
		}
		d = e.apply(d)
		e.waitPhase(d.Ref, resource.PhaseReady)
		fwCount := func() int64 { return e.get(d.Ref).Spec.(*resource.Deployment).Groups[0].Count }
		settle(time.Minute)
		if n := fwCount(); n != 1 {
			t.Fatalf("no metric, yet %d VMs", n)
		}

		vimOf := e.f.VIM("loc-1")
		vimOf.SetMetric("", "cpu", 95)
		e.waitFor("scaled out to the maximum", 30*time.Minute, func() bool {
			r := e.get(d.Ref)
			return fwCount() == 3 && r.Status.Phase == resource.PhaseReady && r.Status.ObservedGeneration == r.Generation
		})
		settle(time.Minute)
		if n := fwCount(); n != 3 {
			t.Errorf("past the maximum: %d", n)
		}
		sc, _ := e.get(d.Ref).Status.Output[orca.DeploymentScalingKey].(map[string]any)
		if sc["action"] != resource.ScaleOut || fmt.Sprint(sc["seq"]) != "2" {
			t.Errorf("scaling record %v, want the 2nd step, a scale-out", sc)
		}

		vimOf.SetMetric("", "cpu", 50) // neither rule holds
		settle(time.Minute)
		if n := fwCount(); n != 3 {
			t.Errorf("with no rule holding: %d VMs", n)
		}
		vimOf.SetMetric("", "cpu", 2)
		e.waitFor("scaled in to the minimum", 30*time.Minute, func() bool {
			return fwCount() == 1 && len(e.vimObjects("loc-1", resource.KindServer)) == 2 // fw:0 and lb:0
		})
		settle(time.Minute)
		if n := fwCount(); n != 1 {
			t.Errorf("past the minimum: %d", n)
		}
	})
}

// TestDeploymentNetworks: a deployment's own network and subnet are made
// before its VMs, which use them, and go after its VMs when it goes.
func TestDeploymentNetworks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		d := e.deploymentStack("dep")
		spec := d.Spec.(*resource.Deployment)
		spec.Networks = []resource.DeploymentNetwork{{Name: "inside", Subnets: []resource.DeploymentSubnet{{Name: "v4", CIDR: "172.16.0.0/24", GatewayIP: "172.16.0.254"}}}}
		spec.Groups[1].NICs = append(spec.Groups[1].NICs, resource.GroupNIC{Network: "inside"})
		d = e.apply(d)
		e.waitPhase(d.Ref, resource.PhaseReady)
		lb := e.get(ref(resource.KindServer, "dep:lb:0")).Spec.(*resource.Server)
		if got := lb.NICs[len(lb.NICs)-1].NetworkID; got != "dep::net:inside" {
			t.Errorf("lb's last NIC on %q", got)
		}
		ifaces := fmt.Sprint(e.locals(ref(resource.KindServer, "dep:lb:0"))["loc-1"].Status.Output["interfaces"])
		if !strings.Contains(ifaces, "172.16.0.") {
			t.Errorf("lb has no address on the deployment's subnet: %s", ifaces)
		}
		if sub := e.get(ref(resource.KindSubnet, "dep::net:inside::subnet:v4")); sub.Status.Phase != resource.PhaseReady {
			t.Errorf("subnet %s", sub.Status.Phase)
		}
		if err := e.o.Delete(context.Background(), d.Ref, 0); err != nil {
			t.Fatal(err)
		}
		e.waitGone(d.Ref)
		if n := len(e.vimObjects("loc-1", resource.KindNetwork)); n != 2 {
			t.Errorf("%d networks left at loc-1, want the two the deployment did not make", n)
		}
	})
}

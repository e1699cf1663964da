package orca_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// TestNetworkReaddress: a network's new cidr or local_prefix_len converges
// at every location: each copy's prefix is re-allocated from the new range
// (or follows the shared CIDR), and each VIM's network, the same object as
// before, holds the new prefix and no other.
func TestNetworkReaddress(t *testing.T) {
	tests := map[string]struct {
		cidr       string
		prefixLen  int64
		newCIDR    string
		newLen     int64
		want       []string // the VIMs' CIDRs after the change, sorted
		wantBefore []string
	}{
		"shared cidr": {
			cidr: "10.1.0.0/24", newCIDR: "10.2.0.0/24",
			wantBefore: []string{"10.1.0.0/24", "10.1.0.0/24"},
			want:       []string{"10.2.0.0/24", "10.2.0.0/24"},
		},
		"shared cidr overlapping the old one": {
			cidr: "10.1.0.0/24", newCIDR: "10.1.0.0/23",
			wantBefore: []string{"10.1.0.0/24", "10.1.0.0/24"},
			want:       []string{"10.1.0.0/23", "10.1.0.0/23"},
		},
		"local prefixes from a new range": {
			cidr: "10.1.0.0/16", prefixLen: 24, newCIDR: "10.9.0.0/16", newLen: 24,
			wantBefore: []string{"10.1.0.0/24", "10.1.1.0/24"},
			want:       []string{"10.9.0.0/24", "10.9.1.0/24"},
		},
		"local prefixes of a new length": {
			cidr: "10.1.0.0/16", prefixLen: 24, newCIDR: "10.1.0.0/16", newLen: 25,
			wantBefore: []string{"10.1.0.0/24", "10.1.1.0/24"},
			want:       []string{"10.1.0.0/25", "10.1.0.128/25"},
		},
		"a wider range keeps the prefixes": {
			cidr: "10.1.0.0/16", prefixLen: 24, newCIDR: "10.0.0.0/15", newLen: 24,
			wantBefore: []string{"10.1.0.0/24", "10.1.1.0/24"},
			want:       []string{"10.1.0.0/24", "10.1.1.0/24"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, envOptions{locations: 2, fake: fake.Options{BuildTime: pollInterval}})
				n := e.apply(network("n", tc.cidr, tc.prefixLen))
				e.waitPhase(n.Ref, resource.PhaseReady)
				before := map[string]string{}
				for _, loc := range []string{"loc-1", "loc-2"} {
					before[loc] = e.vimObjects(loc, resource.KindNetwork)[0].ExternalID
				}
				if diff := cmp.Diff(tc.wantBefore, vimCIDRs(e)); diff != "" {
					t.Fatalf("CIDRs before (-want +got):\n%s", diff)
				}

				next := network("n", tc.newCIDR, tc.newLen)
				e.apply(next)
				e.waitFor("readdressed", 30*pollInterval, func() bool {
					r := e.get(n.Ref)
					return r.Status.Phase == resource.PhaseReady && r.Status.ObservedGeneration == r.Generation
				})
				if diff := cmp.Diff(tc.want, vimCIDRs(e)); diff != "" {
					t.Errorf("CIDRs after (-want +got):\n%s", diff)
				}
				for loc, l := range e.locals(n.Ref) {
					objs := e.vimObjects(loc, resource.KindNetwork)
					if len(objs) != 1 {
						t.Fatalf("%s: %d networks in the VIM, want 1", loc, len(objs))
					}
					if objs[0].ExternalID != before[loc] {
						t.Errorf("%s: network replaced (%s, was %s); only its subnet should be", loc, objs[0].ExternalID, before[loc])
					}
					if got := l.Spec.(*resource.LocalNetwork).CIDR; got != objs[0].Spec["cidr"] {
						t.Errorf("%s: the copy says %s, the VIM holds %v", loc, got, objs[0].Spec["cidr"])
					}
					if l.Status.TaskStatus == orca.TaskReplacingSubnet {
						t.Errorf("%s: task_status still %s once done", loc, l.Status.TaskStatus)
					}
				}
			})
		})
	}
}

// vimCIDRs lists the CIDRs of the networks in every location's VIM, sorted.
func vimCIDRs(e *env) []string {
	var out []string
	for _, loc := range []string{"loc-1", "loc-2"} {
		for _, o := range e.vimObjects(loc, resource.KindNetwork) {
			cidr, _ := o.Spec["cidr"].(string)
			out = append(out, cidr)
		}
	}
	slices.Sort(out)
	return out
}

// TestNetworkReaddressShowsTask: while a location's VIM does not manage the
// replacement (it fails, as after a crash or a timeout), the copy says what
// is under way in task_status and its message, and the replacement
// resumes by itself.
func TestNetworkReaddressShowsTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2, fake: fake.Options{BuildTime: pollInterval}})
		n := e.apply(network("n", "10.1.0.0/24", 0))
		e.waitPhase(n.Ref, resource.PhaseReady)
		e.f.VIM("loc-1").FailNext(fake.OpUpdate, 3, resource.Unavailable)
		e.apply(network("n", "10.2.0.0/24", 0))
		var seen *resource.Resource
		e.waitFor("the replacement shown", 30*pollInterval, func() bool {
			l := e.locals(n.Ref)["loc-1"]
			if l.Status.TaskStatus == orca.TaskReplacingSubnet {
				seen = l
			}
			return seen != nil
		})
		if !strings.Contains(seen.Status.Message, "replacing the subnet 10.1.0.0/24 with 10.2.0.0/24") {
			t.Errorf("message %q, want it to name the old and the new subnet", seen.Status.Message)
		}
		if seen.Status.Phase != resource.PhaseUpdating {
			t.Errorf("phase %s, want %s", seen.Status.Phase, resource.PhaseUpdating)
		}
		e.waitFor("converged", 60*pollInterval, func() bool {
			r := e.get(n.Ref)
			return r.Status.Phase == resource.PhaseReady && r.Status.ObservedGeneration == r.Generation
		})
		if diff := cmp.Diff([]string{"10.2.0.0/24", "10.2.0.0/24"}, vimCIDRs(e)); diff != "" {
			t.Errorf("CIDRs (-want +got):\n%s", diff)
		}
		if got := e.locals(n.Ref)["loc-1"].Status.TaskStatus; got == orca.TaskReplacingSubnet {
			t.Errorf("task_status %q once done", got)
		}
	})
}

// TestNetworkReaddressRefused: a new addressing is refused with Conflict,
// naming why, while a server sits on the network or when the new range
// overlaps one of the network's subnets; nothing changes. Once the server
// is gone the same change goes through.
func TestNetworkReaddressRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1, fake: fake.Options{BuildTime: pollInterval}})
		srv := e.serverStack("s")
		e.waitPhase(srv, resource.PhaseReady)
		netRef := ref(resource.KindNetwork, "s-net")
		before := e.get(netRef)

		tests := map[string]struct {
			cidr      string
			prefixLen int64
			want      string
		}{
			"new cidr":         {cidr: "10.8.0.0/24", want: `server "s"`},
			"local prefix len": {cidr: "10.9.0.0/24", prefixLen: 25, want: `server "s"`},
		}
		for name, tc := range tests { // no t.Run inside a bubble
			_, err := e.o.Apply(context.Background(), network("s-net", tc.cidr, tc.prefixLen))
			if resource.CodeOf(err) != resource.Conflict || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%s: Apply = %v, want Conflict naming %s", name, err, tc.want)
			}
			if after := e.get(netRef); after.Revision != before.Revision {
				t.Errorf("%s: the refused change was stored: revision %d, was %d", name, after.Revision, before.Revision)
			}
		}
		if got := vimCIDRsAt(e, "loc-1"); !slices.Equal(got, []string{"10.9.0.0/24"}) {
			t.Errorf("VIM CIDRs %v, want the old one", got)
		}

		// A subnet of the network blocks a range that overlaps it.
		e.apply(network("bare", "10.20.0.0/24", 0))
		e.apply(&resource.Resource{Ref: ref(resource.KindSubnet, "sub"), Tenant: tenant,
			Spec: &resource.Subnet{NetworkID: "bare", CIDR: "10.21.0.0/24"}})
		_, err := e.o.Apply(context.Background(), network("bare", "10.20.0.0/15", 0))
		if resource.CodeOf(err) != resource.Conflict || !strings.Contains(err.Error(), `subnet "sub"`) {
			t.Errorf("Apply overlapping a subnet = %v, want Conflict naming subnet sub", err)
		}

		if err := e.o.Delete(context.Background(), srv, 0); err != nil {
			t.Fatal(err)
		}
		e.waitGone(srv)
		e.apply(network("s-net", "10.8.0.0/24", 0))
		e.waitFor("readdressed once free", 30*pollInterval, func() bool {
			return slices.Equal(vimCIDRsAt(e, "loc-1"), []string{"10.8.0.0/24"})
		})
	})
}

// vimCIDRsAt lists the CIDRs of the networks named s-net at one location.
func vimCIDRsAt(e *env, loc string) []string {
	var out []string
	for _, o := range e.vimObjects(loc, resource.KindNetwork) {
		if o.Name == "s-net" {
			cidr, _ := o.Spec["cidr"].(string)
			out = append(out, cidr)
		}
	}
	return out
}

// TestServiceTemplateReplace: a service template's new mode replaces it in
// the VIM (Contrail cannot rewrite one), which is refused with Conflict,
// naming them, while service instances use it, and changes nothing then.
func TestServiceTemplateReplace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1, fake: fake.Options{BuildTime: pollInterval}})
		e.apply(&resource.Resource{Ref: ref(resource.KindImage, "vsrx"), Tenant: tenant,
			Spec: &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare"}})
		e.apply(&resource.Resource{Ref: ref(resource.KindFlavor, "medium"), Tenant: tenant, Spec: &resource.Flavor{RAM: 4096, VCPUs: 2}})
		template := func(mode string) *resource.Resource {
			return &resource.Resource{Ref: ref(resource.KindServiceTemplate, "fw"), Tenant: tenant,
				Spec: &resource.ServiceTemplate{ImageID: "vsrx", FlavorID: "medium", ServiceMode: mode}}
		}
		st := e.apply(template("in-network"))
		si := e.apply(&resource.Resource{Ref: ref(resource.KindServiceInstance, "si"), Tenant: tenant,
			Spec: &resource.ServiceInstance{ServiceTemplateID: "fw"}})
		e.waitPhase(si.Ref, resource.PhaseReady)
		before := e.vimObjects("loc-1", resource.KindServiceTemplate)[0]
		stored := e.get(st.Ref)

		_, err := e.o.Apply(context.Background(), template("transparent"))
		if resource.CodeOf(err) != resource.Conflict || !strings.Contains(err.Error(), `service_instance "si"`) {
			t.Fatalf("Apply under an instance = %v, want Conflict naming it", err)
		}
		if got := e.get(st.Ref); got.Generation != stored.Generation || got.Spec.(*resource.ServiceTemplate).ServiceMode != "in-network" {
			t.Errorf("the refused change was stored: generation %d (was %d), %+v", got.Generation, stored.Generation, got.Spec)
		}

		if err := e.o.Delete(context.Background(), si.Ref, 0); err != nil {
			t.Fatal(err)
		}
		e.waitGone(si.Ref)
		e.apply(template("transparent"))
		e.waitFor("replaced", 30*pollInterval, func() bool {
			objs := e.vimObjects("loc-1", resource.KindServiceTemplate)
			return len(objs) == 1 && objs[0].Spec["service_mode"] == "transparent" && objs[0].State == vim.StateReady
		})
		if after := e.vimObjects("loc-1", resource.KindServiceTemplate)[0]; after.ExternalID == before.ExternalID {
			t.Errorf("the template was changed in place (%s), want a replacement", after.ExternalID)
		}
	})
}

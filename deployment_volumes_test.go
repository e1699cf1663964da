package orca_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/vim"
)

// volumeMembers lists a deployment's volumes by ID.
func (e *env) volumeMembers(dep string) map[string]*resource.Resource {
	e.t.Helper()
	page, err := e.s.List(context.Background(), store.Filter{Kind: resource.KindVolume, Labels: map[string]string{orca.LabelDeployment: dep}})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*resource.Resource{}
	for _, r := range page.Items {
		out[r.ID] = r
	}
	return out
}

// vimObject returns the object of kind named name at loc-1's VIM (VIM
// objects carry their resource's name), or nil.
func (e *env) vimObject(k resource.Kind, name string) *fake.ObjectInfo {
	for _, o := range e.vimObjects("loc-1", k) {
		if o.Name == name {
			return &o
		}
	}
	return nil
}

// attachments renders a VIM machine's volumes as "volume device".
func attachments(o *fake.ObjectInfo) []string {
	if o == nil {
		return nil
	}
	var out []string
	for _, a := range o.Attachments {
		out = append(out, a.VolumeID+" "+a.Device)
	}
	return out
}

// TestDeploymentVolumes: each VM of a group with volumes gets volumes of
// its own, attached at boot in the group's order; a recovered VM boots
// again with them; scaling in removes the VM first, then its volumes; and
// the deployment's deletion removes them all.
func TestDeploymentVolumes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// VIM deletions take time, so that a volume deleted with its
		// server still attached would show.
		e := newEnv(t, envOptions{locations: 1, fake: fake.Options{DeleteTime: 10 * time.Second}})
		d := e.deploymentStack("dep")
		spec := d.Spec.(*resource.Deployment)
		spec.Groups[0].Volumes = []resource.GroupVolume{{Name: "data", SizeGB: 10}, {Name: "logs", SizeGB: 1, VolumeType: "ssd", Bus: "scsi"}}
		spec.Groups[0].Monitored, spec.Groups[0].RecoveryMax = true, 1
		d = e.apply(d)
		e.waitPhase(d.Ref, resource.PhaseReady)

		vols := e.volumeMembers("dep")
		wantIDs := []string{"dep:fw:0:vol:0", "dep:fw:0:vol:1", "dep:fw:1:vol:0", "dep:fw:1:vol:1"}
		if diff := cmp.Diff(wantIDs, memberIDs(vols)); diff != "" {
			t.Fatalf("volumes (-want +got):\n%s", diff)
		}
		v := vols["dep:fw:1:vol:1"]
		wantSpec := &resource.Volume{Description: "volume logs of VM 1 of group fw", SizeGB: 1, VolumeType: "ssd", Bus: "scsi"}
		if diff := cmp.Diff(wantSpec, v.Spec); diff != "" {
			t.Errorf("a volume's spec (-want +got):\n%s", diff)
		}
		if got := vols["dep:fw:0:vol:0"].Spec.(*resource.Volume).Bus; got != "virtio" {
			t.Errorf("a volume without a bus has %q, want virtio", got)
		}
		if v.Labels[orca.LabelDeployment] != "dep" || v.Labels[orca.LabelVMGroup] != "fw" || v.Labels[orca.LabelVMIndex] != "1" {
			t.Errorf("a volume's labels %v", v.Labels)
		}
		m := e.members("dep")
		if got := m["dep:fw:1"].Spec.(*resource.Server).VolumeIDs; !cmp.Equal(got, []string{"dep:fw:1:vol:0", "dep:fw:1:vol:1"}) {
			t.Errorf("VM fw 1 boots with volumes %v", got)
		}
		if got := m["dep:lb:0"].Spec.(*resource.Server).VolumeIDs; got != nil {
			t.Errorf("VM lb 0, of a group without volumes, boots with %v", got)
		}
		wantAttached := []string{"dep:fw:1:vol:0 /dev/vdb", "dep:fw:1:vol:1 /dev/sda"}
		if diff := cmp.Diff(wantAttached, attachments(e.vimObject(resource.KindServer, "dep_fw_1"))); diff != "" {
			t.Errorf("VM fw 1's volumes in the VIM (-want +got):\n%s", diff)
		}
		if n := len(e.vimObjects("loc-1", resource.KindVolume)); n != 4 {
			t.Errorf("%d volumes in the VIM, want 4", n)
		}

		// A recovery boots a new machine with the same volumes, once the
		// failed one has let them go.
		before := e.vimObject(resource.KindServer, "dep_fw_0").ExternalID
		e.crash("dep:fw:0")
		e.waitFor("fw 0 recovered", 30*time.Minute, func() bool {
			o := e.vimObject(resource.KindServer, "dep_fw_0")
			return o != nil && o.ExternalID != before && o.State == vim.StateReady && e.get(d.Ref).Status.Phase == resource.PhaseReady
		})
		wantAttached = []string{"dep:fw:0:vol:0 /dev/vdb", "dep:fw:0:vol:1 /dev/sda"}
		if diff := cmp.Diff(wantAttached, attachments(e.vimObject(resource.KindServer, "dep_fw_0"))); diff != "" {
			t.Errorf("the recovered VM's volumes (-want +got):\n%s", diff)
		}

		// Scale in: VM 1 goes, then its volumes, which are never deleted
		// (in the store or the VIM) while it is there.
		e.update(d.Ref, func(next *resource.Resource) {
			scaled := *next.Spec.(*resource.Deployment)
			scaled.Groups = append([]resource.VMGroup(nil), scaled.Groups...)
			scaled.Groups[0].Count = 1
			next.Spec = &scaled
		})
		e.waitFor("VM fw 1 and its volumes gone", 30*time.Minute, func() bool {
			vm := e.vimObject(resource.KindServer, "dep_fw_1")
			_, vmErr := e.s.Get(context.Background(), ref(resource.KindServer, "dep:fw:1"))
			gone := 0
			for id, name := range map[string]string{"dep:fw:1:vol:0": "dep_fw_1_data", "dep:fw:1:vol:1": "dep_fw_1_logs"} {
				r, err := e.s.Get(context.Background(), ref(resource.KindVolume, id))
				inVIM := e.vimObject(resource.KindVolume, name)
				if vmErr == nil && (err != nil || r.Deleting) {
					t.Fatalf("volume %s is deleted while its VM's row is there", id)
				}
				if vm != nil && (inVIM == nil || inVIM.State == vim.StateDeleting) {
					t.Fatalf("volume %s is deleted in the VIM while its VM is there (%s)", id, vm.State)
				}
				if resource.CodeOf(err) == resource.NotFound && inVIM == nil {
					gone++
				}
			}
			return gone == 2
		})
		if diff := cmp.Diff([]string{"dep:fw:0:vol:0", "dep:fw:0:vol:1"}, memberIDs(e.volumeMembers("dep"))); diff != "" {
			t.Errorf("volumes after scaling in (-want +got):\n%s", diff)
		}
		e.waitPhase(d.Ref, resource.PhaseReady)

		if err := e.o.Delete(context.Background(), d.Ref, 0); err != nil {
			t.Fatal(err)
		}
		e.waitGone(d.Ref)
		if vols := e.volumeMembers("dep"); len(vols) != 0 {
			t.Errorf("volumes left: %v", memberIDs(vols))
		}
		if n := len(e.vimObjects("loc-1", resource.KindVolume)); n != 0 {
			t.Errorf("%d volumes left in the VIM", n)
		}
	})
}

// TestServerVolumesOfOtherTenants: a server may name only volumes of its
// own tenant; another tenant's is refused as missing, so that its
// existence does not leak.
func TestServerVolumesOfOtherTenants(t *testing.T) {
	e := newEnv(t, envOptions{locations: 1, noRun: true})
	e.serverStack("s")
	for _, tn := range []string{tenant, "tenant-b"} {
		e.apply(&resource.Resource{Ref: ref(resource.KindVolume, tn+"-vol"), Tenant: tn, Spec: &resource.Volume{SizeGB: 1}})
	}
	srv := e.get(ref(resource.KindServer, "s"))
	spec := *srv.Spec.(*resource.Server)
	spec.VolumeIDs = []string{"tenant-b-vol"}
	srv.Spec = &spec
	_, err := e.o.Apply(context.Background(), srv)
	if resource.CodeOf(err) != resource.Invalid || !strings.Contains(err.Error(), `volume "tenant-b-vol" does not exist`) {
		t.Errorf("naming another tenant's volume: %v, want Invalid, as missing", err)
	}
	spec.VolumeIDs = []string{tenant + "-vol"}
	if _, err := e.o.Apply(context.Background(), srv); err != nil {
		t.Errorf("naming its own tenant's volume: %v", err)
	}
}

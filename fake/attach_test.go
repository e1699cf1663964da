package fake_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// withVolumes returns a copy of server object o naming the volume objects,
// in order, resolved in its Deps.
func withVolumes(o *vim.Object, vols ...*vim.Object) *vim.Object {
	next := *o
	spec := *o.Spec.(*resource.Server)
	spec.VolumeIDs = nil
	next.Deps = map[resource.Ref]vim.Dep{}
	for r, d := range o.Deps {
		next.Deps[r] = d
	}
	for _, v := range vols {
		spec.VolumeIDs = append(spec.VolumeIDs, v.Ref.ID)
		next.Deps[resource.Ref{Kind: resource.KindVolume, ID: v.Ref.ID}] = vim.Dep{ExternalID: v.ExternalID, Spec: v.Spec}
	}
	next.Spec = &spec
	return &next
}

// attachedTo reads a volume's observation: its status and the external
// IDs and devices of its attachments.
func attachedTo(t *testing.T, v *fake.VIM, vol *vim.Object) (string, []string) {
	t.Helper()
	obs := observe(t, v, vol)
	list, ok := obs.Output["attachments"].([]any)
	if !ok {
		t.Fatalf("volume output attachments = %#v, want a list", obs.Output["attachments"])
	}
	var out []string
	for _, x := range list {
		a := x.(map[string]any)
		out = append(out, a["server_id"].(string)+" "+a["device"].(string))
	}
	return obs.TaskStatus, out
}

// TestVolumeAttachment: a server attaches its volumes at boot, in order,
// with device names per bus; an attached volume is in-use, refuses a second
// machine and deletion, and is available again once the machine is gone.
func TestVolumeAttachment(t *testing.T) {
	v := fake.New(&fake.Options{Manual: true})
	data, logs, more := volume(t, v, "data"), volume(t, v, "logs"), volume(t, v, "more")
	logs.Spec.(*resource.Volume).Bus = "scsi"
	for _, o := range []*vim.Object{data, logs, more} {
		mustCreate(t, v, o)
	}
	s1 := withVolumes(server(t, v, "s1"), data, logs, more)

	_, err := v.Create(t.Context(), s1)
	wantErr(t, "booting with a volume being created", err, resource.Unavailable, "creating")
	if n := len(v.Objects(resource.KindServer)); n != 0 {
		t.Fatalf("a refused boot left %d servers", n)
	}

	v.Step()
	ext := mustCreate(t, v, s1)
	v.Step()
	obs := observe(t, v, s1)
	want := []any{
		map[string]any{"volume_id": "data", "device": "/dev/vdb"},
		map[string]any{"volume_id": "logs", "device": "/dev/sda"},
		map[string]any{"volume_id": "more", "device": "/dev/vdc"},
	}
	if diff := cmp.Diff(want, obs.Output["volumes"]); diff != "" || len(obs.Drift) > 0 {
		t.Errorf("server volumes (-want +got):\n%s\ndrift %v", diff, obs.Drift)
	}
	status, got := attachedTo(t, v, data)
	if diff := cmp.Diff([]string{ext + " /dev/vdb"}, got); diff != "" || status != "in-use" {
		t.Errorf("attached volume: status %q, attachments (-want +got):\n%s", status, diff)
	}
	wantInfo := []fake.AttachmentInfo{{ServerID: "s1", Server: ext, VolumeID: "data", Volume: data.ExternalID, Device: "/dev/vdb"}}
	if diff := cmp.Diff(wantInfo, v.Objects(resource.KindVolume)[0].Attachments); diff != "" {
		t.Errorf("Objects: the volume's attachments (-want +got):\n%s", diff)
	}
	if n := len(v.Objects(resource.KindServer)[0].Attachments); n != 3 {
		t.Errorf("Objects: the server has %d attachments, want 3", n)
	}

	s2 := withVolumes(server(t, v, "s2"), data)
	_, err = v.Create(t.Context(), s2)
	wantErr(t, "a second machine for an attached volume", err, resource.Unavailable, "in-use: attached to server s1")
	wantErr(t, "deleting an attached volume", v.Delete(t.Context(), data), resource.Conflict, "in-use")

	reordered := withVolumes(s1, more, data, logs)
	if obs := observe(t, v, reordered); !cmp.Equal(obs.Drift, []string{"volume_ids"}) {
		t.Errorf("volumes reordered: drift %v, want [volume_ids]", obs.Drift)
	}
	wantErr(t, "changing the volumes in place", v.Update(t.Context(), reordered), resource.Invalid, "volume_ids")

	if err := v.Delete(t.Context(), s1); err != nil {
		t.Fatal(err)
	}
	// Nova detaches while it tears the server down: until it is gone.
	if status, _ := attachedTo(t, v, data); status != "in-use" {
		t.Errorf("volume of a server being deleted: %q, want in-use", status)
	}
	v.Step()
	if status, got := attachedTo(t, v, data); status != "available" || len(got) != 0 {
		t.Errorf("volume of a deleted server: %q, attachments %v; want available, none", status, got)
	}
	mustCreate(t, v, s2)
	if _, got := attachedTo(t, v, data); len(got) != 1 || !strings.HasPrefix(got[0], s2.ExternalID+" ") {
		t.Errorf("the freed volume's attachments %v, want the second server's", got)
	}
}

func TestVolumeInErrorIsNotAttached(t *testing.T) {
	v := fake.New(nil)
	vol := volume(t, v, "data")
	mustCreate(t, v, vol)
	if err := v.Break("data", "the back end failed"); err != nil {
		t.Fatal(err)
	}
	_, err := v.Create(t.Context(), withVolumes(server(t, v, "s"), vol))
	wantErr(t, "booting with a volume in error", err, resource.Invalid, "in error")
	if resource.FieldOf(err) != "volume_ids[0]" {
		t.Errorf("FieldOf(%v) = %q, want volume_ids[0]", err, resource.FieldOf(err))
	}
}

func wantErr(t *testing.T, what string, err error, code resource.ErrorCode, msg string) {
	t.Helper()
	if err == nil || resource.CodeOf(err) != code || !strings.Contains(err.Error(), msg) {
		t.Errorf("%s: %v (%v), want %v containing %q", what, err, resource.CodeOf(err), code, msg)
	}
}

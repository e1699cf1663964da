package openstack

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/osfake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// readyVolume makes a ready 1 GiB volume on bus and returns it.
func (f *fixture) readyVolume(bus string) *vim.Object {
	f.t.Helper()
	v := f.volume(1)
	v.Spec.(*resource.Volume).Bus = bus
	ext, err := f.d.Create(f.t.Context(), v)
	if err != nil {
		f.t.Fatalf("creating a volume: %v", err)
	}
	v.ExternalID = ext
	f.ready(v)
	return v
}

// withVolumes returns a copy of server o naming vols, in order.
func withVolumes(o *vim.Object, vols ...*vim.Object) *vim.Object {
	next := *o
	spec := *o.Spec.(*resource.Server)
	spec.VolumeIDs = nil
	next.Deps = map[resource.Ref]vim.Dep{}
	for r, d := range o.Deps {
		next.Deps[r] = d
	}
	for _, v := range vols {
		spec.VolumeIDs = append(spec.VolumeIDs, v.Global.ID)
		next.Deps[v.Global] = vim.Dep{ExternalID: v.ExternalID, Spec: v.Spec}
	}
	next.Spec = &spec
	return &next
}

// fakeAttachments reads the fake Cinder's view of a volume: its status
// and attachments as "server device".
func fakeAttachments(t *testing.T, srv *osfake.Server, id string) (string, []string) {
	t.Helper()
	v := fakeVolume(t, srv, id)
	var out []string
	for _, x := range v["attachments"].([]any) {
		a := x.(map[string]any)
		out = append(out, a["server_id"].(string)+" "+a["device"].(string))
	}
	return v["status"].(string), out
}

// TestServerVolumesOnNova: a server's volumes are mapped in its create
// (no attachment calls), on their buses, in order; Nova's report of them
// comes back as Output["volumes"], Cinder's as the volumes' attachments;
// a changed set or order drifts and cannot change in place; an attached
// volume is not deleted and refuses a second server (retryably); once the
// server is gone the volumes are available again.
func TestServerVolumesOnNova(t *testing.T) {
	f := newFixture(t, nil)
	data, logs := f.readyVolume("virtio"), f.readyVolume("scsi")
	o := withVolumes(f.server(), data, logs)
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.ExternalID = ext
	obs := f.ready(o)
	if len(obs.Drift) != 0 {
		t.Errorf("a fresh server with volumes drifts: %v", obs.Drift)
	}
	want := []any{
		map[string]any{"volume_id": data.Global.ID, "external_id": data.ExternalID},
		map[string]any{"volume_id": logs.Global.ID, "external_id": logs.ExternalID},
	}
	if diff := cmp.Diff(want, obs.Output["volumes"]); diff != "" {
		t.Errorf("Output[volumes] (-want +got):\n%s", diff)
	}
	for vol, dev := range map[string]string{data.ExternalID: "/dev/vdb", logs.ExternalID: "/dev/sda"} {
		if status, got := fakeAttachments(t, f.srv, vol); status != "in-use" || !cmp.Equal(got, []string{ext + " " + dev}) {
			t.Errorf("volume %s: %s %v, want in-use on %s %s", vol, status, got, ext, dev)
		}
	}
	if n := f.srv.Count(osfake.Match{Path: "/compute/v2.1/servers/" + ext + "/os-volume_attachments"}); n != 0 {
		t.Errorf("%d os-volume_attachments calls; the create maps the volumes", n)
	}
	vobs, err := f.d.Observe(t.Context(), data)
	if err != nil {
		t.Fatal(err)
	}
	wantAtt := []any{map[string]any{"server_id": ext, "device": "/dev/vdb"}}
	if diff := cmp.Diff(wantAtt, vobs.Output["attachments"]); diff != "" || vobs.TaskStatus != "in-use" || vobs.State != vim.StateReady || vobs.Busy != "" {
		t.Errorf("the attached volume: %s %s busy %q, attachments (-want +got):\n%s", vobs.State, vobs.TaskStatus, vobs.Busy, diff)
	}
	wantCode(t, "deleting an attached volume", f.d.Delete(t.Context(), data), resource.Conflict)

	for name, changed := range map[string]*vim.Object{
		"reordered": withVolumes(o, logs, data),
		"fewer":     withVolumes(o, data),
		"none":      withVolumes(o),
	} {
		changed.ExternalID = ext
		obs, err := f.d.Observe(t.Context(), changed)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(obs.Drift, "volume_ids") {
			t.Errorf("%s: drift %v, want volume_ids", name, obs.Drift)
		}
		wantCode(t, name+": Update", f.d.Update(t.Context(), changed), resource.Invalid)
	}

	second := withVolumes(f.server(), data)
	_, err = f.d.Create(t.Context(), second)
	wantCode(t, "a second server for an attached volume", err, resource.Unavailable)
	if !strings.Contains(err.Error(), "in-use (attached to server "+ext+")") {
		t.Errorf("the refusal does not name the holder: %v", err)
	}
	if n := f.srv.CountNamed(osfake.KindServer, tag(second)); n != 0 {
		t.Errorf("the refused server exists %d times", n)
	}

	if err := f.d.Delete(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	f.srv.Step()
	for _, vol := range []string{data.ExternalID, logs.ExternalID} {
		if status, got := fakeAttachments(t, f.srv, vol); status != "available" || len(got) != 0 {
			t.Errorf("volume %s of a deleted server: %s %v, want available", vol, status, got)
		}
	}
	if ext, err = f.d.Create(t.Context(), second); err != nil {
		t.Fatalf("the freed volume: %v", err)
	}
	second.ExternalID = ext
	f.ready(second)
}

func wantCode(t *testing.T, what string, err error, code resource.ErrorCode) {
	t.Helper()
	if resource.CodeOf(err) != code {
		t.Errorf("%s: %v (%v), want %v", what, err, resource.CodeOf(err), code)
	}
}

// TestServerVolumeRefusedForGood: Nova's refusal of a mapping whose
// volumes Cinder shows available is not retried.
func TestServerVolumeRefusedForGood(t *testing.T) {
	f := newFixture(t, nil)
	v := f.readyVolume("virtio")
	f.srv.Fail(osfake.Match{Method: "POST", Path: "/compute/v2.1/servers"}, 400, 1)
	_, err := f.d.Create(t.Context(), withVolumes(f.server(), v))
	wantCode(t, "a refused boot with an available volume", err, resource.Invalid)
}

// TestServerVolumeWithoutCinder: a server naming a volume at a location
// without Cinder is refused for good, saying why, before Nova is asked.
func TestServerVolumeWithoutCinder(t *testing.T) {
	f := newFixture(t, &osfake.Options{NoVolumeService: true})
	o := f.server()
	vol := f.object(resource.KindVolume, &resource.Volume{SizeGB: 1, Bus: "virtio"}, nil)
	o = withVolumes(o, vol)
	before := f.srv.Count(osfake.Match{Method: "POST", Path: "/compute/v2.1/servers"})
	_, err := f.d.Create(t.Context(), o)
	wantCode(t, "a server with a volume without Cinder", err, resource.Unimplemented)
	if err == nil || !strings.Contains(err.Error(), "no block-storage") {
		t.Errorf("the refusal does not say why: %v", err)
	}
	if n := f.srv.Count(osfake.Match{Method: "POST", Path: "/compute/v2.1/servers"}); n != before {
		t.Errorf("%d server creates sent, want none", n-before)
	}
}

package openstack

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/osfake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// volume describes a volume of size GiB made from the fake's image.
func (f *fixture) volume(size int64) *vim.Object {
	f.t.Helper()
	deps := map[resource.Ref]vim.Dep{{Kind: resource.KindImage, ID: "img"}: seededImage(f.t, f.srv)}
	return f.object(resource.KindVolume, &resource.Volume{Description: "disk", SizeGB: size, ImageID: "img", Bus: "scsi"}, deps)
}

// fakeVolume returns the fake's view of the volume with ID id.
func fakeVolume(t *testing.T, srv *osfake.Server, id string) map[string]any {
	t.Helper()
	for _, o := range srv.Objects(osfake.KindVolume) {
		if o.ID == id {
			return o.View
		}
	}
	t.Fatalf("the fake has no volume %s", id)
	return nil
}

// TestVolumeLifecycle: a volume from an image builds through Cinder's
// statuses, records what it was made from, grows in place (busy while it
// extends), refuses to shrink without a call to Cinder, and goes.
func TestVolumeLifecycle(t *testing.T) {
	f := newFixture(t, nil)
	o := f.volume(1)
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.ExternalID = ext
	meta := fakeVolume(t, f.srv, ext)["metadata"]
	wantMeta := map[string]string{"orca_id": o.Ref.ID, "orca_bus": "scsi", "orca_image": seededImage(t, f.srv).ExternalID}
	if diff := cmp.Diff(wantMeta, meta); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	type seen struct {
		State        vim.State
		Status, Busy string
		Drift        []string
		Size         any
	}
	look := func() seen {
		obs, err := f.d.Observe(t.Context(), o)
		if err != nil {
			t.Fatalf("Observe: %v", err)
		}
		return seen{obs.State, obs.TaskStatus, obs.Busy, obs.Drift, obs.Output["size_gb"]}
	}
	resize := func(n int64) func() error {
		return func() error {
			o.Spec.(*resource.Volume).SizeGB = n
			return f.d.Update(t.Context(), o)
		}
	}
	steps := []struct {
		name     string
		do       func() error
		wantCode resource.ErrorCode // 0: no error
		want     seen               // after the call
		step     bool               // Step the fake after looking
	}{
		{"creating", func() error { return nil }, 0, seen{vim.StateBuilding, "creating", "", nil, int64(1)}, true},
		{"downloading", func() error { return nil }, 0, seen{vim.StateBuilding, "downloading", "", nil, int64(1)}, true},
		{"available", func() error { return nil }, 0, seen{vim.StateReady, "available", "", nil, int64(1)}, false},
		{"grow", resize(3), 0, seen{vim.StateReady, "extending", "extending", nil, int64(1)}, true},
		{"grown", func() error { return nil }, 0, seen{vim.StateReady, "available", "", nil, int64(3)}, false},
		{"shrink", resize(2), resource.Invalid, seen{vim.StateReady, "available", "", []string{"size_gb"}, int64(3)}, false},
		{"description", func() error {
			o.Spec.(*resource.Volume).SizeGB, o.Spec.(*resource.Volume).Description = 3, "  boot disk "
			return f.d.Update(t.Context(), o)
		}, 0, seen{vim.StateReady, "available", "", nil, int64(3)}, false},
		{"deleting", func() error { return f.d.Delete(t.Context(), o) }, 0, seen{vim.StateDeleting, "deleting", "", nil, int64(3)}, false},
		{"deleting again", func() error { return f.d.Delete(t.Context(), o) }, 0, seen{vim.StateDeleting, "deleting", "", nil, int64(3)}, true},
	}
	for _, st := range steps {
		before := f.srv.Count(osfake.Match{Op: osfake.OpUpdate})
		err := st.do()
		if got := resource.CodeOf(err); err != nil && got != st.wantCode || err == nil && st.wantCode != 0 {
			t.Fatalf("%s: %v, want code %v", st.name, err, st.wantCode)
		}
		if st.wantCode != 0 && f.srv.Count(osfake.Match{Op: osfake.OpUpdate}) != before {
			t.Errorf("%s: refused, yet a change was sent to Cinder", st.name)
		}
		if diff := cmp.Diff(st.want, look()); diff != "" {
			t.Fatalf("%s (-want +got):\n%s", st.name, diff)
		}
		if st.step {
			f.srv.Step()
		}
	}
	if obs, err := f.d.Observe(t.Context(), o); err != nil || obs.Exists {
		t.Errorf("after the deletion: %+v, %v", obs, err)
	}
	if err := f.d.Delete(t.Context(), o); err != nil {
		t.Errorf("Delete of a gone volume: %v", err)
	}
}

// TestVolumeShrinkMessage: the refusal says what to do.
func TestVolumeShrinkMessage(t *testing.T) {
	f := newFixture(t, nil)
	o := f.volume(2)
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.ExternalID = ext
	f.ready(o)
	o.Spec.(*resource.Volume).SizeGB = 1
	err = f.d.Update(t.Context(), o)
	if resource.FieldOf(err) != "size_gb" || !strings.Contains(err.Error(), "Cinder cannot shrink it to 1 GiB: make a new volume instead") {
		t.Errorf("Update shrinking = %v", err)
	}
}

// TestVolumeBusy: while Cinder works on a volume, a change or a delete is
// a Conflict to try again, not Cinder's 400, which would read as final.
func TestVolumeBusy(t *testing.T) {
	f := newFixture(t, nil)
	o := f.volume(1)
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.ExternalID = ext
	grown := *o
	grown.Spec = &resource.Volume{Description: "disk", SizeGB: 2, ImageID: "img", Bus: "scsi"}
	calls := map[string]func() error{
		"extend while creating": func() error { return f.d.Update(t.Context(), &grown) },
		"delete while creating": func() error { return f.d.Delete(t.Context(), o) },
	}
	for name, call := range calls {
		if err := call(); resource.CodeOf(err) != resource.Conflict || !strings.Contains(err.Error(), "creating") {
			t.Errorf("%s = %v, want Conflict naming the status", name, err)
		}
	}
	// A delete that races a status change meets Cinder's 400: a Conflict.
	f.ready(o)
	f.srv.Fail(osfake.Match{Method: "DELETE", Path: "/volume/"}, 400, 1)
	if err := f.d.Delete(t.Context(), o); resource.CodeOf(err) != resource.Conflict {
		t.Errorf("Delete answered 400 = %v, want Conflict", err)
	}
}

// TestVolumeErrors: a failed create or extend is an Error with Cinder's
// status; a failed volume can still be deleted.
func TestVolumeErrors(t *testing.T) {
	for _, during := range []string{"create", "extend"} {
		t.Run(during, func(t *testing.T) {
			f := newFixture(t, nil)
			o := f.volume(1)
			ext, err := f.d.Create(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			o.ExternalID = ext
			want := "Cinder reports the volume error"
			if during == "extend" {
				f.ready(o)
				o.Spec.(*resource.Volume).SizeGB = 2
				if err := f.d.Update(t.Context(), o); err != nil {
					t.Fatal(err)
				}
				want = "Cinder reports the volume error_extending"
			}
			if err := f.srv.BreakVolume(ext); err != nil {
				t.Fatal(err)
			}
			obs, err := f.d.Observe(t.Context(), o)
			if err != nil || obs.State != vim.StateError || obs.Message != want {
				t.Fatalf("Observe = %+v, %v; want Error %q", obs, err, want)
			}
			if err := f.d.Delete(t.Context(), o); err != nil {
				t.Fatalf("Delete of a failed volume: %v", err)
			}
		})
	}
}

// TestVolumeType: a named type is Cinder's to check; the cloud's default
// type matches an empty one.
func TestVolumeType(t *testing.T) {
	f := newFixture(t, &osfake.Options{VolumeTypes: []string{"lvm", "ssd"}})
	tests := map[string]struct {
		volumeType string
		wantCode   resource.ErrorCode // of Create; 0: created
		wantType   string
	}{
		"default":      {"", 0, "lvm"},
		"named":        {"ssd", 0, "ssd"},
		"unknown type": {"gold", resource.NotFound, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := f.object(resource.KindVolume, &resource.Volume{SizeGB: 1, VolumeType: tc.volumeType, Bus: "virtio"}, nil)
			ext, err := f.d.Create(t.Context(), o)
			if tc.wantCode != 0 {
				if resource.CodeOf(err) != tc.wantCode || !strings.Contains(err.Error(), "Volume type with name gold could not be found") {
					t.Fatalf("Create = %v, want %v with Cinder's message", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o.ExternalID = ext
			obs := f.ready(o)
			if obs.Output["volume_type"] != tc.wantType || len(obs.Drift) != 0 {
				t.Errorf("observed %+v, want type %q and no drift", obs, tc.wantType)
			}
		})
	}
}

// TestWithoutCinder: a cloud without block storage serves every other kind;
// volumes are left out by default, or answered Unimplemented when asked
// for by name.
func TestWithoutCinder(t *testing.T) {
	srv := osfake.New(&osfake.Options{NoVolumeService: true})
	t.Cleanup(srv.Close)
	open := func(kinds []resource.Kind) *Driver {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		d, err := New(ctx, &Options{AuthURL: srv.AuthURL(), Kinds: kinds, Credentials: &vim.Credentials{
			Username: "admin", Password: "secret", ProjectName: "demo"}})
		if err != nil {
			t.Fatalf("New(%v) without Cinder: %v", kinds, err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	f := &fixture{t: t, srv: srv}
	vol := f.object(resource.KindVolume, &resource.Volume{SizeGB: 1, Bus: "virtio"}, nil)

	d := open(nil)
	if slices.Contains(d.Kinds(), resource.KindVolume) || !slices.Contains(d.Kinds(), resource.KindNetwork) {
		t.Errorf("default kinds without Cinder: %v", d.Kinds())
	}
	if _, err := d.Observe(t.Context(), vol); resource.CodeOf(err) != resource.Unimplemented {
		t.Errorf("Observe of a volume = %v, want Unimplemented", err)
	}

	d = open([]resource.Kind{resource.KindNetwork, resource.KindVolume})
	f.d = d
	if _, err := d.Create(t.Context(), f.object(resource.KindNetwork, &resource.Network{CIDR: "10.60.0.0/24"}, nil)); err != nil {
		t.Errorf("a network without Cinder: %v", err)
	}
	for name, call := range map[string]func() error{
		"Observe": func() error { _, err := d.Observe(t.Context(), vol); return err },
		"Create":  func() error { _, err := d.Create(t.Context(), vol); return err },
		"Update":  func() error { return d.Update(t.Context(), vol) },
		"Delete":  func() error { return d.Delete(t.Context(), vol) },
		"ObserveAll": func() error {
			_, err := d.ObserveAll(t.Context(), resource.KindVolume, []*vim.Object{vol})
			return err
		},
	} {
		if err := call(); resource.CodeOf(err) != resource.Unimplemented || !strings.Contains(err.Error(), "no block-storage (Cinder v3) service") {
			t.Errorf("%s of a volume named in Kinds = %v, want Unimplemented saying why", name, err)
		}
	}
}

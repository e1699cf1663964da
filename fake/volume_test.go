package fake_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// volume returns a 10 GiB volume object made from a ready image.
func volume(t *testing.T, v *fake.VIM, id string) *vim.Object {
	t.Helper()
	img := &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalImage, ID: id + "-img"}, Kind: resource.KindImage,
		Spec: &resource.Image{DiskFormat: "raw", ContainerFormat: "bare", Visibility: "public"}}
	ext := mustCreate(t, v, img)
	return &vim.Object{
		Ref: resource.Ref{Kind: resource.KindLocalVolume, ID: id}, Kind: resource.KindVolume, Name: id, Tenant: "t",
		Spec: &resource.Volume{Description: "d", SizeGB: 10, ImageID: id + "-img", Bus: "virtio"},
		Deps: map[resource.Ref]vim.Dep{{Kind: resource.KindImage, ID: id + "-img"}: {ExternalID: ext}},
	}
}

// TestVolumeLifecycle: a volume builds with Cinder's status words, grows in
// place, refuses to shrink, and repairs a size changed out of band.
func TestVolumeLifecycle(t *testing.T) {
	v := fake.New(&fake.Options{Manual: true})
	o := volume(t, v, "vol")
	mustCreate(t, v, o)
	type state struct {
		State  vim.State
		Status string
		Drift  []string
	}
	got := func() state {
		obs := observe(t, v, o)
		return state{obs.State, obs.TaskStatus, obs.Drift}
	}
	size := func(n int64) func() error {
		return func() error {
			o.Spec.(*resource.Volume).SizeGB = n
			return v.Update(t.Context(), o)
		}
	}
	steps := []struct {
		name     string
		do       func() error
		wantCode resource.ErrorCode // 0: the call succeeds
		want     state
	}{
		{"created", func() error { return nil }, 0, state{vim.StateBuilding, "creating", nil}},
		{"built", func() error { v.Step(); return nil }, 0, state{vim.StateReady, "available", nil}},
		{"grown", size(20), 0, state{vim.StateReady, "available", nil}},
		{"shrink refused", size(5), resource.Invalid, state{vim.StateReady, "available", []string{"size_gb"}}},
		{"back to its size", size(20), 0, state{vim.StateReady, "available", nil}},
		{"drifted", func() error { return v.Drift("vol", "size_gb") }, 0, state{vim.StateReady, "available", []string{"size_gb"}}},
		{"repaired", size(20), 0, state{vim.StateReady, "available", nil}},
		{"deleting", func() error { return v.Delete(t.Context(), o) }, 0, state{vim.StateDeleting, "deleting", nil}},
	}
	for _, st := range steps {
		err := st.do()
		if code := resource.CodeOf(err); err != nil && code != st.wantCode || err == nil && st.wantCode != 0 {
			t.Fatalf("%s: %v, want code %v", st.name, err, st.wantCode)
		}
		if diff := cmp.Diff(st.want, got()); diff != "" {
			t.Fatalf("%s (-want +got):\n%s", st.name, diff)
		}
	}
	if info := v.Objects(resource.KindVolume); len(info) != 1 || info[0].Spec["size_gb"] != float64(20) {
		t.Errorf("applied volume %+v, want 20 GiB", info)
	}
	if !slices.Contains(fake.DefaultKinds(), resource.KindVolume) {
		t.Error("volumes are not among the fake's default kinds")
	}
}

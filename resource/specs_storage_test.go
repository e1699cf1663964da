package resource_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
)

func TestVolumeValidate(t *testing.T) {
	vol := func(change func(*resource.Volume)) *resource.Volume {
		v := &resource.Volume{SizeGB: 10}
		change(v)
		v.Default()
		return v
	}
	tests := map[string]struct {
		spec      *resource.Volume
		wantField string // "" means valid
		wantMsg   string
	}{
		"blank":              {spec: vol(func(*resource.Volume) {})},
		"from an image":      {spec: vol(func(v *resource.Volume) { v.ImageID, v.Bus, v.VolumeType = "img-1", "scsi", "ssd" })},
		"largest":            {spec: vol(func(v *resource.Volume) { v.SizeGB = resource.MaxVolumeGB })},
		"no size":            {spec: vol(func(v *resource.Volume) { v.SizeGB = 0 }), wantField: "size_gb", wantMsg: "out of range [1, 65536]"},
		"too large":          {spec: vol(func(v *resource.Volume) { v.SizeGB = resource.MaxVolumeGB + 1 }), wantField: "size_gb"},
		"negative":           {spec: vol(func(v *resource.Volume) { v.SizeGB = -1 }), wantField: "size_gb"},
		"unknown bus":        {spec: vol(func(v *resource.Volume) { v.Bus = "usb" }), wantField: "bus", wantMsg: `"usb" is not one of virtio, ide, scsi`},
		"bad image ref":      {spec: vol(func(v *resource.Volume) { v.ImageID = "a b" }), wantField: "image_id"},
		"long description":   {spec: vol(func(v *resource.Volume) { v.Description = strings.Repeat("d", 256) }), wantField: "description", wantMsg: "longer than 255"},
		"longest descr.":     {spec: vol(func(v *resource.Volume) { v.Description = strings.Repeat("d", 255) })},
		"type with spaces":   {spec: vol(func(v *resource.Volume) { v.VolumeType = " ssd" }), wantField: "volume_type", wantMsg: "spaces"},
		"type control chars": {spec: vol(func(v *resource.Volume) { v.VolumeType = "a\x01" }), wantField: "volume_type"},
		"every problem": {spec: &resource.Volume{SizeGB: 0, Bus: "floppy", ImageID: "/"}, wantField: "size_gb",
			wantMsg: "image_id"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := tc.spec.Validate()
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, resource.ErrInvalid) {
				t.Fatalf("Validate() = %v, want Invalid", err)
			}
			if got := resource.FieldOf(err); got != tc.wantField || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("Validate() = %q (field %q), want field %q and %q", err, got, tc.wantField, tc.wantMsg)
			}
		})
	}
}

// TestVolumeStored: the bus defaults to virtio, and the image is a
// reference the store checks.
func TestVolumeStored(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	res := &resource.Resource{Ref: resource.Ref{Kind: resource.KindVolume, ID: "v1"}, Tenant: "t",
		Spec: &resource.Volume{SizeGB: 1, ImageID: "img-1"}}
	enc, err := reg.Encode(res)
	if err != nil {
		t.Fatal(err)
	}
	got, err := reg.DecodeSpec(resource.KindVolume, enc.Spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&resource.Volume{SizeGB: 1, ImageID: "img-1", Bus: "virtio"}, got); diff != "" {
		t.Errorf("stored spec (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]resource.Ref{{Kind: resource.KindImage, ID: "img-1"}}, enc.Refs); diff != "" {
		t.Errorf("refs (-want +got):\n%s", diff)
	}
}

// TestVolumeCheckUpdate: a volume grows and changes its description in
// place, never shrinks, and keeps its type, image and bus.
func TestVolumeCheckUpdate(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	old := &resource.Volume{Description: "d", SizeGB: 10, VolumeType: "ssd", ImageID: "img-1"}
	tests := map[string]struct {
		change    func(*resource.Volume)
		wantField string // "" means allowed
		wantMsg   string
	}{
		"unchanged":         {change: func(*resource.Volume) {}},
		"grow":              {change: func(v *resource.Volume) { v.SizeGB = 11 }},
		"description":       {change: func(v *resource.Volume) { v.Description = "e" }},
		"default bus given": {change: func(v *resource.Volume) { v.Bus = "virtio" }},
		"shrink": {change: func(v *resource.Volume) { v.SizeGB = 9 }, wantField: "size_gb",
			wantMsg: "9 GiB is smaller than the volume's 10 GiB"},
		"shrink and retype": {change: func(v *resource.Volume) { v.SizeGB, v.VolumeType = 9, "hdd" }, wantField: "volume_type",
			wantMsg: "cannot be changed"},
		"type":  {change: func(v *resource.Volume) { v.VolumeType = "hdd" }, wantField: "volume_type", wantMsg: "cannot be changed"},
		"image": {change: func(v *resource.Volume) { v.ImageID = "" }, wantField: "image_id", wantMsg: "cannot be changed"},
		"bus":   {change: func(v *resource.Volume) { v.Bus = "ide" }, wantField: "bus", wantMsg: "cannot be changed"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			next := *old
			tc.change(&next)
			replace, err := reg.CheckUpdate(resource.KindVolume, old, &next)
			if tc.wantField == "" {
				if err != nil || replace != nil {
					t.Fatalf("CheckUpdate() = %v, %v; want allowed in place", replace, err)
				}
				return
			}
			if !errors.Is(err, resource.ErrInvalid) {
				t.Fatalf("CheckUpdate() = %v, want Invalid", err)
			}
			if got := resource.FieldOf(err); got != tc.wantField || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("CheckUpdate() = %q (field %q), want field %q and %q", err, got, tc.wantField, tc.wantMsg)
			}
		})
	}
}

package resource_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
)

// Volumes attached at boot: a server's volume_ids, and a deployment's
// group volumes, from which each VM gets volumes of its own.

func volumeIDs(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("vol-%d", i))
	}
	return out
}

func TestServerVolumeIDs(t *testing.T) {
	tests := map[string]struct {
		ids       []string
		wantField string
		wantMsg   string
		notMsg    string // a complaint that must not be made
	}{
		"none":           {},
		"one":            {ids: []string{"data"}},
		"sixteen":        {ids: volumeIDs(resource.MaxServerVolumes)},
		"seventeen":      {ids: volumeIDs(resource.MaxServerVolumes + 1), wantField: "volume_ids", wantMsg: "17 volumes; at most 16"},
		"twice":          {ids: []string{"a", "b", "a"}, wantField: "volume_ids[2]", wantMsg: `volume "a" is already volume_ids[0]`},
		"empty":          {ids: []string{"a", ""}, wantField: "volume_ids[1]", wantMsg: "required"},
		"not an ID":      {ids: []string{"../a"}, wantField: "volume_ids[0]", wantMsg: "not a valid ID"},
		"twice, nothing": {ids: []string{"", ""}, wantField: "volume_ids[0]", wantMsg: "required", notMsg: "already"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := vnf(func(s *resource.Server) { s.VolumeIDs = tc.ids })
			s.Default()
			err := s.Validate()
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, resource.ErrInvalid) {
				t.Fatalf("Validate() = %v, want an Invalid error naming %s", err, tc.wantField)
			}
			if got := resource.FieldOf(err); got != tc.wantField {
				t.Errorf("FieldOf(%q) = %q, want %q", err, got, tc.wantField)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tc.wantMsg)
			}
			if tc.notMsg != "" && strings.Contains(err.Error(), tc.notMsg) {
				t.Errorf("error %q contains %q", err, tc.notMsg)
			}
		})
	}
}

// TestServerVolumesBootAndDepend: Boot carries the volumes in order, as a
// copy, and Dependencies lists each, so the store checks that they exist
// in the server's tenant and the reconciler resolves them.
func TestServerVolumesBootAndDepend(t *testing.T) {
	s := &resource.Server{ImageID: "i", FlavorID: "f", NetworkID: "n", VolumeIDs: []string{"v2", "v1"}}
	b := s.Boot()
	if diff := cmp.Diff([]string{"v2", "v1"}, b.VolumeIDs); diff != "" {
		t.Errorf("Boot().VolumeIDs (-want +got):\n%s", diff)
	}
	b.VolumeIDs[0] = "changed"
	if s.VolumeIDs[0] != "v2" {
		t.Error("Boot shares VolumeIDs with the spec")
	}
	want := []resource.Ref{{Kind: resource.KindImage, ID: "i"}, {Kind: resource.KindNetwork, ID: "n"}, {Kind: resource.KindFlavor, ID: "f"},
		{Kind: resource.KindVolume, ID: "v2"}, {Kind: resource.KindVolume, ID: "v1"}}
	if diff := cmp.Diff(want, s.Dependencies()); diff != "" {
		t.Errorf("Dependencies (-want +got):\n%s", diff)
	}
	if b := (&resource.Server{ImageID: "i", FlavorID: "f", NetworkID: "n"}).Boot(); b.VolumeIDs != nil {
		t.Errorf("a server without volumes boots with %v", b.VolumeIDs)
	}
}

func TestDeploymentGroupVolumes(t *testing.T) {
	dep := func(change func(*resource.VMGroup)) *resource.Deployment {
		g := resource.VMGroup{Name: "asa", ImageID: "i", FlavorID: "f", Count: 2, MinCount: 1, MaxCount: 4,
			NICs:    []resource.GroupNIC{{NetworkID: "mgmt"}},
			Volumes: []resource.GroupVolume{{Name: "MY_DATASTORE1", SizeGB: 10}, {Name: "logs", SizeGB: 1, VolumeType: "ssd", Bus: "scsi"}}}
		if change != nil {
			change(&g)
		}
		return &resource.Deployment{Groups: []resource.VMGroup{g}}
	}
	vols := func(n int) []resource.GroupVolume {
		var out []resource.GroupVolume
		for i := range n {
			out = append(out, resource.GroupVolume{Name: fmt.Sprint("v", i), SizeGB: 1})
		}
		return out
	}
	tests := map[string]struct {
		spec      *resource.Deployment
		wantField string
		wantMsg   string
	}{
		"two volumes":   {spec: dep(nil)},
		"none":          {spec: dep(func(g *resource.VMGroup) { g.Volumes = nil })},
		"largest":       {spec: dep(func(g *resource.VMGroup) { g.Volumes[0].SizeGB = resource.MaxVolumeGB })},
		"128 in all":    {spec: dep(func(g *resource.VMGroup) { g.MaxCount, g.Volumes = 8, vols(16) })},
		"129 in all":    {spec: dep(func(g *resource.VMGroup) { g.MaxCount, g.Volumes = 9, vols(15) }), wantField: "vm_groups", wantMsg: "135 volumes at most in all"},
		"17 per VM":     {spec: dep(func(g *resource.VMGroup) { g.MaxCount, g.Volumes = 2, vols(17) }), wantField: "vm_groups[0].volumes", wantMsg: "17 volumes; at most 16"},
		"no name":       {spec: dep(func(g *resource.VMGroup) { g.Volumes[1].Name = "" }), wantField: "vm_groups[0].volumes[1].name", wantMsg: "1 to 64 bytes"},
		"long name":     {spec: dep(func(g *resource.VMGroup) { g.Volumes[0].Name = strings.Repeat("n", 65) }), wantField: "vm_groups[0].volumes[0].name"},
		"control name":  {spec: dep(func(g *resource.VMGroup) { g.Volumes[0].Name = "a\x01b" }), wantField: "vm_groups[0].volumes[0].name", wantMsg: "control character"},
		"same name":     {spec: dep(func(g *resource.VMGroup) { g.Volumes[1].Name = "MY_DATASTORE1" }), wantField: "vm_groups[0].volumes[1].name", wantMsg: "appears twice"},
		"no size":       {spec: dep(func(g *resource.VMGroup) { g.Volumes[0].SizeGB = 0 }), wantField: "vm_groups[0].volumes[0].size_gb", wantMsg: "out of range"},
		"too large":     {spec: dep(func(g *resource.VMGroup) { g.Volumes[0].SizeGB = resource.MaxVolumeGB + 1 }), wantField: "vm_groups[0].volumes[0].size_gb"},
		"unknown bus":   {spec: dep(func(g *resource.VMGroup) { g.Volumes[1].Bus = "usb" }), wantField: "vm_groups[0].volumes[1].bus", wantMsg: `"usb" is not one of`},
		"spaced type":   {spec: dep(func(g *resource.VMGroup) { g.Volumes[1].VolumeType = " ssd" }), wantField: "vm_groups[0].volumes[1].volume_type", wantMsg: "leading or trailing"},
		"huge max only": {spec: dep(func(g *resource.VMGroup) { g.MaxCount = 1 << 62 }), wantField: "vm_groups", wantMsg: "VMs at most in all"},
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
				t.Fatalf("Validate() = %v, want an Invalid error naming %s", err, tc.wantField)
			}
			if got := resource.FieldOf(err); got != tc.wantField {
				t.Errorf("FieldOf(%q) = %q, want %q", err, got, tc.wantField)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tc.wantMsg)
			}
		})
	}
}

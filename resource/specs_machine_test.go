package resource_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/resource/resourcetest"
)

func TestBoot(t *testing.T) {
	tests := map[string]struct {
		spec resource.MachineSpec
		want resource.Boot
	}{
		"server": {
			spec: &resource.Server{Description: "d", ImageID: "i", FlavorID: "f", NetworkID: "n", SecurityGroupID: "sg", ServerGroupID: "g"},
			want: resource.Boot{Description: "d", ImageID: "i", FlavorID: "f", NetworkIDs: []string{"n"}, PortTypes: []string{""},
				SecurityGroupID: "sg", ServerGroupID: "g"},
		},
		"server without groups": {
			spec: &resource.Server{ImageID: "i", FlavorID: "f", NetworkID: "n"},
			want: resource.Boot{ImageID: "i", FlavorID: "f", NetworkIDs: []string{"n"}, PortTypes: []string{""}},
		},
		"bare metal": {
			spec: &resource.BaremetalInstance{Description: "d", ImageID: "i", FlavorID: "f", UserID: "u",
				Networks: []resource.NetworkPort{{NetworkID: "b"}, {NetworkID: "a", PortType: "direct"}},
				Extra:    map[string]string{"k": "v"}},
			want: resource.Boot{Description: "d", ImageID: "i", FlavorID: "f", NetworkIDs: []string{"b", "a"},
				PortTypes: []string{"", "direct"}, Metadata: map[string]string{"k": "v"}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := tc.spec.Boot()
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Boot() (-want +got):\n%s", diff)
			}
			// The caller owns what Boot returns.
			for k := range got.Metadata {
				got.Metadata[k] = "changed"
			}
			if diff := cmp.Diff(tc.want, tc.spec.Boot()); diff != "" {
				t.Errorf("changing a Boot changed the spec (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMachineKinds pins which built-in kinds boot machines: the kinds
// machine verbs and drivers' machine code paths apply to.
func TestMachineKinds(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	var got []resource.Kind
	for _, k := range reg.Kinds() {
		spec, err := reg.NewSpec(k)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := spec.(resource.MachineSpec); ok {
			got = append(got, k)
		}
	}
	want := []resource.Kind{resource.KindBaremetalInstance, resource.KindServer}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("machine kinds (-want +got):\n%s", diff)
	}
	// Their copies record the machine alike.
	for _, k := range want {
		info, _ := reg.Info(k)
		if spec, _ := reg.NewSpec(info.Local); spec == nil {
			t.Errorf("%s has no local kind", k)
		} else if _, ok := spec.(*resource.LocalServer); !ok {
			t.Errorf("%s's copy %s has spec %T, want *resource.LocalServer", k, info.Local, spec)
		}
	}
}

// TestMachineSamplesBoot: every sample machine's Boot names only what its
// Dependencies list, so drivers resolving Boot through Deps find it all.
func TestMachineSamplesBoot(t *testing.T) {
	for _, r := range resourcetest.Samples("s", "t") {
		m, ok := r.Spec.(resource.MachineSpec)
		if !ok {
			continue
		}
		deps := map[resource.Ref]bool{}
		for _, d := range m.Dependencies() {
			deps[d] = true
		}
		b := m.Boot()
		named := []resource.Ref{{Kind: resource.KindImage, ID: b.ImageID}, {Kind: resource.KindFlavor, ID: b.FlavorID}}
		for _, n := range b.NetworkIDs {
			named = append(named, resource.Ref{Kind: resource.KindNetwork, ID: n})
		}
		if b.SecurityGroupID != "" {
			named = append(named, resource.Ref{Kind: resource.KindSecurityGroup, ID: b.SecurityGroupID})
		}
		if b.ServerGroupID != "" {
			named = append(named, resource.Ref{Kind: resource.KindServerGroup, ID: b.ServerGroupID})
		}
		for _, ref := range named {
			if !deps[ref] {
				t.Errorf("%s: Boot names %s, which Dependencies does not list", r.Ref, ref)
			}
		}
		if len(b.PortTypes) != len(b.NetworkIDs) {
			t.Errorf("%s: %d port types for %d networks", r.Ref, len(b.PortTypes), len(b.NetworkIDs))
		}
	}
}

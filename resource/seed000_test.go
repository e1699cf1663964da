package resource_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
)

// TestSeed000Mutability pins what an update may do to every spec field of
// seed 000's property tables, whose Permission column is empty throughout
// (creatable and updatable). Fields orca keeps immutable say why.
func TestSeed000Mutability(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	m, r, i := resource.Mutable, resource.Replace, resource.Immutable
	tests := map[resource.Kind]map[string]resource.Mutability{
		resource.KindLocation: {"description": m, "keystone_endpoint": m, "contrail_endpoint": m,
			"webui": m, "contrail_webui": m, "region": m, "address": m},
		resource.KindHeatTemplate: {"description": m, "template": m},
		resource.KindHeatInstance: {"description": m, "heat_template_id": m, "parameters": m},
		// Glance takes neither formats nor data once an image is active,
		// and a new image would replace every server booted from it.
		resource.KindImage: {"description": m, "url": i, "visibility": m, "disk_format": i,
			"container_format": i, "min_disk": m, "min_ram": m, "protected": m},
		resource.KindFlavor:          {"description": m, "ram": r, "vcpus": r, "disk": r, "swap": r, "ephemeral": r},
		resource.KindServiceInstance: {"description": m, "service_instance_properties": m, "service_template_id": r},
		// Contrail cannot rewrite a template in place: it is replaced,
		// which the orchestrator refuses while instances use it.
		resource.KindServiceTemplate: {"description": m, "image_id": r, "service_mode": r, "flavor_id": r},
		resource.KindSecurityGroup:   {"description": m, "contrail_id": m},
		resource.KindSecurityGroupRule: {"description": m, "direction": r, "ethertype": r, "protocol": r,
			"port_range_min": r, "port_range_max": r, "remote_group_id": r, "remote_ip_prefix": r},
		// A new cidr or local_prefix_len replaces the subnets under the
		// network, not the network (the VIM's Update does it).
		resource.KindNetwork:       {"description": m, "contrail_id": r, "cidr": m, "local_prefix_len": m},
		resource.KindNetworkPolicy: {"description": m, "source_network_id": r, "dest_network_id": r, "entries": m},
		resource.KindServer: {"description": m, "image_id": r, "network_id": r,
			"security_group_id": m, "flavor_id": r},
		resource.KindIDPool:                 {"start": m, "end": m, "assigned": m},
		resource.KindRouteTargetAssociation: {"network_id": m, "route_target": m},
	}
	for k, fields := range tests {
		for name, want := range fields {
			t.Run(string(k)+"."+name, func(t *testing.T) {
				f, ok := reg.Field(k, name)
				if !ok {
					t.Fatalf("%s has no field %s", k, name)
				}
				if f.Mutability != want {
					t.Errorf("%s.%s is %v, want %v", k, name, f.Mutability, want)
				}
			})
		}
	}
}

// TestSeed000Updates checks, through CheckUpdate, the updates seed 000
// allows that orca used to refuse.
func TestSeed000Updates(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	start, end, wider := int64(100), int64(199), int64(299)
	tests := map[string]struct {
		kind        resource.Kind
		old, new    resource.Spec
		wantReplace []string
	}{
		"security group contrail_id in place": {
			kind: resource.KindSecurityGroup,
			old:  &resource.SecurityGroup{ContrailID: 7},
			new:  &resource.SecurityGroup{ContrailID: 8},
		},
		"policy source network replaces": {
			kind:        resource.KindNetworkPolicy,
			old:         &resource.NetworkPolicy{SourceNetworkID: "a", DestNetworkID: "b"},
			new:         &resource.NetworkPolicy{SourceNetworkID: "c", DestNetworkID: "b"},
			wantReplace: []string{"source_network_id"},
		},
		"policy dest network replaces": {
			kind:        resource.KindNetworkPolicy,
			old:         &resource.NetworkPolicy{SourceNetworkID: "a", DestNetworkID: "b"},
			new:         &resource.NetworkPolicy{SourceNetworkID: "a", DestNetworkID: "c"},
			wantReplace: []string{"dest_network_id"},
		},
		"service instance template replaces": {
			kind:        resource.KindServiceInstance,
			old:         &resource.ServiceInstance{ServiceTemplateID: "st1"},
			new:         &resource.ServiceInstance{ServiceTemplateID: "st2"},
			wantReplace: []string{"service_template_id"},
		},
		"id pool range in place": {
			kind: resource.KindIDPool,
			old:  &resource.IDPool{Start: &start, End: &end},
			new:  &resource.IDPool{Start: &start, End: &wider},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			replace, err := reg.CheckUpdate(tc.kind, tc.old, tc.new)
			if err != nil {
				t.Fatalf("CheckUpdate() = %v, want allowed", err)
			}
			if diff := cmp.Diff(tc.wantReplace, replace); diff != "" {
				t.Errorf("replace (-want +got):\n%s", diff)
			}
		})
	}

}

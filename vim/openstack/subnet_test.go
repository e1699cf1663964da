package openstack

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/osfake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// subnet describes a subnet of cidr on a new network without a CIDR of its
// own.
func (f *fixture) subnet(cidr string) *vim.Object {
	f.t.Helper()
	netRef, netDep := f.network("")
	return f.object(resource.KindSubnet, &resource.Subnet{NetworkID: netRef.ID, CIDR: cidr},
		map[resource.Ref]vim.Dep{netRef: netDep})
}

// TestNetworkWithoutCIDR: such a network makes no Neutron subnet, and a
// subnet object then makes exactly one, named with its own tag, on it.
func TestNetworkWithoutCIDR(t *testing.T) {
	f := newFixture(t, nil)
	o := f.subnet("10.40.0.0/24")
	if n := len(f.srv.Objects(osfake.KindSubnet)); n != 0 {
		t.Fatalf("%d Neutron subnets after making a network without a CIDR, want 0", n)
	}
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	subs := f.srv.Objects(osfake.KindSubnet)
	if len(subs) != 1 || subs[0].ID != ext || subs[0].Name != tag(o) {
		t.Fatalf("Neutron subnets = %+v, want one %s named %s", subs, ext, tag(o))
	}
	netID := o.Deps[resource.Ref{Kind: resource.KindNetwork, ID: o.Spec.(*resource.Subnet).NetworkID}].ExternalID
	if got := subs[0].View["network_id"]; got != netID {
		t.Errorf("subnet on network %v, want %s", got, netID)
	}
}

// TestSubnetOnTheWire: what the driver asks Neutron for, and what it reads
// back as drift, field by field.
func TestSubnetOnTheWire(t *testing.T) {
	off := false
	tests := map[string]struct {
		spec resource.Subnet
		want map[string]any // attributes of the Neutron subnet
	}{
		"defaults": {resource.Subnet{CIDR: "10.41.0.0/24"}, map[string]any{
			"gateway_ip": "10.41.0.1", "enable_dhcp": true, "dns_nameservers": []string{},
			"allocation_pools": []any{map[string]any{"start": "10.41.0.2", "end": "10.41.0.254"}}}},
		"everything": {resource.Subnet{CIDR: "10.42.0.0/24", GatewayIP: "10.42.0.254", EnableDHCP: &off,
			AllocationPools: []resource.AllocationPool{{Start: "10.42.0.10", End: "10.42.0.20"}}, DNSNameservers: []string{"10.42.0.2"}},
			map[string]any{"gateway_ip": "10.42.0.254", "enable_dhcp": false, "dns_nameservers": []string{"10.42.0.2"},
				"allocation_pools": []any{map[string]any{"start": "10.42.0.10", "end": "10.42.0.20"}}}},
		// Neutron keeps no order among pools (osfake returns them highest
		// first): no drift either way.
		"two pools": {resource.Subnet{CIDR: "10.47.0.0/24",
			AllocationPools: []resource.AllocationPool{{Start: "10.47.0.10", End: "10.47.0.20"}, {Start: "10.47.0.30", End: "10.47.0.40"}}},
			map[string]any{"gateway_ip": "10.47.0.1", "enable_dhcp": true, "dns_nameservers": []string{},
				"allocation_pools": []any{map[string]any{"start": "10.47.0.30", "end": "10.47.0.40"},
					map[string]any{"start": "10.47.0.10", "end": "10.47.0.20"}}}},
		"no gateway": {resource.Subnet{CIDR: "10.43.0.0/24", NoGateway: true}, map[string]any{
			"gateway_ip": nil, "enable_dhcp": true, "dns_nameservers": []string{},
			"allocation_pools": []any{map[string]any{"start": "10.43.0.1", "end": "10.43.0.254"}}}},
		"v6": {resource.Subnet{CIDR: "fd00:44::/64"}, map[string]any{
			"gateway_ip": "fd00:44::1", "enable_dhcp": true, "dns_nameservers": []string{},
			"allocation_pools": []any{map[string]any{"start": "fd00:44::2", "end": "fd00:44::ffff:ffff:ffff:ffff"}}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, nil)
			o := f.subnet(tc.spec.CIDR)
			spec := o.Spec.(*resource.Subnet)
			tc.spec.NetworkID = spec.NetworkID
			o.Spec = &tc.spec
			ext, err := f.d.Create(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			o.ExternalID = ext
			view := f.srv.Objects(osfake.KindSubnet)[0].View
			got := map[string]any{}
			for k := range tc.want {
				got[k] = view[k]
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Neutron subnet (-want +got):\n%s", diff)
			}
			if obs := f.ready(o); len(obs.Drift) != 0 || obs.Output["cidr"] != tc.spec.CIDR {
				t.Errorf("observation = %+v, want no drift and the cidr", obs)
			}
		})
	}
}

// TestSubnetDriftAndUpdate: each mutable field drifts alone and is repaired
// in place; a new CIDR drifts and is refused in place.
func TestSubnetDriftAndUpdate(t *testing.T) {
	f := newFixture(t, nil)
	o := f.subnet("10.45.0.0/24")
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.ExternalID = ext
	spec := o.Spec.(*resource.Subnet)
	off := false
	changes := []struct {
		field  string
		change func()
	}{
		{"description", func() { spec.Description = "changed" }},
		{"gateway_ip", func() { spec.GatewayIP = "10.45.0.1" }}, // the same address, now named: no drift
		{"enable_dhcp", func() { spec.EnableDHCP = &off }},
		{"dns_nameservers", func() { spec.DNSNameservers = []string{"10.45.0.3"} }},
		{"allocation_pools", func() { spec.AllocationPools = []resource.AllocationPool{{Start: "10.45.0.100", End: "10.45.0.110"}} }},
		{"gateway_ip", func() { spec.GatewayIP = "10.45.0.254" }},
		{"gateway_ip", func() { spec.GatewayIP, spec.NoGateway = "", true }},
		{"dns_nameservers", func() { spec.DNSNameservers = nil }},
	}
	for i, c := range changes {
		c.change()
		obs := f.ready(o)
		want := []string{c.field}
		if i == 1 {
			want = nil
		}
		if diff := cmp.Diff(want, obs.Drift); diff != "" {
			t.Fatalf("change %d: drift (-want +got):\n%s", i, diff)
		}
		if err := f.d.Update(t.Context(), o); err != nil {
			t.Fatalf("change %d: Update: %v", i, err)
		}
		if obs := f.ready(o); len(obs.Drift) != 0 {
			t.Fatalf("change %d: drift after Update: %v", i, obs.Drift)
		}
	}
	o.Spec = &resource.Subnet{NetworkID: spec.NetworkID, CIDR: "10.46.0.0/24", NoGateway: true}
	if err := f.d.Update(t.Context(), o); resource.CodeOf(err) != resource.Invalid || resource.FieldOf(err) != "cidr" {
		t.Errorf("Update of the cidr = %v, want Invalid naming cidr", err)
	}
}

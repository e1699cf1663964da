package contrail_test

import (
	"testing"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// TestNetworkWithoutCIDR: such a network is a virtual-network with no IPAM
// ref; the driver does not serve subnets, and says so (Unimplemented),
// which the orchestrator turns into a Failed copy naming the reason.
func TestNetworkWithoutCIDR(t *testing.T) {
	srv, d, _ := newFake(t, nil)
	o := &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalNetwork, ID: "bare"}, Kind: resource.KindNetwork,
		Name: "bare", Spec: &resource.Network{Description: "subnets later"}}
	if _, err := d.Create(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	var vn map[string]any
	for _, obj := range srv.Objects("virtual-network") {
		if obj["name"] == "bare" {
			vn = obj
		}
	}
	if vn == nil {
		t.Fatal("no virtual network named bare")
	}
	if refs, ok := vn["network_ipam_refs"]; ok && refs != nil {
		t.Errorf("network_ipam_refs = %v, want none", refs)
	}
	if vim.Serves(d, resource.KindSubnet) {
		t.Error("the driver claims to serve subnets")
	}
	sub := &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalSubnet, ID: "sub"}, Kind: resource.KindSubnet,
		Spec: &resource.Subnet{NetworkID: "bare", CIDR: "10.0.0.0/24"}}
	if _, err := d.Create(t.Context(), sub); resource.CodeOf(err) != resource.Unimplemented {
		t.Errorf("Create of a subnet = %v, want Unimplemented", err)
	}
}

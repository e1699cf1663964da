package fake_test

import (
	"testing"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// TestSubnetOverlap: subnets on one network may not overlap each other nor
// the network's own CIDR, as Neutron refuses; on another network they may.
func TestSubnetOverlap(t *testing.T) {
	v := fake.New(nil)
	network := func(id, cidr string) string {
		return mustCreate(t, v, &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalNetwork, ID: id}, Kind: resource.KindNetwork,
			Spec: &resource.Network{CIDR: cidr}})
	}
	bare, withCIDR, other := network("bare", ""), network("own", "10.9.0.0/16"), network("other", "")
	deps := map[string]string{"bare": bare, "own": withCIDR, "other": other}
	subnet := func(id, net, cidr string) error {
		_, err := v.Create(t.Context(), &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalSubnet, ID: id}, Kind: resource.KindSubnet,
			Spec: &resource.Subnet{NetworkID: net, CIDR: cidr},
			Deps: map[resource.Ref]vim.Dep{{Kind: resource.KindNetwork, ID: net}: {ExternalID: deps[net]}}})
		return err
	}
	steps := []struct {
		name, id, net, cidr string
		want                resource.ErrorCode // Unknown: success
	}{
		{"first on a bare network", "s1", "bare", "10.0.0.0/24", resource.Unknown},
		{"apart on the same network", "s2", "bare", "10.0.1.0/24", resource.Unknown},
		{"inside the first", "s3", "bare", "10.0.0.128/25", resource.Invalid},
		{"around both", "s4", "bare", "10.0.0.0/16", resource.Invalid},
		{"same CIDR, other network", "s5", "other", "10.0.0.0/24", resource.Unknown},
		{"inside a network's own CIDR", "s6", "own", "10.9.3.0/24", resource.Invalid},
		{"beside a network's own CIDR", "s7", "own", "10.10.0.0/24", resource.Unknown},
	}
	for _, st := range steps {
		err := subnet(st.id, st.net, st.cidr)
		if got := resource.CodeOf(err); err != nil && got != st.want || err == nil && st.want != resource.Unknown {
			t.Errorf("%s: Create = %v, want code %v", st.name, err, st.want)
		}
		if err != nil && resource.FieldOf(err) != "cidr" {
			t.Errorf("%s: error %v names %q, want cidr", st.name, err, resource.FieldOf(err))
		}
	}
	if n := len(v.Objects(resource.KindSubnet)); n != 4 {
		t.Errorf("%d subnets in the VIM, want the 4 accepted", n)
	}
}

package resource_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
)

func TestSubnetValidate(t *testing.T) {
	sub := func(change func(*resource.Subnet)) *resource.Subnet {
		s := &resource.Subnet{NetworkID: "net-1", CIDR: "10.0.0.0/24"}
		change(s)
		s.Default()
		return s
	}
	pools := func(p ...string) []resource.AllocationPool {
		var out []resource.AllocationPool
		for i := 0; i+1 < len(p); i += 2 {
			out = append(out, resource.AllocationPool{Start: p[i], End: p[i+1]})
		}
		return out
	}
	tests := map[string]struct {
		spec      *resource.Subnet
		wantField string // "" means valid
		wantMsg   string
	}{
		"minimal": {spec: sub(func(*resource.Subnet) {})},
		"everything": {spec: sub(func(s *resource.Subnet) {
			s.GatewayIP, s.AllocationPools, s.DNSNameservers = "10.0.0.254", pools("10.0.0.10", "10.0.0.20", "10.0.0.30", "10.0.0.40"), []string{"8.8.8.8"}
		})},
		"v6":              {spec: sub(func(s *resource.Subnet) { s.CIDR, s.AllocationPools = "fd00:1::/64", pools("fd00:1::10", "fd00:1::ff") })},
		"no gateway":      {spec: sub(func(s *resource.Subnet) { s.NoGateway, s.AllocationPools = true, pools("10.0.0.1", "10.0.0.254") })},
		"one-address":     {spec: sub(func(s *resource.Subnet) { s.AllocationPools = pools("10.0.0.5", "10.0.0.5") })},
		"no network":      {spec: sub(func(s *resource.Subnet) { s.NetworkID = "" }), wantField: "network_id", wantMsg: "required"},
		"bad network ref": {spec: sub(func(s *resource.Subnet) { s.NetworkID = "a b" }), wantField: "network_id"},
		"no cidr":         {spec: sub(func(s *resource.Subnet) { s.CIDR = "" }), wantField: "cidr", wantMsg: "required"},
		"bad cidr":        {spec: sub(func(s *resource.Subnet) { s.CIDR = "10.0.0/24" }), wantField: "cidr", wantMsg: "not a valid CIDR"},
		"host bits":       {spec: sub(func(s *resource.Subnet) { s.CIDR = "10.0.0.1/24" }), wantField: "cidr", wantMsg: "host bits"},
		"too small v4":    {spec: sub(func(s *resource.Subnet) { s.CIDR = "10.0.0.0/31" }), wantField: "cidr", wantMsg: "at most a /30"},
		"too small v6":    {spec: sub(func(s *resource.Subnet) { s.CIDR = "fd00::/127" }), wantField: "cidr", wantMsg: "at most a /126"},
		"gateway and none": {spec: sub(func(s *resource.Subnet) { s.GatewayIP, s.NoGateway = "10.0.0.1", true }),
			wantField: "gateway_ip", wantMsg: "not both"},
		"gateway outside":   {spec: sub(func(s *resource.Subnet) { s.GatewayIP = "10.0.1.1" }), wantField: "gateway_ip", wantMsg: "not a host address of 10.0.0.0/24"},
		"gateway network":   {spec: sub(func(s *resource.Subnet) { s.GatewayIP = "10.0.0.0" }), wantField: "gateway_ip"},
		"gateway broadcast": {spec: sub(func(s *resource.Subnet) { s.GatewayIP = "10.0.0.255" }), wantField: "gateway_ip"},
		"gateway not an IP": {spec: sub(func(s *resource.Subnet) { s.GatewayIP = "router" }), wantField: "gateway_ip", wantMsg: `"router" is not an IP address`},
		"gateway v6 in v4":  {spec: sub(func(s *resource.Subnet) { s.GatewayIP = "fd00::1" }), wantField: "gateway_ip"},
		"pool reversed": {spec: sub(func(s *resource.Subnet) { s.AllocationPools = pools("10.0.0.20", "10.0.0.10") }),
			wantField: "allocation_pools[0].end", wantMsg: "below start 10.0.0.20"},
		"pool outside": {spec: sub(func(s *resource.Subnet) { s.AllocationPools = pools("10.0.0.10", "10.0.1.10") }),
			wantField: "allocation_pools[0].end", wantMsg: "not a host address"},
		"pool broadcast": {spec: sub(func(s *resource.Subnet) { s.AllocationPools = pools("10.0.0.10", "10.0.0.255") }),
			wantField: "allocation_pools[0].end"},
		"pool bad start": {spec: sub(func(s *resource.Subnet) { s.AllocationPools = pools("ten", "10.0.0.10") }),
			wantField: "allocation_pools[0].start", wantMsg: `"ten" is not an IP address`},
		"pool holds auto gateway": {spec: sub(func(s *resource.Subnet) { s.AllocationPools = pools("10.0.0.1", "10.0.0.10") }),
			wantField: "allocation_pools[0]", wantMsg: "holds the gateway 10.0.0.1"},
		"pool holds gateway": {spec: sub(func(s *resource.Subnet) {
			s.GatewayIP, s.AllocationPools = "10.0.0.50", pools("10.0.0.10", "10.0.0.90")
		}),
			wantField: "allocation_pools[0]", wantMsg: "holds the gateway 10.0.0.50"},
		"pools overlap": {spec: sub(func(s *resource.Subnet) {
			s.AllocationPools = pools("10.0.0.10", "10.0.0.20", "10.0.0.30", "10.0.0.40", "10.0.0.40", "10.0.0.50")
		}), wantField: "allocation_pools[2]", wantMsg: "overlaps allocation_pools[1]"},
		"too many pools": {spec: sub(func(s *resource.Subnet) {
			s.AllocationPools = make([]resource.AllocationPool, resource.MaxAllocationPools+1)
		}), wantField: "allocation_pools", wantMsg: "more than 64"},
		"dns not an IP": {spec: sub(func(s *resource.Subnet) { s.DNSNameservers = []string{"8.8.8.8", "dns.example"} }), wantField: "dns_nameservers[1]"},
		"dns twice":     {spec: sub(func(s *resource.Subnet) { s.DNSNameservers = []string{"8.8.8.8", "8.8.8.8"} }), wantField: "dns_nameservers[1]", wantMsg: "twice"},
		"too many dns": {spec: sub(func(s *resource.Subnet) {
			s.DNSNameservers = []string{"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "1.1.1.5", "1.1.1.6"}
		}), wantField: "dns_nameservers", wantMsg: "more than 5"},
		"long description": {spec: sub(func(s *resource.Subnet) { s.Description = strings.Repeat("d", resource.MaxDescriptionLen+1) }), wantField: "description"},
		"every problem":    {spec: &resource.Subnet{CIDR: "x", GatewayIP: "y"}, wantField: "network_id", wantMsg: "cidr"},
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

func TestSubnetGateway(t *testing.T) {
	tests := map[string]struct {
		spec resource.Subnet
		want string // "" means none
	}{
		"auto v4":  {resource.Subnet{CIDR: "10.0.0.0/24"}, "10.0.0.1"},
		"auto v6":  {resource.Subnet{CIDR: "fd00::/64"}, "fd00::1"},
		"given":    {resource.Subnet{CIDR: "10.0.0.0/24", GatewayIP: "10.0.0.254"}, "10.0.0.254"},
		"none":     {resource.Subnet{CIDR: "10.0.0.0/24", NoGateway: true}, ""},
		"bad cidr": {resource.Subnet{CIDR: "x"}, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := ""
			if gw := tc.spec.Gateway(); gw.IsValid() {
				got = gw.String()
			}
			if got != tc.want {
				t.Errorf("Gateway() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSubnetStored: DHCP defaults to on; the network is a reference the
// store checks; the CIDR and the network are replaced, the rest changes in
// place.
func TestSubnetStored(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	res := &resource.Resource{Ref: resource.Ref{Kind: resource.KindSubnet, ID: "s1"}, Tenant: "t",
		Spec: &resource.Subnet{NetworkID: "net-1", CIDR: "10.0.0.0/24"}}
	enc, err := reg.Encode(res)
	if err != nil {
		t.Fatal(err)
	}
	got, err := reg.DecodeSpec(resource.KindSubnet, enc.Spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	on := true
	if diff := cmp.Diff(&resource.Subnet{NetworkID: "net-1", CIDR: "10.0.0.0/24", EnableDHCP: &on}, got); diff != "" {
		t.Errorf("stored spec (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]resource.Ref{{Kind: resource.KindNetwork, ID: "net-1"}}, enc.Refs); diff != "" {
		t.Errorf("refs (-want +got):\n%s", diff)
	}
	off := false
	next := &resource.Subnet{NetworkID: "net-2", CIDR: "10.0.1.0/24", GatewayIP: "10.0.1.9", EnableDHCP: &off,
		AllocationPools: []resource.AllocationPool{{Start: "10.0.1.10", End: "10.0.1.20"}}, DNSNameservers: []string{"1.1.1.1"},
		Description: "changed"}
	replace, err := reg.CheckUpdate(resource.KindSubnet, got, next)
	if err != nil {
		t.Fatalf("CheckUpdate: %v", err)
	}
	if diff := cmp.Diff([]string{"network_id", "cidr"}, replace); diff != "" {
		t.Errorf("replaced fields (-want +got):\n%s", diff)
	}
}

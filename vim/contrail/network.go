package contrail

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// A network is a virtual-network in the project with one subnet (its
// location's CIDR) on a ref to the default IPAM, and its route-target
// associations (the object's parts) in route_target_list. A network without
// a CIDR has no IPAM ref, and whatever subnets it gets later are not drift
// (this driver does not serve the subnet kind: its subnets would be
// ipam_subnets entries on the network's IPAM ref, not objects of their own).
var networkKind = &kindImpl{
	typ: "virtual-network", parent: "project",
	build: buildNetwork,
	output: func(c *cobject, out map[string]any) {
		out["virtual_network_network_id"] = c.NetworkID
		if got := subnets(c); len(got) > 0 {
			out["cidr"] = got[0].String()
		}
	},
}

// defaultIPAM holds the subnets of every network the driver makes.
var defaultIPAM = []string{"default-domain", "default-project", "default-network-ipam"}

// routeTargetASN is the ASN of the route targets orca allocates. Contrail
// refuses numbers from firstSystemRouteTarget up with the global ASN
// (64512 by default): it keeps them for routing instances.
const (
	routeTargetASN         = 64512
	firstSystemRouteTarget = 8_000_000
)

func buildNetwork(_ context.Context, o *vim.Object, r *resolver) (*desired, error) {
	spec, ok := o.Spec.(*resource.Network)
	if !ok {
		return nil, specError(o, &resource.Network{})
	}
	rts, err := routeTargets(o.Parts)
	if err != nil {
		return nil, err
	}
	want := &desired{description: spec.Description, props: map[string]any{}}
	if spec.CIDR != "" {
		pfx, err := netip.ParsePrefix(spec.CIDR)
		if err != nil {
			return nil, resource.InvalidField("cidr", "%q is not a CIDR", spec.CIDR)
		}
		pfx = pfx.Masked() // the server keeps the network address
		subnet := map[string]any{
			"subnet":          map[string]any{"ip_prefix": pfx.Addr().String(), "ip_prefix_len": pfx.Bits()},
			"addr_from_start": true, // gateway .1, as OpenStack does
			"enable_dhcp":     true,
		}
		refs := []any{map[string]any{"to": defaultIPAM,
			"attr": map[string]any{"ipam_subnets": []any{subnet}}}}
		want.props["network_ipam_refs"] = refs
		// A new CIDR replaces the subnet in place: a PUT of the refs
		// replaces them all. Contrail refuses (409) while instance IPs
		// hold addresses of the old one.
		want.checks = append(want.checks, check{field: "cidr", differs: func(c *cobject) bool {
			got := subnets(c)
			return len(got) != 1 || got[0] != pfx
		}, put: map[string]any{"network_ipam_refs": refs}})
	}
	if len(rts) > 0 {
		want.props["route_target_list"] = map[string]any{"route_target": rts}
	}
	setID := spec.ContrailID != 0 && r.d.setNetworkIDs
	if setID {
		// Only releases up to 3.2 accept it; later ones answer 403.
		want.props["virtual_network_network_id"] = spec.ContrailID
	}
	want.checks = append(want.checks, []check{
		{field: "contrail_id", differs: func(c *cobject) bool {
			return setID && c.NetworkID != spec.ContrailID
		}},
		{field: vim.PartsField, differs: func(c *cobject) bool {
			var got []string
			if c.RouteTargetList != nil {
				got = slices.Clone(c.RouteTargetList.RouteTarget)
			}
			slices.Sort(got)
			return !slices.Equal(slices.Compact(got), rts)
		}, put: map[string]any{"route_target_list": map[string]any{"route_target": nonNil(rts)}}},
	}...)
	return want, nil
}

// routeTargets turns route-target associations into sorted, distinct
// route_target_list entries. An association still at 0 has no number yet
// (no id pool): it adds nothing, as Contrail gives every network a route
// target of its own anyway.
func routeTargets(parts []vim.Part) ([]string, error) {
	var out []string
	for _, p := range parts {
		rta, ok := p.Spec.(*resource.RouteTargetAssociation)
		if !ok {
			return nil, resource.InvalidField(vim.PartsField, "a network's parts are route_target_association, not %T", p.Spec)
		}
		if rta.RouteTarget >= firstSystemRouteTarget {
			return nil, resource.InvalidField("route_target", "%d is kept by Contrail for its own routing instances (target:%d:%d and up); allocate route targets below %d",
				rta.RouteTarget, routeTargetASN, firstSystemRouteTarget, firstSystemRouteTarget)
		}
		if rta.RouteTarget != 0 {
			out = append(out, fmt.Sprintf("target:%d:%d", routeTargetASN, rta.RouteTarget))
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// subnets lists the subnets on c's IPAM refs.
func subnets(c *cobject) []netip.Prefix {
	var out []netip.Prefix
	for _, r := range c.NetworkIpamRefs {
		var attr struct {
			IpamSubnets []struct {
				Subnet subnetType `json:"subnet"`
			} `json:"ipam_subnets"`
		}
		if json.Unmarshal(r.Attr, &attr) != nil {
			continue
		}
		for _, s := range attr.IpamSubnets {
			a, err := netip.ParseAddr(s.Subnet.IPPrefix)
			if err != nil {
				continue
			}
			out = append(out, netip.PrefixFrom(a, s.Subnet.IPPrefixLen).Masked())
		}
	}
	return out
}

// nonNil makes an empty list marshal as [] (a PUT of [] clears; null
// would not be a list).
func nonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

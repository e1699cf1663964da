package openstack

import (
	"context"
	"net/netip"
	"slices"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Subnets are Neutron subnets on the network's copy at the location, named
// with the copy's tag as every object is. (A network with a CIDR of its own
// has one more subnet, named with the network's tag: see network.go.)
//
// Drift is judged on every field Neutron holds. Allocation pools are
// compared only when the spec gives some (without, Neutron chooses them and
// any choice is right), and in any order: Neutron keeps none. The gateway
// is compared with the one the spec asks for, the first host address when
// it names none.

func subnetKind() *kind {
	return &kind{get: getSubnet, all: allSubnets, observe: observeSubnet,
		create: createSubnet, update: updateSubnet, delete: deleteSubnet}
}

func subnetName(s *subnets.Subnet) string { return s.Name }

func getSubnet(ctx context.Context, d *Driver, o *vim.Object) (any, error) {
	return asAny(find(ctx, o, "subnet", subnetName,
		func(ctx context.Context, id string) (*subnets.Subnet, error) {
			return subnets.Get(ctx, d.network, id).Extract()
		},
		func(ctx context.Context) ([]subnets.Subnet, error) {
			return listAll(ctx, "subnets", subnets.List(d.network, subnets.ListOpts{Name: tag(o)}), subnets.ExtractSubnets)
		}))
}

func allSubnets(ctx context.Context, d *Driver) (map[string]any, error) {
	found, err := listAll(ctx, "subnets", subnets.List(d.network, subnets.ListOpts{}), subnets.ExtractSubnets)
	return byTag(found, subnetName), err
}

// subnetNetwork is the Neutron ID of the subnet's network at this location.
func subnetNetwork(o *vim.Object, spec *resource.Subnet) string {
	return o.Deps[resource.Ref{Kind: resource.KindNetwork, ID: spec.NetworkID}].ExternalID
}

func observeSubnet(d *Driver, o *vim.Object, v any) vim.Observation {
	sn := v.(*subnets.Subnet)
	spec := o.Spec.(*resource.Subnet)
	// Neutron subnets have no status: they are usable once made.
	obs := vim.Observation{Exists: true, ExternalID: sn.ID, State: vim.StateReady, TaskStatus: "ACTIVE",
		Output: map[string]any{"subnet_id": sn.ID, "network_id": sn.NetworkID, "cidr": sn.CIDR, "gateway_ip": sn.GatewayIP,
			"ip_version": sn.IPVersion}}
	drift := func(field string, differs bool) {
		if differs {
			obs.Drift = append(obs.Drift, field)
		}
	}
	drift("description", sn.Description != spec.Description)
	drift("network_id", sn.NetworkID != subnetNetwork(o, spec))
	drift("cidr", !sameCIDR(sn.CIDR, spec.CIDR))
	drift("gateway_ip", !sameAddr(sn.GatewayIP, spec.Gateway()))
	drift("enable_dhcp", sn.EnableDHCP != spec.DHCP())
	drift("allocation_pools", len(spec.AllocationPools) > 0 && !samePools(sn.AllocationPools, spec.AllocationPools))
	drift("dns_nameservers", !slices.EqualFunc(sn.DNSNameservers, spec.DNSNameservers, func(a, b string) bool {
		pa, errA := netip.ParseAddr(a)
		return errA == nil && sameAddr(b, pa)
	}))
	return obs
}

// sameAddr compares an address as Neutron reports it ("" for none) with
// the wanted one (invalid for none).
func sameAddr(got string, want netip.Addr) bool {
	if got == "" || !want.IsValid() {
		return got == "" && !want.IsValid()
	}
	a, err := netip.ParseAddr(got)
	return err == nil && a == want
}

// samePools compares pools as sets: Neutron keeps no order among a
// subnet's pools (it returns them in the order of their rows' random IDs).
// A valid spec's pools never overlap, so equal counts and each wanted pool
// found make the sets equal.
func samePools(got []subnets.AllocationPool, want []resource.AllocationPool) bool {
	return len(got) == len(want) && !slices.ContainsFunc(want, func(w resource.AllocationPool) bool {
		s, errS := netip.ParseAddr(w.Start)
		e, errE := netip.ParseAddr(w.End)
		return errS != nil || errE != nil || !slices.ContainsFunc(got, func(g subnets.AllocationPool) bool {
			return sameAddr(g.Start, s) && sameAddr(g.End, e)
		})
	})
}

func pools(spec *resource.Subnet) []subnets.AllocationPool {
	var out []subnets.AllocationPool
	for _, p := range spec.AllocationPools {
		out = append(out, subnets.AllocationPool{Start: p.Start, End: p.End})
	}
	return out
}

// gateway is the gateway_ip to send: nil lets Neutron pick the first host,
// "" (sent as null) asks for none.
func gateway(spec *resource.Subnet) *string {
	switch {
	case spec.NoGateway:
		none := ""
		return &none
	case spec.GatewayIP != "":
		gw := spec.GatewayIP
		return &gw
	}
	return nil
}

func createSubnet(ctx context.Context, d *Driver, o *vim.Object, _ any) (string, error) {
	spec := o.Spec.(*resource.Subnet)
	netID := subnetNetwork(o, spec)
	if netID == "" {
		return "", resource.Errorf(resource.NotFound, "%s: network %s has no copy at this location", o, spec.NetworkID)
	}
	pfx, err := netip.ParsePrefix(spec.CIDR)
	if err != nil {
		return "", resource.InvalidField("cidr", "%v", err)
	}
	version := gophercloud.IPv4
	if pfx.Addr().Is6() {
		version = gophercloud.IPv6
	}
	dhcp := spec.DHCP()
	sn, err := subnets.Create(ctx, d.network, subnets.CreateOpts{
		NetworkID: netID, Name: tag(o), Description: spec.Description, CIDR: pfx.Masked().String(), IPVersion: version,
		GatewayIP: gateway(spec), EnableDHCP: &dhcp, AllocationPools: pools(spec), DNSNameservers: spec.DNSNameservers,
	}).Extract()
	if err != nil {
		return "", classify(ctx, err, "creating subnet")
	}
	return sn.ID, nil
}

// updateSubnet sends the drifted fields in one PUT. A gateway asked for by
// no address goes back to the first host address.
func updateSubnet(ctx context.Context, d *Driver, o *vim.Object, v any, drift []string) error {
	spec := o.Spec.(*resource.Subnet)
	var opts subnets.UpdateOpts
	for _, f := range drift {
		switch f {
		case "description":
			opts.Description = &spec.Description
		case "gateway_ip":
			gw := gateway(spec)
			if gw == nil {
				first := spec.Gateway().String()
				gw = &first
			}
			opts.GatewayIP = gw
		case "enable_dhcp":
			dhcp := spec.DHCP()
			opts.EnableDHCP = &dhcp
		case "allocation_pools":
			opts.AllocationPools = pools(spec)
		case "dns_nameservers":
			dns := append([]string{}, spec.DNSNameservers...)
			opts.DNSNameservers = &dns
		}
	}
	_, err := subnets.Update(ctx, d.network, v.(*subnets.Subnet).ID, opts).Extract()
	return classify(ctx, err, "updating subnet")
}

// deleteSubnet answers Conflict while ports hold addresses of the subnet
// (Neutron's 409).
func deleteSubnet(ctx context.Context, d *Driver, o *vim.Object, v any) error {
	err := subnets.Delete(ctx, d.network, v.(*subnets.Subnet).ID).ExtractErr()
	if gophercloud.ResponseCodeIs(err, 404) {
		return nil
	}
	return classify(ctx, err, "deleting subnet")
}

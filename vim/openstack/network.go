package openstack

import (
	"context"
	"net/netip"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// osNetwork is a Neutron network with its own subnet, the one named with
// its tag (nil until created, and for a network without a CIDR, whose
// subnets are subnet objects of their own).
type osNetwork struct {
	net    networks.Network
	subnet *subnets.Subnet
}

func networkKind() *kind {
	return &kind{
		get:     getNetwork,
		all:     allNetworks,
		observe: observeNetwork,
		create:  createNetwork,
		update:  updateNetwork,
		delete:  deleteNetwork,
		partial: func(o *vim.Object, v any) bool {
			return v.(*osNetwork).subnet == nil && o.Spec.(*resource.Network).CIDR != ""
		},
	}
}

func networkName(n *networks.Network) string { return n.Name }

func getNetwork(ctx context.Context, d *Driver, o *vim.Object) (any, error) {
	n, err := find(ctx, o, "network", networkName,
		func(ctx context.Context, id string) (*networks.Network, error) {
			return networks.Get(ctx, d.network, id).Extract()
		},
		func(ctx context.Context) ([]networks.Network, error) {
			return listAll(ctx, "networks", networks.List(d.network, networks.ListOpts{Name: tag(o)}), networks.ExtractNetworks)
		})
	if n == nil || err != nil {
		return nil, err
	}
	subs, err := listAll(ctx, "subnets", subnets.List(d.network, subnets.ListOpts{NetworkID: n.ID}), subnets.ExtractSubnets)
	if err != nil {
		return nil, err
	}
	v := &osNetwork{net: *n}
	for i := range subs {
		if subs[i].Name == n.Name {
			v.subnet = &subs[i]
		}
	}
	return v, nil
}

// allNetworks lists the tagged networks and their subnets: two calls.
func allNetworks(ctx context.Context, d *Driver) (map[string]any, error) {
	nets, err := listAll(ctx, "networks", networks.List(d.network, networks.ListOpts{}), networks.ExtractNetworks)
	if err != nil {
		return nil, err
	}
	subs, err := listAll(ctx, "subnets", subnets.List(d.network, subnets.ListOpts{}), subnets.ExtractSubnets)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	byNet := map[string]*osNetwork{}
	for _, n := range nets {
		if orcaID(n.Name) != "" {
			v := &osNetwork{net: n}
			out[n.Name], byNet[n.ID] = v, v
		}
	}
	for i := range subs {
		if v, ok := byNet[subs[i].NetworkID]; ok && subs[i].Name == v.net.Name {
			v.subnet = &subs[i]
		}
	}
	return out, nil
}

func observeNetwork(d *Driver, o *vim.Object, v any) vim.Observation {
	n := v.(*osNetwork)
	spec := o.Spec.(*resource.Network)
	obs := vim.Observation{Exists: true, ExternalID: n.net.ID, TaskStatus: n.net.Status,
		Output: map[string]any{"network_id": n.net.ID}}
	if n.subnet != nil {
		obs.Output["subnet_id"], obs.Output["cidr"], obs.Output["gateway_ip"] = n.subnet.ID, n.subnet.CIDR, n.subnet.GatewayIP
	}
	switch n.net.Status {
	case "ACTIVE":
		obs.State = vim.StateReady
	case "ERROR":
		obs.State, obs.Message = vim.StateError, "Neutron reports the network in ERROR"
	default: // BUILD, DOWN
		obs.State = vim.StateBuilding
	}
	if n.net.Description != spec.Description {
		obs.Drift = append(obs.Drift, "description")
	}
	if n.subnet == nil && spec.CIDR != "" || n.subnet != nil && !sameCIDR(n.subnet.CIDR, spec.CIDR) {
		obs.Drift = append(obs.Drift, "cidr")
	}
	return obs
}

func sameCIDR(a, b string) bool {
	pa, errA := netip.ParsePrefix(a)
	pb, errB := netip.ParsePrefix(b)
	return errA == nil && errB == nil && pa.Masked() == pb.Masked()
}

// createNetwork creates the network (unless v holds it already, from a
// create that stopped half way) and its subnet, when it has a CIDR.
func createNetwork(ctx context.Context, d *Driver, o *vim.Object, v any) (string, error) {
	spec := o.Spec.(*resource.Network)
	var n *networks.Network
	if v != nil {
		n = &v.(*osNetwork).net
	} else {
		created, err := networks.Create(ctx, d.network, networks.CreateOpts{Name: tag(o), Description: spec.Description}).Extract()
		if err != nil {
			return "", classify(ctx, err, "creating network")
		}
		n = created
	}
	if spec.CIDR == "" {
		return n.ID, nil
	}
	pfx, err := netip.ParsePrefix(spec.CIDR)
	if err != nil {
		return "", resource.InvalidField("cidr", "%v", err)
	}
	version := gophercloud.IPv4
	if pfx.Addr().Is6() {
		version = gophercloud.IPv6
	}
	_, err = subnets.Create(ctx, d.network, subnets.CreateOpts{
		NetworkID: n.ID, Name: tag(o), CIDR: pfx.Masked().String(), IPVersion: version,
	}).Extract()
	if err != nil {
		return "", classify(ctx, err, "creating subnet")
	}
	return n.ID, nil
}

func updateNetwork(ctx context.Context, d *Driver, o *vim.Object, v any, drift []string) error {
	desc := o.Spec.(*resource.Network).Description
	_, err := networks.Update(ctx, d.network, v.(*osNetwork).net.ID, networks.UpdateOpts{Description: &desc}).Extract()
	return classify(ctx, err, "updating network")
}

// deleteNetwork deletes the network; Neutron removes its subnets with it,
// and answers 409 while ports (servers) use it.
func deleteNetwork(ctx context.Context, d *Driver, o *vim.Object, v any) error {
	err := networks.Delete(ctx, d.network, v.(*osNetwork).net.ID).ExtractErr()
	if gophercloud.ResponseCodeIs(err, 404) {
		return nil
	}
	return classify(ctx, err, "deleting network")
}

package openstack

import (
	"context"
	"net/netip"
	"slices"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// osNetwork is a Neutron network with its own subnets: the ones named with
// its tag. A network has one (none without a CIDR, whose subnets are subnet
// objects of their own); more than one, or one with another CIDR, is a
// replacement under way (networks.go's updateNetwork), which Observe
// reports as drift until it is done. others are the network's remaining
// subnets, which a new CIDR must not overlap.
type osNetwork struct {
	net    networks.Network
	own    []subnets.Subnet
	others []subnets.Subnet
}

// subnet returns the own subnet with the spec's CIDR, else any own one
// (the old one of a replacement), else nil.
func (n *osNetwork) subnet(cidr string) *subnets.Subnet {
	for i := range n.own {
		if sameCIDR(n.own[i].CIDR, cidr) {
			return &n.own[i]
		}
	}
	if len(n.own) > 0 {
		return &n.own[0]
	}
	return nil
}

// addSubnet files a subnet of the network as its own or another's.
func (n *osNetwork) addSubnet(sn subnets.Subnet) {
	if sn.Name == n.net.Name {
		n.own = append(n.own, sn)
	} else {
		n.others = append(n.others, sn)
	}
}

func networkKind() *kind {
	return &kind{
		get:     getNetwork,
		all:     allNetworks,
		observe: observeNetwork,
		create:  createNetwork,
		created: createdNetwork,
		update:  updateNetwork,
		delete:  deleteNetwork,
		finish: func(ctx context.Context, d *Driver, o *vim.Object, v any) error {
			// A network made without its subnet (the create stopped
			// between the two calls) gets it. Own subnets with another
			// CIDR are a replacement, which Update carries out.
			n, cidr := v.(*osNetwork), o.Spec.(*resource.Network).CIDR
			if cidr == "" || len(n.own) > 0 {
				return nil
			}
			_, err := createOwnSubnet(ctx, d, o, n.net.ID, cidr)
			return err
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
	for _, sn := range subs {
		v.addSubnet(sn)
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
	for _, sn := range subs {
		if v, ok := byNet[sn.NetworkID]; ok {
			v.addSubnet(sn)
		}
	}
	return out, nil
}

func observeNetwork(d *Driver, o *vim.Object, v any) vim.Observation {
	n := v.(*osNetwork)
	spec := o.Spec.(*resource.Network)
	obs := vim.Observation{Exists: true, ExternalID: n.net.ID, TaskStatus: n.net.Status,
		Output: map[string]any{"network_id": n.net.ID}}
	if sn := n.subnet(spec.CIDR); sn != nil {
		obs.Output["subnet_id"], obs.Output["cidr"], obs.Output["gateway_ip"] = sn.ID, sn.CIDR, sn.GatewayIP
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
	if !ownSubnetsMatch(n.own, spec.CIDR) {
		obs.Drift = append(obs.Drift, "cidr")
	}
	return obs
}

// ownSubnetsMatch reports whether a network's own subnets are what its
// CIDR asks for: one with that CIDR, or none without one.
func ownSubnetsMatch(own []subnets.Subnet, cidr string) bool {
	if cidr == "" {
		return len(own) == 0
	}
	return len(own) == 1 && sameCIDR(own[0].CIDR, cidr)
}

func sameCIDR(a, b string) bool {
	pa, errA := netip.ParsePrefix(a)
	pb, errB := netip.ParsePrefix(b)
	return errA == nil && errB == nil && pa.Masked() == pb.Masked()
}

// createNetwork creates the network (unless v holds it already, from a
// create that stopped half way) and its subnet, when it has a CIDR.
func createNetwork(ctx context.Context, d *Driver, o *vim.Object, v any) (string, error) {
	made, err := createdNetwork(ctx, d, o, v)
	if err != nil {
		return "", err
	}
	return made.(*osNetwork).net.ID, nil
}

// createdNetwork is createNetwork returning the network and its subnet as
// Neutron's answers describe them (kind.created): a network is ACTIVE at
// once, so nothing needs reading back.
func createdNetwork(ctx context.Context, d *Driver, o *vim.Object, v any) (any, error) {
	spec := o.Spec.(*resource.Network)
	out := &osNetwork{}
	if v != nil {
		out = v.(*osNetwork)
	} else {
		created, err := networks.Create(ctx, d.network, networks.CreateOpts{Name: tag(o), Description: spec.Description}).Extract()
		if err != nil {
			return nil, classify(ctx, err, "creating network")
		}
		out.net = *created
	}
	if spec.CIDR == "" {
		return out, nil
	}
	sn, err := createOwnSubnet(ctx, d, o, out.net.ID, spec.CIDR)
	if err != nil {
		return nil, err
	}
	out.own = append(out.own, *sn)
	return out, nil
}

// createOwnSubnet creates the subnet a network's CIDR asks for, named with
// the network's tag so that a lost answer is adopted, not repeated.
func createOwnSubnet(ctx context.Context, d *Driver, o *vim.Object, networkID, cidr string) (*subnets.Subnet, error) {
	pfx, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, resource.InvalidField("cidr", "%v", err)
	}
	version := gophercloud.IPv4
	if pfx.Addr().Is6() {
		version = gophercloud.IPv6
	}
	sn, err := subnets.Create(ctx, d.network, subnets.CreateOpts{
		NetworkID: networkID, Name: tag(o), CIDR: pfx.Masked().String(), IPVersion: version,
	}).Extract()
	if err != nil {
		return nil, classify(ctx, err, "creating subnet")
	}
	return sn, nil
}

// updateNetwork changes the description in place and, for a new CIDR,
// replaces the network's own subnet (Neutron cannot change a subnet's
// CIDR). Level-based, so a repeat after a crash or a lost answer resumes:
// it checks first (the new CIDR must not overlap the network's other
// subnets), deletes every own subnet without the wanted CIDR — first, as
// the old and new ranges may overlap, which Neutron refuses on one network —
// and then creates the wanted one if it is missing. Neutron refuses to
// delete a subnet whose addresses ports hold (409 SubnetInUse): Conflict,
// and the network keeps its subnet.
func updateNetwork(ctx context.Context, d *Driver, o *vim.Object, v any, drift []string) error {
	n := v.(*osNetwork)
	spec := o.Spec.(*resource.Network)
	if slices.Contains(drift, "description") {
		desc := spec.Description
		if _, err := networks.Update(ctx, d.network, n.net.ID, networks.UpdateOpts{Description: &desc}).Extract(); err != nil {
			return classify(ctx, err, "updating network")
		}
	}
	if !slices.Contains(drift, "cidr") {
		return nil
	}
	if spec.CIDR != "" {
		want, err := netip.ParsePrefix(spec.CIDR)
		if err != nil {
			return resource.InvalidField("cidr", "%v", err)
		}
		for _, sn := range n.others {
			if p, err := netip.ParsePrefix(sn.CIDR); err == nil && p.Overlaps(want) {
				return resource.InvalidField("cidr", "%s overlaps subnet %s (%s) of network %s", spec.CIDR, sn.ID, sn.CIDR, n.net.ID)
			}
		}
	}
	have := false
	for _, sn := range n.own {
		if spec.CIDR != "" && sameCIDR(sn.CIDR, spec.CIDR) && !have {
			have = true // a duplicate with the wanted CIDR goes too
			continue
		}
		err := subnets.Delete(ctx, d.network, sn.ID).ExtractErr()
		if err != nil && !gophercloud.ResponseCodeIs(err, 404) {
			return classify(ctx, err, "deleting subnet "+sn.ID+" ("+sn.CIDR+") to replace it")
		}
	}
	if have || spec.CIDR == "" {
		return nil
	}
	_, err := createOwnSubnet(ctx, d, o, n.net.ID, spec.CIDR)
	return err
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

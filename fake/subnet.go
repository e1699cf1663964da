package fake

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"slices"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// checkSubnet refuses a subnet whose CIDR overlaps another one on the same
// network, the network's own CIDR included, as Neutron does (400). Callers
// hold v.mu; o's dependencies are checked already.
func (v *VIM) checkSubnet(o *vim.Object) error {
	s, ok := o.Spec.(*resource.Subnet)
	if !ok {
		return nil
	}
	pfx, err := netip.ParsePrefix(s.CIDR)
	if err != nil {
		return resource.InvalidField("cidr", "%q is not a CIDR", s.CIDR)
	}
	netExt := o.Deps[resource.Ref{Kind: resource.KindNetwork, ID: s.NetworkID}].ExternalID
	for _, other := range v.objects {
		var onNet bool
		switch {
		case other.state == vim.StateDeleting:
		case other.kind == resource.KindSubnet:
			onNet = slices.Contains(other.uses, netExt)
		case other.kind == resource.KindNetwork:
			onNet = other.externalID == netExt
		}
		if !onNet {
			continue
		}
		if got, ok := appliedCIDR(other); ok && got.Overlaps(pfx) {
			return resource.InvalidField("cidr", "fake %s: %s overlaps %s of %s %s on network %s",
				v.opts.Name, s.CIDR, got, other.kind, other.orcaID, s.NetworkID)
		}
	}
	return nil
}

// checkReaddress vets a network update that changes its own CIDR, which
// replaces the network's subnet (Neutron cannot change a subnet's CIDR):
// refused with Conflict while a machine holds an address of the old one
// (Neutron's SubnetInUse, 409), and as Invalid when the new CIDR overlaps
// one of the network's subnets (Neutron's 400 on the new subnet). Both are
// checked before anything changes. Callers hold v.mu.
func (v *VIM) checkReaddress(obj *object, fields map[string]json.RawMessage) error {
	if obj.kind != resource.KindNetwork || bytes.Equal(fields["cidr"], obj.applied["cidr"]) {
		return nil
	}
	own := obj.externalID + "-subnet"
	for _, m := range v.objects {
		if !m.machine || m.state == vim.StateDeleting {
			continue
		}
		for _, n := range m.nics {
			if n.network == obj.externalID && n.subnet == own {
				return resource.Errorf(resource.Conflict, "fake %s: subnet %s of network %s is in use: %s %s holds %s",
					v.opts.Name, own, obj.orcaID, m.kind, m.orcaID, n.ip)
			}
		}
	}
	var text string
	if json.Unmarshal(fields["cidr"], &text) != nil || text == "" {
		return nil
	}
	pfx, err := netip.ParsePrefix(text)
	if err != nil {
		return resource.InvalidField("cidr", "%q is not a CIDR", text)
	}
	for _, sn := range v.objects {
		if sn.kind != resource.KindSubnet || sn.state == vim.StateDeleting || !slices.Contains(sn.uses, obj.externalID) {
			continue
		}
		if got, ok := appliedCIDR(sn); ok && got.Overlaps(pfx) {
			return resource.InvalidField("cidr", "fake %s: %s overlaps %s of subnet %s on network %s",
				v.opts.Name, text, got, sn.orcaID, obj.orcaID)
		}
	}
	return nil
}

// appliedCIDR is the cidr field of an object as last written, if any.
func appliedCIDR(o *object) (netip.Prefix, bool) {
	var text string
	if json.Unmarshal(o.applied["cidr"], &text) != nil || text == "" {
		return netip.Prefix{}, false
	}
	p, err := netip.ParsePrefix(text)
	return p, err == nil
}

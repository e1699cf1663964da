package fake

import (
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

// appliedCIDR is the cidr field of an object as last written, if any.
func appliedCIDR(o *object) (netip.Prefix, bool) {
	var text string
	if json.Unmarshal(o.applied["cidr"], &text) != nil || text == "" {
		return netip.Prefix{}, false
	}
	p, err := netip.ParsePrefix(text)
	return p, err == nil
}

package orca

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/orca-nfv/orca/resource"
)

// checkReaddress refuses a change of a network's addressing (cidr,
// local_prefix_len, contrail_id) that the VIMs cannot carry out:
//   - while machines sit on the network (Conflict, naming them): their ports
//     hold addresses of the subnet that would be replaced, and the VIM would
//     refuse to delete it under them (Neutron's SubnetInUse), leaving the
//     change to be retried until they go;
//   - when the new range overlaps one of the network's subnets (Conflict,
//     naming it): the VIM would refuse the new subnet after deleting the old.
//
// Refused here, the change leaves everything as it was. A machine placed on
// the network right after this check is caught by the VIM, and the copy
// says so while it retries.
func (o *Orchestrator) checkReaddress(ctx context.Context, cur, next *resource.Resource) error {
	was, ok := cur.Spec.(*resource.Network)
	now, _ := next.Spec.(*resource.Network)
	if !ok || now == nil || was.CIDR == now.CIDR && was.LocalPrefixLen == now.LocalPrefixLen && was.ContrailID == now.ContrailID {
		return nil
	}
	refs, err := o.store.Referrers(ctx, cur.Ref)
	if err != nil {
		return err
	}
	var users, overlaps []string
	newRange, _ := netip.ParsePrefix(now.CIDR)
	for _, ref := range refs {
		r, err := o.store.Get(ctx, ref)
		if resource.CodeOf(err) == resource.NotFound {
			continue
		}
		if err != nil {
			return err
		}
		switch s := r.Spec.(type) {
		case resource.MachineSpec, *resource.Deployment:
			users = append(users, fmt.Sprintf("%s %q", ref.Kind, ref.ID))
		case *resource.Subnet:
			if p, err := netip.ParsePrefix(s.CIDR); err == nil && newRange.IsValid() && p.Overlaps(newRange) {
				overlaps = append(overlaps, fmt.Sprintf("subnet %q (%s)", ref.ID, s.CIDR))
			}
		}
	}
	slices.Sort(users)
	slices.Sort(overlaps)
	switch {
	case len(users) > 0:
		return &resource.Error{Code: resource.Conflict, Field: changedAddressing(was, now),
			Err: fmt.Errorf("network %q cannot be readdressed while machines use it: %s; delete them or move them to another network first",
				cur.ID, strings.Join(users, ", "))}
	case len(overlaps) > 0:
		return &resource.Error{Code: resource.Conflict, Field: "cidr",
			Err: fmt.Errorf("cidr %s overlaps %s of network %q", now.CIDR, strings.Join(overlaps, ", "), cur.ID)}
	}
	return nil
}

// changedAddressing names the first addressing field that changed.
func changedAddressing(was, now *resource.Network) string {
	switch {
	case was.CIDR != now.CIDR:
		return "cidr"
	case was.LocalPrefixLen != now.LocalPrefixLen:
		return "local_prefix_len"
	}
	return "contrail_id"
}

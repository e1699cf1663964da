package orca

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/orca-nfv/orca/resource"
)

// checkInUse refuses, before anything is stored, an update whose VIM change
// the objects of other resources would block: a VIM cannot delete what is
// in use, and a change that needs it would otherwise be retried for as long
// as they stay. The refusal is a Conflict naming them.
func (o *Orchestrator) checkInUse(ctx context.Context, cur, next *resource.Resource) error {
	switch cur.Spec.(type) {
	case *resource.Network:
		return o.checkReaddress(ctx, cur, next)
	case *resource.ServiceTemplate:
		return o.checkTemplateReplace(ctx, cur, next)
	}
	return nil
}

// checkTemplateReplace refuses a change that replaces a service template
// (image, mode, flavor: Contrail cannot rewrite one) while service
// instances use it: Contrail refuses to delete a template instances
// refer to.
func (o *Orchestrator) checkTemplateReplace(ctx context.Context, cur, next *resource.Resource) error {
	replace, err := o.reg.CheckUpdate(cur.Kind, cur.Spec, next.Spec)
	if err != nil || len(replace) == 0 {
		return err
	}
	refs, err := o.store.Referrers(ctx, cur.Ref)
	if err != nil {
		return err
	}
	var users []string
	for _, ref := range refs {
		if ref.Kind == resource.KindServiceInstance {
			users = append(users, fmt.Sprintf("%s %q", ref.Kind, ref.ID))
		}
	}
	if len(users) == 0 {
		return nil
	}
	slices.Sort(users)
	return &resource.Error{Code: resource.Conflict, Field: replace[0],
		Err: fmt.Errorf("service template %q cannot be replaced (a new %s) while service instances use it: %s",
			cur.ID, strings.Join(replace, ", "), strings.Join(users, ", "))}
}

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

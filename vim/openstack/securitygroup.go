package openstack

import (
	"context"
	"slices"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// A security group holds exactly its parts' rules, each tagged with its
// rule's orca ID in its description. Neutron's default rules of a new group
// are not parts, so they are removed.

func securityGroupKind() *kind {
	return &kind{
		get:     getSecurityGroup,
		all:     allSecurityGroups,
		observe: observeSecurityGroup,
		create:  createSecurityGroup,
		update:  updateSecurityGroup,
		delete:  deleteSecurityGroup,
		partial: func(_ *vim.Object, v any) bool { return onlyDefaultRules(v.(*groups.SecGroup)) },
	}
}

// onlyDefaultRules reports a group holding just the two egress rules
// Neutron gives a new group: a create that stopped before its rules were
// set, which Create completes.
func onlyDefaultRules(g *groups.SecGroup) bool {
	if len(g.Rules) != 2 {
		return false
	}
	seen := map[string]bool{}
	for _, r := range g.Rules {
		if r.Direction != "egress" || r.Protocol != "" || r.RemoteIPPrefix != "" || r.RemoteGroupID != "" ||
			r.PortRangeMin != 0 || r.PortRangeMax != 0 || r.Description != "" {
			return false
		}
		seen[r.EtherType] = true
	}
	return seen["IPv4"] && seen["IPv6"]
}

func groupName(g *groups.SecGroup) string { return g.Name }

func getSecurityGroup(ctx context.Context, d *Driver, o *vim.Object) (any, error) {
	return asAny(find(ctx, o, "security group", groupName,
		func(ctx context.Context, id string) (*groups.SecGroup, error) {
			return groups.Get(ctx, d.network, id).Extract()
		},
		func(ctx context.Context) ([]groups.SecGroup, error) {
			return listAll(ctx, "security groups", groups.List(d.network, groups.ListOpts{Name: tag(o)}), groups.ExtractGroups)
		}))
}

// allSecurityGroups lists the tagged groups, their rules inline: one call.
func allSecurityGroups(ctx context.Context, d *Driver) (map[string]any, error) {
	found, err := listAll(ctx, "security groups", groups.List(d.network, groups.ListOpts{}), groups.ExtractGroups)
	return byTag(found, groupName), err
}

func observeSecurityGroup(d *Driver, o *vim.Object, v any) vim.Observation {
	g := v.(*groups.SecGroup)
	obs := vim.Observation{Exists: true, ExternalID: g.ID, State: vim.StateReady, TaskStatus: "ACTIVE",
		Output: map[string]any{"security_group_id": g.ID, "rules": len(g.Rules)}}
	if g.Description != o.Spec.(*resource.SecurityGroup).Description {
		obs.Drift = append(obs.Drift, "description")
	}
	add, remove := ruleDiff(o, g)
	if len(add)+len(remove) > 0 {
		obs.Drift = append(obs.Drift, vim.PartsField)
	}
	return obs
}

// wantRule is a part as Neutron holds it.
type wantRule struct {
	tag                            string
	direction, ethertype, protocol string
	min, max                       *int64
	remoteGroup, remotePrefix      string
}

// desiredRules maps the object's parts to Neutron's terms. A remote group
// is the group itself (Global) or another group resolved in Deps.
func desiredRules(o *vim.Object, self string) ([]wantRule, error) {
	var out []wantRule
	for _, p := range o.Parts {
		r, ok := p.Spec.(*resource.SecurityGroupRule)
		if !ok {
			return nil, resource.Errorf(resource.Invalid, "%s: part %s is not a security group rule", o, p.Ref)
		}
		w := wantRule{tag: "orca-" + p.Ref.ID, direction: r.Direction, ethertype: r.EtherType,
			protocol: neutronProtocol(r.Protocol), min: r.PortRangeMin, max: r.PortRangeMax, remotePrefix: r.RemoteIPPrefix}
		switch {
		case r.RemoteGroupID == "":
		case r.RemoteGroupID == o.Global.ID:
			w.remoteGroup = self
		default:
			dep, ok := o.Deps[resource.Ref{Kind: resource.KindSecurityGroup, ID: r.RemoteGroupID}]
			if !ok || dep.ExternalID == "" {
				return nil, resource.Errorf(resource.NotFound, "%s: remote group %s is not resolved at this location", o, r.RemoteGroupID)
			}
			w.remoteGroup = dep.ExternalID
		}
		out = append(out, w)
	}
	return out, nil
}

// neutronProtocol spells a protocol as Neutron stores it ("" for any).
func neutronProtocol(p string) string {
	switch p {
	case "any", "":
		return ""
	case "icmp6":
		return "icmpv6"
	}
	return p
}

func sameRule(w wantRule, r rules.SecGroupRule) bool {
	port := func(p *int64, got int) bool {
		if p == nil {
			return got == 0
		}
		return int(*p) == got
	}
	proto := r.Protocol
	if proto == "ipv6-icmp" {
		proto = "icmpv6"
	}
	return r.Direction == w.direction && r.EtherType == w.ethertype && proto == w.protocol &&
		port(w.min, r.PortRangeMin) && port(w.max, r.PortRangeMax) &&
		r.RemoteGroupID == w.remoteGroup && samePrefix(r.RemoteIPPrefix, w.remotePrefix)
}

func samePrefix(a, b string) bool { return a == b || sameCIDR(a, b) }

// ruleDiff returns the rules to add and the rule IDs to remove.
func ruleDiff(o *vim.Object, g *groups.SecGroup) (add []wantRule, remove []string) {
	want, err := desiredRules(o, g.ID)
	if err != nil {
		return nil, nil // reported by update; observe cannot tell better
	}
	have := map[string]rules.SecGroupRule{}
	for _, r := range g.Rules {
		if w := slices.IndexFunc(want, func(w wantRule) bool { return w.tag == r.Description }); w < 0 || !sameRule(want[w], r) {
			remove = append(remove, r.ID)
		} else {
			have[r.Description] = r
		}
	}
	for _, w := range want {
		if _, ok := have[w.tag]; !ok {
			add = append(add, w)
		}
	}
	return add, remove
}

// createSecurityGroup creates the group (unless v holds it already, from a
// create that stopped half way) and sets its rules.
func createSecurityGroup(ctx context.Context, d *Driver, o *vim.Object, v any) (string, error) {
	spec := o.Spec.(*resource.SecurityGroup)
	g, _ := v.(*groups.SecGroup)
	if g == nil {
		var err error
		if g, err = groups.Create(ctx, d.network, groups.CreateOpts{Name: tag(o), Description: spec.Description}).Extract(); err != nil {
			return "", classify(ctx, err, "creating security group")
		}
	}
	if err := syncRules(ctx, d, o, g); err != nil {
		return "", err
	}
	return g.ID, nil
}

func updateSecurityGroup(ctx context.Context, d *Driver, o *vim.Object, v any, drift []string) error {
	g := v.(*groups.SecGroup)
	if slices.Contains(drift, "description") {
		desc := o.Spec.(*resource.SecurityGroup).Description
		if _, err := groups.Update(ctx, d.network, g.ID, groups.UpdateOpts{Description: &desc}).Extract(); err != nil {
			return classify(ctx, err, "updating security group")
		}
	}
	return syncRules(ctx, d, o, g)
}

// syncRules makes the group's rules the parts': extra ones (the defaults
// of a new group among them) removed, missing ones added. Neutron rules
// cannot change, so a changed rule is removed and added.
func syncRules(ctx context.Context, d *Driver, o *vim.Object, g *groups.SecGroup) error {
	if _, err := desiredRules(o, g.ID); err != nil {
		return err
	}
	add, remove := ruleDiff(o, g)
	for _, id := range remove {
		if err := rules.Delete(ctx, d.network, id).ExtractErr(); err != nil && !gophercloud.ResponseCodeIs(err, 404) {
			return classify(ctx, err, "deleting security group rule")
		}
	}
	for _, w := range add {
		if _, err := rules.Create(ctx, d.network, ruleOpts{g.ID, w}).Extract(); err != nil {
			return classify(ctx, err, "creating security group rule "+w.tag)
		}
	}
	return nil
}

// ruleOpts builds a rule's create body itself: gophercloud's CreateOpts
// cannot say port 0.
type ruleOpts struct {
	group string
	w     wantRule
}

func (r ruleOpts) ToSecGroupRuleCreateMap() (map[string]any, error) {
	m := map[string]any{"security_group_id": r.group, "direction": r.w.direction,
		"ethertype": r.w.ethertype, "description": r.w.tag}
	if r.w.protocol != "" {
		m["protocol"] = r.w.protocol
	}
	if r.w.min != nil {
		m["port_range_min"] = *r.w.min
	}
	if r.w.max != nil {
		m["port_range_max"] = *r.w.max
	}
	if r.w.remoteGroup != "" {
		m["remote_group_id"] = r.w.remoteGroup
	}
	if r.w.remotePrefix != "" {
		m["remote_ip_prefix"] = r.w.remotePrefix
	}
	return map[string]any{"security_group_rule": m}, nil
}

func deleteSecurityGroup(ctx context.Context, d *Driver, o *vim.Object, v any) error {
	err := groups.Delete(ctx, d.network, v.(*groups.SecGroup).ID).ExtractErr()
	if gophercloud.ResponseCodeIs(err, 404) {
		return nil
	}
	return classify(ctx, err, "deleting security group")
}

package contrail

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// A security group is a security-group in the project; its rules (the
// object's parts) are its security_group_entries, written the way
// Contrail's Neutron plugin writes them. contrail_id is left alone: the
// server sets security_group_id itself and refuses a client's (403).
var securityGroupKind = &kindImpl{
	typ: "security-group", parent: "project",
	build: buildSecurityGroup,
	needs: func(o *vim.Object) map[string][]string {
		var ids []string
		for _, p := range o.Parts {
			if r, ok := p.Spec.(*resource.SecurityGroupRule); ok && r.RemoteGroupID != "" {
				ids = append(ids, depUUID(o, resource.KindSecurityGroup, r.RemoteGroupID))
			}
		}
		return map[string][]string{"security-group": ids}
	},
	output: func(c *cobject, out map[string]any) {
		out["security_group_id"] = c.SecurityGroupID
	},
}

func buildSecurityGroup(ctx context.Context, o *vim.Object, r *resolver) (*desired, error) {
	spec, ok := o.Spec.(*resource.SecurityGroup)
	if !ok {
		return nil, specError(o, &resource.SecurityGroup{})
	}
	want := &desired{description: spec.Description, props: map[string]any{}}
	rules := []policyRule{}
	seen := map[string]bool{}
	for _, p := range o.Parts {
		sr, ok := p.Spec.(*resource.SecurityGroupRule)
		if !ok {
			return nil, resource.InvalidField(vim.PartsField, "a security group's parts are security_group_rule, not %T", p.Spec)
		}
		rule, problem, err := sgRule(ctx, o, r, sr)
		if err != nil {
			return nil, err
		}
		if problem != nil {
			want.unresolve(problem)
			continue
		}
		// Rules are a set: identical ones (which Contrail refuses) are
		// one rule.
		if key := canonical(rule); !seen[key] {
			seen[key] = true
			rules = append(rules, rule)
		}
	}
	entries := map[string]any{"policy_rule": rules}
	want.props["security_group_entries"] = entries
	wantRules := canonicalRules(rules)
	slices.Sort(wantRules)
	unresolved := want.unresolved != nil
	want.checks = []check{{field: vim.PartsField, put: map[string]any{"security_group_entries": entries},
		differs: func(c *cobject) bool {
			var got []any
			if c.SecurityGroupEntries != nil {
				got = c.SecurityGroupEntries.PolicyRule
			}
			have := canonicalRules(got)
			slices.Sort(have)
			return unresolved || !slices.Equal(have, wantRules)
		}}}
	return want, nil
}

// sgRule writes one rule: direction ">" always, the group itself
// ("local") on the destination side for ingress and on the source side for
// egress, the remote side a subnet (0.0.0.0/0 or ::/0 when none is given)
// or another group's fq_name, and the port range on the destination ports.
func sgRule(ctx context.Context, o *vim.Object, r *resolver, sr *resource.SecurityGroupRule) (rule policyRule, problem, err error) {
	eth := or(sr.EtherType, "IPv4")
	remote := address{Subnet: &subnetType{IPPrefix: "0.0.0.0", IPPrefixLen: 0}}
	if eth == "IPv6" {
		remote.Subnet.IPPrefix = "::"
	}
	switch {
	case sr.RemoteGroupID != "" && o.Global == resource.Ref{Kind: resource.KindSecurityGroup, ID: sr.RemoteGroupID}:
		// The group itself (a rule among its own members): its fq_name.
		remote = address{SecurityGroup: strings.Join([]string{r.d.domain, r.d.project, o.Ref.ID}, ":")}
	case sr.RemoteGroupID != "":
		_, fq, problem, err := r.dep(ctx, o, resource.KindSecurityGroup, sr.RemoteGroupID, "security-group", "remote_group_id")
		if problem != nil || err != nil {
			return policyRule{}, problem, err
		}
		remote = address{SecurityGroup: strings.Join(fq, ":")}
	case sr.RemoteIPPrefix != "":
		p, err := netip.ParsePrefix(sr.RemoteIPPrefix)
		if err != nil {
			return policyRule{}, resource.InvalidField("remote_ip_prefix", "%q is not a CIDR", sr.RemoteIPPrefix), nil
		}
		p = p.Masked() // the server keeps the network address
		remote = address{Subnet: &subnetType{IPPrefix: p.Addr().String(), IPPrefixLen: p.Bits()}}
	}
	dst := portType{Start: 0, End: 65535}
	if sr.PortRangeMin != nil {
		dst.Start = *sr.PortRangeMin
	}
	if sr.PortRangeMax != nil {
		dst.End = *sr.PortRangeMax
	}
	rule = policyRule{Direction: ">", Protocol: sgProtocol(sr.Protocol), Ethertype: eth,
		SrcPorts: []portType{{Start: 0, End: 65535}}, DstPorts: []portType{dst}}
	local := address{SecurityGroup: "local"}
	if sr.Direction == "egress" {
		rule.SrcAddresses, rule.DstAddresses = []address{local}, []address{remote}
	} else {
		rule.SrcAddresses, rule.DstAddresses = []address{remote}, []address{local}
	}
	return rule, nil, nil
}

// sgProtocol spells a rule's protocol the way Contrail accepts it: names
// any, tcp, udp, icmp and icmp6, else a number.
func sgProtocol(p string) string {
	switch p {
	case "":
		return "any"
	case "icmpv6":
		return "icmp6"
	case "sctp":
		return "132"
	}
	return p
}

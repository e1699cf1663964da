package contrail

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// A network policy is a network-policy in the project whose rules name its
// two networks by fq_name string, attached to both networks (a
// network_policy_refs entry on each), as Contrail applies a policy only to
// the networks that refer to it. Annotations record the two networks it was
// made for, so a policy without rules still tells a changed network (which
// needs a new policy) from a lost attachment (which is added again).
var policyKind = &kindImpl{
	typ: "network-policy", parent: "project",
	listFields: "virtual_network_back_refs",
	build:      buildPolicy,
	needs: func(o *vim.Object) map[string][]string {
		spec, ok := o.Spec.(*resource.NetworkPolicy)
		if !ok {
			return nil
		}
		return map[string][]string{"virtual-network": {
			depUUID(o, resource.KindNetwork, spec.SourceNetworkID), depUUID(o, resource.KindNetwork, spec.DestNetworkID)}}
	},
	afterWrite:   attachPolicy,
	beforeDelete: detachPolicy,
}

// The annotation keys of the two networks.
const (
	annotationSource = "orca.source_network"
	annotationDest   = "orca.dest_network"
)

// attachAttr is the link data of a network's ref to a policy.
var attachAttr = map[string]any{"sequence": map[string]any{"major": 0, "minor": 0}, "timer": nil}

func buildPolicy(ctx context.Context, o *vim.Object, r *resolver) (*desired, error) {
	spec, ok := o.Spec.(*resource.NetworkPolicy)
	if !ok {
		return nil, specError(o, &resource.NetworkPolicy{})
	}
	want := &desired{description: spec.Description, props: map[string]any{}}
	ends := []struct {
		field, id, key string
	}{{"source_network_id", spec.SourceNetworkID, annotationSource}, {"dest_network_id", spec.DestNetworkID, annotationDest}}
	fqs := make([]string, 2)
	var annotations []any
	for i, end := range ends {
		uuid, fq, problem, err := r.dep(ctx, o, resource.KindNetwork, end.id, "virtual-network", end.field)
		if err != nil {
			return nil, err
		}
		key := end.key
		if problem != nil {
			want.unresolve(problem)
			if resource.CodeOf(problem) == resource.NotFound {
				// The network is gone (to be remade): the policy cannot
				// be linked to it yet. Update answers with the problem
				// until the network is back, then links it.
				want.checks = append(want.checks, check{field: vim.LinksField, put: map[string]any{}, differs: func(*cobject) bool { return true }})
				continue
			}
			// The network is not known here: whatever the policy names,
			// it is not this one.
			want.checks = append(want.checks, check{field: end.field, differs: func(*cobject) bool { return true }})
			continue
		}
		fqs[i] = strings.Join(fq, ":")
		annotations = append(annotations, map[string]any{"key": key, "value": fqs[i]})
		want.attach = append(want.attach, uuid)
		name := fqs[i]
		want.checks = append(want.checks,
			check{field: end.field, differs: func(c *cobject) bool { return c.annotation(key) != name }},
			// A lost attachment (a network remade) is added again by
			// Update (attachPolicy): the policy itself is right.
			check{field: vim.LinksField, put: map[string]any{}, differs: func(c *cobject) bool {
				return !slices.ContainsFunc(c.VirtualNetworkBackRefs, func(x cref) bool { return x.UUID == uuid })
			}})
	}
	if want.unresolved != nil {
		return want, nil // the rules need both networks' names
	}
	rules := policyRules(spec.Entries, fqs[0], fqs[1], ethertype(o, spec.SourceNetworkID))
	entries := map[string]any{"policy_rule": rules}
	want.props["network_policy_entries"] = entries
	want.props["annotations"] = map[string]any{"key_value_pair": annotations}
	wantRules := canonicalRules(rules)
	want.checks = append(want.checks, check{field: "entries", put: map[string]any{"network_policy_entries": entries},
		differs: func(c *cobject) bool {
			var got []any
			if c.NetworkPolicyEntries != nil {
				got = c.NetworkPolicyEntries.PolicyRule
			}
			return !slices.Equal(canonicalRules(got), wantRules)
		}})
	return want, nil
}

// policyRules turns entries into rules between the two networks, in order
// (the first match wins). A repeated entry is dropped: it could never
// match, and Contrail refuses identical rules.
func policyRules(entries []resource.PolicyEntry, src, dst, eth string) []policyRule {
	out := []policyRule{}
	seen := map[string]bool{}
	for _, e := range entries {
		r := policyRule{
			Direction: or(e.Direction, "<>"), Protocol: or(e.Protocol, "any"), Ethertype: eth,
			SrcAddresses: []address{{VirtualNetwork: src}}, SrcPorts: []portType{ports(e.SrcPorts)},
			DstAddresses: []address{{VirtualNetwork: dst}}, DstPorts: []portType{ports(e.DstPorts)},
			ActionList: &actionList{SimpleAction: or(e.Action, "pass")},
		}
		if key := canonical(r); !seen[key] {
			seen[key] = true
			out = append(out, r)
		}
	}
	return out
}

// ports is a PortRange on the wire; -1/-1 is any port.
func ports(p *resource.PortRange) portType {
	if p == nil {
		return portType{Start: -1, End: -1}
	}
	return portType{Start: p.Start, End: p.End}
}

// ethertype follows the source network's address family, IPv4 unless its
// spec says otherwise.
func ethertype(o *vim.Object, networkID string) string {
	if n, ok := o.Deps[resource.Ref{Kind: resource.KindNetwork, ID: networkID}].Spec.(*resource.Network); ok {
		if p, err := netip.ParsePrefix(n.CIDR); err == nil && p.Addr().Is6() {
			return "IPv6"
		}
	}
	return "IPv4"
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// attachPolicy adds the policy to each of its networks that does not refer
// to it yet (all of them after a create: ADD of an existing ref only
// rewrites its attr). /ref-update changes one ref, where a PUT of
// network_policy_refs would replace the list and could drop a policy
// attached concurrently by another call.
func attachPolicy(ctx context.Context, d *Driver, id string, cur *cobject, want *desired) error {
	for _, vn := range want.attach {
		if cur != nil && slices.ContainsFunc(cur.VirtualNetworkBackRefs, func(x cref) bool { return x.UUID == vn }) {
			continue
		}
		if err := d.refUpdate(ctx, "ADD", "virtual-network", vn, "network-policy", id, attachAttr); err != nil {
			return err
		}
	}
	return nil
}

// detachPolicy takes the policy off every network that refers to it:
// Contrail refuses (409) to delete a policy still in use.
func detachPolicy(ctx context.Context, d *Driver, cur *cobject) error {
	for _, vn := range cur.VirtualNetworkBackRefs {
		err := d.refUpdate(ctx, "DELETE", "virtual-network", vn.UUID, "network-policy", cur.UUID, nil)
		if err != nil && resource.CodeOf(err) != resource.NotFound { // a network gone meanwhile holds no ref
			return err
		}
	}
	return nil
}

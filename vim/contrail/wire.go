package contrail

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/orca-nfv/orca/resource"
)

// cobject is a Contrail object as the driver reads it: the union of the
// fields of the types it serves. Rules and pass-through properties stay
// raw, so they are compared with whatever the server echoes.
type cobject struct {
	UUID        string   `json:"uuid"`
	FQName      []string `json:"fq_name"`
	DisplayName string   `json:"display_name"`
	IDPerms     struct {
		Description *string `json:"description"`
	} `json:"id_perms"`
	Annotations *struct {
		KeyValuePair []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"key_value_pair"`
	} `json:"annotations"`

	NetworkIpamRefs []cref `json:"network_ipam_refs"`
	RouteTargetList *struct {
		RouteTarget []string `json:"route_target"`
	} `json:"route_target_list"`
	NetworkID int64 `json:"virtual_network_network_id"`

	NetworkPolicyEntries   *rawEntries `json:"network_policy_entries"`
	VirtualNetworkBackRefs []cref      `json:"virtual_network_back_refs"`

	SecurityGroupEntries *rawEntries `json:"security_group_entries"`
	SecurityGroupID      int64       `json:"security_group_id"`

	ServiceTemplateProperties *struct {
		ServiceMode string `json:"service_mode"`
		ImageName   string `json:"image_name"`
		Flavor      string `json:"flavor"`
	} `json:"service_template_properties"`

	ServiceTemplateRefs       []cref `json:"service_template_refs"`
	ServiceInstanceProperties any    `json:"service_instance_properties"`
}

// cref is a ref, back-ref or child entry.
type cref struct {
	To   []string        `json:"to"`
	UUID string          `json:"uuid"`
	Attr json.RawMessage `json:"attr"`
}

type rawEntries struct {
	PolicyRule []any `json:"policy_rule"`
}

// annotation returns the value of one annotation key.
func (c *cobject) annotation(key string) string {
	if c.Annotations == nil {
		return ""
	}
	for _, kv := range c.Annotations.KeyValuePair {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// description is id_perms.description, null read as "".
func (c *cobject) description() string {
	if c.IDPerms.Description == nil {
		return ""
	}
	return *c.IDPerms.Description
}

// PolicyRuleType and its parts, as the driver writes them.

type policyRule struct {
	Direction    string      `json:"direction"`
	Protocol     string      `json:"protocol"`
	Ethertype    string      `json:"ethertype"`
	SrcAddresses []address   `json:"src_addresses"`
	SrcPorts     []portType  `json:"src_ports"`
	DstAddresses []address   `json:"dst_addresses"`
	DstPorts     []portType  `json:"dst_ports"`
	ActionList   *actionList `json:"action_list,omitempty"`
}

type address struct {
	VirtualNetwork string      `json:"virtual_network,omitempty"`
	SecurityGroup  string      `json:"security_group,omitempty"`
	Subnet         *subnetType `json:"subnet,omitempty"`
}

type subnetType struct {
	IPPrefix    string `json:"ip_prefix"`
	IPPrefixLen int    `json:"ip_prefix_len"`
}

type portType struct {
	Start int64 `json:"start_port"`
	End   int64 `json:"end_port"`
}

type actionList struct {
	SimpleAction string `json:"simple_action"`
}

// API calls.

// get reads one object; NotFound when the uuid is unknown (or of another
// type).
func (d *Driver) get(ctx context.Context, typ, id string) (*cobject, error) {
	var out map[string]*cobject
	if err := d.do(ctx, "GET", "/"+typ+"/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	c := out[typ]
	if c == nil || c.UUID == "" {
		return nil, resource.Errorf(resource.Unavailable, "contrail: GET /%s/%s: no %s in the answer", typ, id, typ)
	}
	return c, nil
}

// fqToID resolves an fq_name; NotFound when no object has it.
func (d *Driver) fqToID(ctx context.Context, typ string, fq []string) (string, error) {
	var out struct {
		UUID string `json:"uuid"`
	}
	if err := d.do(ctx, "POST", "/fqname-to-id", map[string]any{"type": typ, "fq_name": fq}, &out); err != nil {
		return "", err
	}
	if out.UUID == "" {
		return "", resource.Errorf(resource.Unavailable, "contrail: /fqname-to-id gave no uuid for %s", strings.Join(fq, ":"))
	}
	return out.UUID, nil
}

// listDetail lists the objects of typ under parent with detail, plus the
// extra fields (back-refs) asked for.
func (d *Driver) listDetail(ctx context.Context, typ, parentType string, parent []string, fields string) ([]*cobject, error) {
	q := url.Values{"detail": {"true"}, "parent_type": {parentType}, "parent_fq_name_str": {strings.Join(parent, ":")}}
	if fields != "" {
		q.Set("fields", fields)
	}
	var out map[string][]map[string]*cobject
	if err := d.do(ctx, "GET", "/"+typ+"s?"+q.Encode(), nil, &out); err != nil {
		return nil, err
	}
	var objs []*cobject
	for _, item := range out[typ+"s"] {
		if c := item[typ]; c != nil {
			objs = append(objs, c)
		}
	}
	return objs, nil
}

// names maps the given uuids of typ to fq_names with one list call;
// unknown uuids are left out.
func (d *Driver) names(ctx context.Context, typ string, uuids []string) (map[string][]string, error) {
	var out map[string][]cref
	q := url.Values{"obj_uuids": {strings.Join(uuids, ",")}}
	if err := d.do(ctx, "GET", "/"+typ+"s?"+q.Encode(), nil, &out); err != nil {
		return nil, err
	}
	m := map[string][]string{}
	for _, item := range out[typ+"s"] {
		m[item.UUID] = item.To
	}
	return m, nil
}

// UnmarshalJSON reads a ref entry, or a plain list entry, which has its
// fq_name under "fq_name" instead of "to".
func (c *cref) UnmarshalJSON(b []byte) error {
	var raw struct {
		To     []string        `json:"to"`
		FQName []string        `json:"fq_name"`
		UUID   string          `json:"uuid"`
		Attr   json.RawMessage `json:"attr"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	c.To, c.UUID, c.Attr = raw.To, raw.UUID, raw.Attr
	if c.To == nil {
		c.To = raw.FQName
	}
	return nil
}

// refUpdate adds or removes one ref of the object (typ, id) to (refType,
// refID) without rewriting its other refs.
func (d *Driver) refUpdate(ctx context.Context, op, typ, id, refType, refID string, attr any) error {
	body := map[string]any{"type": typ, "uuid": id, "ref-type": refType, "ref-uuid": refID, "operation": op}
	if op == "ADD" {
		body["attr"] = attr
	}
	return d.do(ctx, "POST", "/ref-update", body, nil)
}

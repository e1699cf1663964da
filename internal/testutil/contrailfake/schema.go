package contrailfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// typeDef describes one Contrail resource type as the fake serves it.
type typeDef struct {
	// parents lists the allowed parent types; nil means config-root.
	parents []string
	// props maps each property to its schema type (see complexTypes);
	// "" accepts any JSON value. Keys not listed here or in refs are
	// dropped, as the real server stores only the fields it knows.
	props map[string]string
	// refs maps each ref field to its link.
	refs map[string]link
	// check validates and normalises a create (old == nil) or an update
	// after the merge. It may fill server-set fields into o.props.
	check func(s *Server, o, old *object) *apiError
	// colonName allows ':' in the name (route-target only).
	colonName bool
}

// link is a ref field's target type and the schema type of its attr (""
// when the link carries none).
type link struct {
	target string
	attr   string
}

// commonProps are the properties every type has.
var commonProps = map[string]string{
	"display_name": "",
	"id_perms":     "IdPermsType",
	"perms2":       "PermType2",
	"annotations":  "KeyValuePairs",
}

// types is the fake's type table: the types the orchestrator uses (§10 of
// the reference).
var types = map[string]*typeDef{
	"domain":  {props: map[string]string{"domain_limits": ""}},
	"project": {parents: []string{"domain"}, props: map[string]string{"quota": ""}},
	"network-ipam": {parents: []string{"project"}, props: map[string]string{
		"network_ipam_mgmt": "", "ipam_subnet_method": "", "ipam_subnets": ""}},
	"virtual-network": {parents: []string{"project"}, props: map[string]string{
		"virtual_network_properties": "VirtualNetworkType",
		"route_target_list":          "RouteTargetList",
		"import_route_target_list":   "RouteTargetList",
		"export_route_target_list":   "RouteTargetList",
		"is_shared":                  "", "router_external": "",
		"virtual_network_network_id": "",
	}, refs: map[string]link{
		"network_ipam_refs":   {target: "network-ipam", attr: "VnSubnetsType"},
		"network_policy_refs": {target: "network-policy", attr: "VirtualNetworkPolicyType"},
	}, check: checkVirtualNetwork},
	"network-policy": {parents: []string{"project"}, props: map[string]string{
		"network_policy_entries": "PolicyEntriesType",
	}, check: checkNetworkPolicy},
	"security-group": {parents: []string{"project"}, props: map[string]string{
		"security_group_entries": "PolicyEntriesType",
		"security_group_id":      "", "configured_security_group_id": "",
	}, check: checkSecurityGroup},
	"service-template": {parents: []string{"domain"}, props: map[string]string{
		"service_template_properties": "ServiceTemplateType",
	}, check: checkServiceTemplate},
	"service-instance": {parents: []string{"project"}, props: map[string]string{
		"service_instance_properties": "ServiceInstanceType",
	}, refs: map[string]link{
		"service_template_refs": {target: "service-template"},
	}, check: checkServiceInstance},
	"route-target": {colonName: true, check: checkRouteTargetObject},
}

// complexTypes is the part of vnc_cfg.xsd the fake validates: for each
// complex type, its keys and their schema types. "[]X" is a list of X, a
// name found in this table is an object of that type, and "" is any value.
// An unknown key is a 400, as on the real server.
var complexTypes = map[string]map[string]string{
	"IdPermsType": {"permissions": "", "uuid": "", "enable": "", "created": "", "creator": "",
		"user_visible": "", "last_modified": "", "description": ""},
	"PermType2":     {"owner": "", "owner_access": "", "global_access": "", "share": "[]ShareType"},
	"ShareType":     {"tenant": "", "tenant_access": ""},
	"KeyValuePairs": {"key_value_pair": "[]KeyValuePair"},
	"KeyValuePair":  {"key": "", "value": ""},
	"VnSubnetsType": {"ipam_subnets": "[]IpamSubnetType", "host_routes": ""},
	"IpamSubnetType": {"subnet": "SubnetType", "default_gateway": "", "dns_server_address": "",
		"subnet_uuid": "", "enable_dhcp": "", "dns_nameservers": "", "allocation_pools": "[]AllocationPoolType",
		"addr_from_start": "", "dhcp_option_list": "", "host_routes": "", "subnet_name": "",
		"alloc_unit": "", "created": "", "last_modified": ""},
	"SubnetType":         {"ip_prefix": "", "ip_prefix_len": ""},
	"AllocationPoolType": {"start": "", "end": "", "vrouter_specific_pool": ""},
	"RouteTargetList":    {"route_target": ""},
	"VirtualNetworkType": {"allow_transit": "", "network_id": "", "vxlan_network_identifier": "",
		"forwarding_mode": "", "rpf": "", "mirror_destination": "", "max_flows": "", "max_flow_rate": ""},
	"VirtualNetworkPolicyType": {"sequence": "SequenceType", "timer": ""},
	"SequenceType":             {"major": "", "minor": ""},
	"PolicyEntriesType":        {"policy_rule": "[]PolicyRuleType"},
	"PolicyRuleType": {"rule_sequence": "SequenceType", "rule_uuid": "", "direction": "", "protocol": "",
		"src_addresses": "[]AddressType", "src_ports": "[]PortType", "application": "",
		"dst_addresses": "[]AddressType", "dst_ports": "[]PortType", "action_list": "ActionListType",
		"ethertype": "", "created": "", "last_modified": "", "agent_id": ""},
	"AddressType": {"subnet": "SubnetType", "virtual_network": "", "security_group": "",
		"network_policy": "", "subnet_list": "[]SubnetType"},
	"PortType": {"start_port": "", "end_port": ""},
	"ActionListType": {"simple_action": "", "gateway_name": "", "apply_service": "", "mirror_to": "",
		"assign_routing_instance": "", "log": "", "alert": "", "qos_action": "", "host_based_service": ""},
	"ServiceTemplateType": {"service_mode": "", "service_type": "", "image_name": "", "service_scaling": "",
		"interface_type": "[]ServiceTemplateInterfaceType", "flavor": "", "ordered_interfaces": "",
		"service_virtualization_type": "", "availability_zone_enable": "", "vrouter_instance_type": "",
		"instance_data": "", "version": ""},
	"ServiceTemplateInterfaceType": {"service_interface_type": "", "shared_ip": "", "static_route_enable": ""},
	"ServiceInstanceType": {"auto_policy": "", "availability_zone": "", "management_virtual_network": "",
		"left_virtual_network": "", "left_ip_address": "", "right_virtual_network": "", "right_ip_address": "",
		"interface_list": "[]ServiceInstanceInterfaceType", "scale_out": "ServiceScaleOutType",
		"ha_mode": "", "virtual_router_id": ""},
	"ServiceInstanceInterfaceType": {"virtual_network": "", "ip_address": "", "static_routes": "",
		"allowed_address_pairs": ""},
	"ServiceScaleOutType": {"max_instances": "", "auto_scale": ""},
}

// validate checks v against schema type typ; where names the value in the
// error.
func validate(typ string, v any, where string) error {
	if typ == "" || v == nil {
		return nil
	}
	if elem, ok := strings.CutPrefix(typ, "[]"); ok {
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: want a list of %s", where, elem)
		}
		for i, x := range list {
			if err := validate(elem, x, fmt.Sprintf("%s[%d]", where, i)); err != nil {
				return err
			}
		}
		return nil
	}
	keys := complexTypes[typ]
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: want an object of type %s", where, typ)
	}
	for k, x := range m {
		sub, known := keys[k]
		if !known {
			return fmt.Errorf("%s: unknown key %q in %s", where, k, typ)
		}
		if err := validate(sub, x, where+"."+k); err != nil {
			return err
		}
	}
	return nil
}

// apiError is an HTTP error the fake answers with a plain-text body, as
// bottle's abort(code, msg) does on the real server.
type apiError struct {
	code int
	msg  string
}

func errorf(code int, format string, args ...any) *apiError {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

func (e *apiError) write(w http.ResponseWriter) { http.Error(w, e.msg, e.code) }

// Helpers reading decoded JSON (numbers are json.Number).

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

// asInt reads an integer; ok is false for anything else.
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case float64:
		return int64(n), float64(int64(n)) == n
	case int64:
		return n, true
	case int:
		return int64(n), true
	}
	return 0, false
}

// clone deep-copies a decoded JSON value.
func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = clone(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = clone(e)
		}
		return l
	}
	return v
}

// canonical is v's JSON with map keys sorted (encoding/json sorts them).
func canonical(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// underscore turns a type name into its field form: "virtual-network" →
// "virtual_network".
func underscore(typ string) string { return strings.ReplaceAll(typ, "-", "_") }

// hyphen turns an underscore type name into the hyphen form.
func hyphen(typ string) string { return strings.ReplaceAll(typ, "_", "-") }

package contrailfake_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The example bodies of the reference (contrail-vnc.md §10.2-10.6),
// verbatim. The fake must accept them and return what the reference says
// the server returns, so it cannot simply agree with a driver's mistakes.
const (
	examplePolicy = `{"network-policy": {
  "fq_name": ["default-domain","admin","pol-left-right"], "parent_type": "project",
  "network_policy_entries": {"policy_rule": [{
     "direction": "<>",
     "protocol": "any",
     "ethertype": "IPv4",
     "src_addresses": [{"virtual_network": "default-domain:admin:vn-left"}],
     "src_ports": [{"start_port": -1, "end_port": -1}],
     "dst_addresses": [{"virtual_network": "default-domain:admin:vn-right"}],
     "dst_ports": [{"start_port": -1, "end_port": -1}],
     "action_list": {"simple_action": "pass"}
  }]}}}`

	exampleNetwork = `{"virtual-network": {
  "fq_name": ["default-domain","admin","vn-left"],
  "parent_type": "project",
  "display_name": "vn-left",
  "network_ipam_refs": [{
     "to": ["default-domain","default-project","default-network-ipam"],
     "attr": {"ipam_subnets": [{
        "subnet": {"ip_prefix": "10.0.1.0", "ip_prefix_len": 24},
        "default_gateway": "10.0.1.1", "enable_dhcp": true, "addr_from_start": true}]}}],
  "network_policy_refs": [{
     "to": ["default-domain","admin","pol-left-right"],
     "attr": {"sequence": {"major": 0, "minor": 0}, "timer": null}}],
  "route_target_list": {"route_target": ["target:64512:10001"]},
  "virtual_network_properties": {"forwarding_mode": "l2_l3", "allow_transit": false}
}}`

	exampleSecurityGroup = `{"security-group": {
  "fq_name": ["default-domain","admin","web-sg"], "parent_type": "project",
  "security_group_entries": {"policy_rule": [
    {"direction": ">", "protocol": "any", "ethertype": "IPv4",
     "src_addresses": [{"security_group": "local"}],
     "src_ports": [{"start_port": 0, "end_port": 65535}],
     "dst_addresses": [{"subnet": {"ip_prefix": "0.0.0.0", "ip_prefix_len": 0}}],
     "dst_ports": [{"start_port": 0, "end_port": 65535}]},
    {"direction": ">", "protocol": "tcp", "ethertype": "IPv4",
     "src_addresses": [{"subnet": {"ip_prefix": "0.0.0.0", "ip_prefix_len": 0}}],
     "src_ports": [{"start_port": 0, "end_port": 65535}],
     "dst_addresses": [{"security_group": "local"}],
     "dst_ports": [{"start_port": 22, "end_port": 22}]}]}}}`

	exampleTemplate = `{"service-template": {
  "fq_name": ["default-domain","fw-template"], "parent_type": "domain",
  "service_template_properties": {
    "version": 1,
    "service_mode": "in-network",
    "service_type": "firewall",
    "image_name": "vsrx",
    "flavor": "m1.medium",
    "service_scaling": false,
    "ordered_interfaces": true,
    "service_virtualization_type": "virtual-machine",
    "interface_type": [
      {"service_interface_type": "management", "shared_ip": false, "static_route_enable": false},
      {"service_interface_type": "left"},
      {"service_interface_type": "right"}]}}}`

	exampleInstance = `{"service-instance": {
  "fq_name": ["default-domain","admin","fw-si"], "parent_type": "project",
  "service_template_refs": [{"to": ["default-domain","fw-template"], "attr": null}],
  "service_instance_properties": {
    "scale_out": {"max_instances": 1, "auto_scale": false},
    "interface_list": [
      {"virtual_network": ""},
      {"virtual_network": "default-domain:admin:vn-left"},
      {"virtual_network": "default-domain:admin:vn-right"}]}}}`
)

// defaultIDPerms is id_perms as the server fills it in (§3), with the
// timestamps settled.
const defaultIDPerms = `{"enable": true, "description": null, "user_visible": true, "creator": null,
  "created": "<set>", "last_modified": "<set>",
  "permissions": {"owner": "cloud-admin", "owner_access": 7, "group": "cloud-admin-group",
    "group_access": 7, "other_access": 7}}`

func TestReferenceExamples(t *testing.T) {
	c := newServer(t, nil)
	base := c.srv.URL()
	vars := map[string]string{"base": base, "idperms": defaultIDPerms,
		"admin":  c.uuidOf("project", "default-domain", "admin"),
		"domain": c.uuidOf("domain", "default-domain"),
		"ipam":   c.uuidOf("network-ipam", "default-domain", "default-project", "default-network-ipam"),
	}
	// Creates answer 200 with the short body (§2).
	created := func(typ, body, want string) string {
		t.Helper()
		got := c.ok("POST", "/"+typ+"s", body)
		id, _ := got[typ].(map[string]any)["uuid"].(string)
		if !uuidRe.MatchString(id) {
			t.Fatalf("POST /%ss: uuid %q in %v", typ, id, got)
		}
		vars[typ] = id
		if diff := cmp.Diff(expand(t, want, vars), got); diff != "" {
			t.Errorf("POST /%ss answer (-want +got):\n%s", typ, diff)
		}
		return id
	}
	// GET returns the whole object (§4) with refs, back-refs, children
	// and hrefs (§12).
	read := func(typ, want string) {
		t.Helper()
		got := settle(t, c.ok("GET", "/"+typ+"/"+vars[typ], ""))
		if diff := cmp.Diff(expand(t, want, vars), got); diff != "" {
			t.Errorf("GET /%s (-want +got):\n%s", typ, diff)
		}
	}

	// §10.3 first: a policy names networks by strings, so it may come
	// before them (§11.1).
	created("network-policy", examplePolicy, `{"network-policy": {"name": "pol-left-right",
	  "fq_name": ["default-domain","admin","pol-left-right"], "uuid": "{{network-policy}}",
	  "href": "{{base}}/network-policy/{{network-policy}}", "parent_type": "project",
	  "parent_uuid": "{{admin}}", "parent_href": "{{base}}/project/{{admin}}"}}`)
	created("virtual-network", exampleNetwork, `{"virtual-network": {"name": "vn-left",
	  "fq_name": ["default-domain","admin","vn-left"], "uuid": "{{virtual-network}}",
	  "href": "{{base}}/virtual-network/{{virtual-network}}", "parent_type": "project",
	  "parent_uuid": "{{admin}}", "parent_href": "{{base}}/project/{{admin}}"}}`)
	read("virtual-network", `{"virtual-network": {
	  "uuid": "{{virtual-network}}", "name": "vn-left", "fq_name": ["default-domain","admin","vn-left"],
	  "href": "{{base}}/virtual-network/{{virtual-network}}", "display_name": "vn-left",
	  "parent_type": "project", "parent_uuid": "{{admin}}", "parent_href": "{{base}}/project/{{admin}}",
	  "id_perms": {{idperms}},
	  "perms2": {"owner": "cloud-admin", "owner_access": 7, "global_access": 0, "share": []},
	  "network_ipam_refs": [{"to": ["default-domain","default-project","default-network-ipam"],
	    "uuid": "{{ipam}}", "href": "{{base}}/network-ipam/{{ipam}}",
	    "attr": {"ipam_subnets": [{"subnet": {"ip_prefix": "10.0.1.0", "ip_prefix_len": 24},
	      "default_gateway": "10.0.1.1", "dns_server_address": "10.0.1.2", "enable_dhcp": true,
	      "addr_from_start": true, "subnet_uuid": "<set>"}]}}],
	  "network_policy_refs": [{"to": ["default-domain","admin","pol-left-right"],
	    "uuid": "{{network-policy}}", "href": "{{base}}/network-policy/{{network-policy}}",
	    "attr": {"sequence": {"major": 0, "minor": 0}, "timer": null}}],
	  "route_target_list": {"route_target": ["target:64512:10001"]},
	  "virtual_network_properties": {"forwarding_mode": "l2_l3", "allow_transit": false},
	  "virtual_network_network_id": 4}}`)
	read("network-policy", `{"network-policy": {
	  "uuid": "{{network-policy}}", "name": "pol-left-right", "fq_name": ["default-domain","admin","pol-left-right"],
	  "href": "{{base}}/network-policy/{{network-policy}}", "display_name": "pol-left-right",
	  "parent_type": "project", "parent_uuid": "{{admin}}", "parent_href": "{{base}}/project/{{admin}}",
	  "id_perms": {{idperms}},
	  "perms2": {"owner": "cloud-admin", "owner_access": 7, "global_access": 0, "share": []},
	  "network_policy_entries": {"policy_rule": [{"direction": "<>", "protocol": "any", "ethertype": "IPv4",
	    "src_addresses": [{"virtual_network": "default-domain:admin:vn-left"}],
	    "src_ports": [{"start_port": -1, "end_port": -1}],
	    "dst_addresses": [{"virtual_network": "default-domain:admin:vn-right"}],
	    "dst_ports": [{"start_port": -1, "end_port": -1}],
	    "action_list": {"simple_action": "pass"}, "rule_uuid": "<set>"}]},
	  "virtual_network_back_refs": [{"to": ["default-domain","admin","vn-left"],
	    "uuid": "{{virtual-network}}", "href": "{{base}}/virtual-network/{{virtual-network}}",
	    "attr": {"sequence": {"major": 0, "minor": 0}, "timer": null}}]}}`)

	created("security-group", exampleSecurityGroup, `{"security-group": {"name": "web-sg",
	  "fq_name": ["default-domain","admin","web-sg"], "uuid": "{{security-group}}",
	  "href": "{{base}}/security-group/{{security-group}}", "parent_type": "project",
	  "parent_uuid": "{{admin}}", "parent_href": "{{base}}/project/{{admin}}"}}`)
	read("security-group", `{"security-group": {
	  "uuid": "{{security-group}}", "name": "web-sg", "fq_name": ["default-domain","admin","web-sg"],
	  "href": "{{base}}/security-group/{{security-group}}", "display_name": "web-sg",
	  "parent_type": "project", "parent_uuid": "{{admin}}", "parent_href": "{{base}}/project/{{admin}}",
	  "id_perms": {{idperms}},
	  "perms2": {"owner": "cloud-admin", "owner_access": 7, "global_access": 0, "share": []},
	  "security_group_id": 8000001,
	  "security_group_entries": {"policy_rule": [
	    {"direction": ">", "protocol": "any", "ethertype": "IPv4", "rule_uuid": "<set>",
	     "src_addresses": [{"security_group": "local"}],
	     "src_ports": [{"start_port": 0, "end_port": 65535}],
	     "dst_addresses": [{"subnet": {"ip_prefix": "0.0.0.0", "ip_prefix_len": 0}}],
	     "dst_ports": [{"start_port": 0, "end_port": 65535}]},
	    {"direction": ">", "protocol": "tcp", "ethertype": "IPv4", "rule_uuid": "<set>",
	     "src_addresses": [{"subnet": {"ip_prefix": "0.0.0.0", "ip_prefix_len": 0}}],
	     "src_ports": [{"start_port": 0, "end_port": 65535}],
	     "dst_addresses": [{"security_group": "local"}],
	     "dst_ports": [{"start_port": 22, "end_port": 22}]}]}}}`)

	// §10.5: a template lives in the domain, which shares it (perms2).
	created("service-template", exampleTemplate, `{"service-template": {"name": "fw-template",
	  "fq_name": ["default-domain","fw-template"], "uuid": "{{service-template}}",
	  "href": "{{base}}/service-template/{{service-template}}", "parent_type": "domain",
	  "parent_uuid": "{{domain}}", "parent_href": "{{base}}/domain/{{domain}}"}}`)
	created("service-instance", exampleInstance, `{"service-instance": {"name": "fw-si",
	  "fq_name": ["default-domain","admin","fw-si"], "uuid": "{{service-instance}}",
	  "href": "{{base}}/service-instance/{{service-instance}}", "parent_type": "project",
	  "parent_uuid": "{{admin}}", "parent_href": "{{base}}/project/{{admin}}"}}`)
	read("service-template", `{"service-template": {
	  "uuid": "{{service-template}}", "name": "fw-template", "fq_name": ["default-domain","fw-template"],
	  "href": "{{base}}/service-template/{{service-template}}", "display_name": "fw-template",
	  "parent_type": "domain", "parent_uuid": "{{domain}}", "parent_href": "{{base}}/domain/{{domain}}",
	  "id_perms": {{idperms}},
	  "perms2": {"owner": "cloud-admin", "owner_access": 7, "global_access": 0,
	    "share": [{"tenant": "domain:{{domain}}", "tenant_access": 5}]},
	  "service_template_properties": {"version": 1, "service_mode": "in-network", "service_type": "firewall",
	    "image_name": "vsrx", "flavor": "m1.medium", "service_scaling": false, "ordered_interfaces": true,
	    "service_virtualization_type": "virtual-machine",
	    "interface_type": [
	      {"service_interface_type": "management", "shared_ip": false, "static_route_enable": false},
	      {"service_interface_type": "left"}, {"service_interface_type": "right"}]},
	  "service_instance_back_refs": [{"to": ["default-domain","admin","fw-si"], "uuid": "{{service-instance}}",
	    "href": "{{base}}/service-instance/{{service-instance}}", "attr": null}]}}`)
	read("service-instance", `{"service-instance": {
	  "uuid": "{{service-instance}}", "name": "fw-si", "fq_name": ["default-domain","admin","fw-si"],
	  "href": "{{base}}/service-instance/{{service-instance}}", "display_name": "fw-si",
	  "parent_type": "project", "parent_uuid": "{{admin}}", "parent_href": "{{base}}/project/{{admin}}",
	  "id_perms": {{idperms}},
	  "perms2": {"owner": "cloud-admin", "owner_access": 7, "global_access": 0, "share": []},
	  "service_template_refs": [{"to": ["default-domain","fw-template"], "uuid": "{{service-template}}",
	    "href": "{{base}}/service-template/{{service-template}}", "attr": null}],
	  "service_instance_properties": {"scale_out": {"max_instances": 1, "auto_scale": false},
	    "interface_list": [{"virtual_network": ""}, {"virtual_network": "default-domain:admin:vn-left"},
	      {"virtual_network": "default-domain:admin:vn-right"}]}}}`)

	// The project lists its children (§6).
	project := c.ok("GET", "/project/"+vars["admin"], "")["project"].(map[string]any)
	for field, typ := range map[string]string{"virtual_networks": "virtual-network", "network_policys": "network-policy",
		"security_groups": "security-group", "service_instances": "service-instance"} {
		want := []any{map[string]any{"to": c.ok("POST", "/id-to-fqname", `{"uuid": "`+vars[typ]+`"}`)["fq_name"],
			"uuid": vars[typ], "href": base + "/" + typ + "/" + vars[typ]}}
		if diff := cmp.Diff(want, project[field]); diff != "" {
			t.Errorf("project's %s (-want +got):\n%s", field, diff)
		}
	}

	// Deletion order (§11.2): what is still referred to answers 409 with a
	// plain-text message; taking the refs away first works.
	for _, tc := range []struct{ typ, msg string }{
		{"network-policy", "Delete when resource still referred"},
		{"service-template", "Delete when resource still referred"},
		{"project", "Delete when children still present"},
	} {
		id := vars[tc.typ]
		if tc.typ == "project" {
			id = vars["admin"]
		}
		r := c.do("DELETE", "/"+tc.typ+"/"+id, "")
		if r.status != 409 || !strings.HasPrefix(string(r.body), tc.msg) {
			t.Errorf("DELETE %s in use = %d %q, want 409 %q", tc.typ, r.status, r.body, tc.msg)
		}
	}
	c.ok("PUT", "/virtual-network/"+vars["virtual-network"], `{"virtual-network": {"network_policy_refs": []}}`)
	for _, typ := range []string{"network-policy", "service-instance", "service-template", "virtual-network", "security-group"} {
		r := c.do("DELETE", "/"+typ+"/"+vars[typ], "")
		if r.status != 200 || len(r.body) != 0 {
			t.Errorf("DELETE %s = %d %q, want 200 with an empty body", typ, r.status, r.body)
		}
	}
}

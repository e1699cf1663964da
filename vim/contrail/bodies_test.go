package contrail_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

const idPerms = `"id_perms": {"enable": true, "description": "%s"}`

func perms(desc string) string { return strings.Replace(idPerms, "%s", desc, 1) }

// requests turns recorded requests into decoded JSON for comparison.
func requests(t *testing.T, reqs []sent) any {
	t.Helper()
	b, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	return decoded(t, string(b))
}

func expandVars(s string, vars map[string]string) string {
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	return s
}

// TestCreateBodies checks, for each kind, every request Create sends and
// its JSON body. The fake (which follows the reference) accepts them all.
func TestCreateBodies(t *testing.T) {
	tests := map[string]struct {
		object func(e *env, vars map[string]string) *vim.Object
		want   string
	}{
		"network with a subnet and route targets": {
			object: func(e *env, _ map[string]string) *vim.Object {
				// The address is not the network's: Contrail keeps the
				// network address. A route target at 0 has no number yet;
				// a repeated one is one entry.
				return network("net-1", "10.1.2.7/24", 10001, 0, 10001, 42)
			},
			want: `[{"Method": "POST", "Path": "/virtual-networks", "Body": {"virtual-network": {
			  "fq_name": ["default-domain","admin","net-1"], "parent_type": "project", "display_name": "net net-1",
			  ` + perms("network net-1") + `,
			  "network_ipam_refs": [{"to": ["default-domain","default-project","default-network-ipam"],
			    "attr": {"ipam_subnets": [{"subnet": {"ip_prefix": "10.1.2.0", "ip_prefix_len": 24},
			      "addr_from_start": true, "enable_dhcp": true}]}}],
			  "route_target_list": {"route_target": ["target:64512:10001", "target:64512:42"]}}}}]`,
		},
		"network policy attached to both networks": {
			object: func(e *env, vars map[string]string) *vim.Object {
				a, b := network("net-a", "10.1.0.0/24"), network("net-b", "10.2.0.0/24")
				vars["a"], vars["b"] = e.create(a), e.create(b)
				return policyBetween("pol-1", a, b,
					resource.PolicyEntry{Action: "pass", Direction: "<>", Protocol: "tcp", DstPorts: &resource.PortRange{Start: 80, End: 80}},
					resource.PolicyEntry{Action: "deny", Direction: ">", Protocol: "any"},
					resource.PolicyEntry{Action: "deny", Direction: ">", Protocol: "any"})
			},
			want: `[
			  {"Method": "GET", "Path": "/virtual-networks?obj_uuids={{a}}%2C{{b}}", "Body": null},
			  {"Method": "POST", "Path": "/network-policys", "Body": {"network-policy": {
			    "fq_name": ["default-domain","admin","pol-1"], "parent_type": "project", "display_name": "policy pol-1",
			    ` + perms("policy pol-1") + `,
			    "annotations": {"key_value_pair": [{"key": "orca.source_network", "value": "default-domain:admin:net-a"},
			      {"key": "orca.dest_network", "value": "default-domain:admin:net-b"}]},
			    "network_policy_entries": {"policy_rule": [
			      {"direction": "<>", "protocol": "tcp", "ethertype": "IPv4",
			       "src_addresses": [{"virtual_network": "default-domain:admin:net-a"}], "src_ports": [{"start_port": -1, "end_port": -1}],
			       "dst_addresses": [{"virtual_network": "default-domain:admin:net-b"}], "dst_ports": [{"start_port": 80, "end_port": 80}],
			       "action_list": {"simple_action": "pass"}},
			      {"direction": ">", "protocol": "any", "ethertype": "IPv4",
			       "src_addresses": [{"virtual_network": "default-domain:admin:net-a"}], "src_ports": [{"start_port": -1, "end_port": -1}],
			       "dst_addresses": [{"virtual_network": "default-domain:admin:net-b"}], "dst_ports": [{"start_port": -1, "end_port": -1}],
			       "action_list": {"simple_action": "deny"}}]}}}},
			  {"Method": "POST", "Path": "/ref-update", "Body": {"type": "virtual-network", "uuid": "{{a}}", "operation": "ADD",
			    "ref-type": "network-policy", "ref-uuid": "{{id}}", "attr": {"sequence": {"major": 0, "minor": 0}, "timer": null}}},
			  {"Method": "POST", "Path": "/ref-update", "Body": {"type": "virtual-network", "uuid": "{{b}}", "operation": "ADD",
			    "ref-type": "network-policy", "ref-uuid": "{{id}}", "attr": {"sequence": {"major": 0, "minor": 0}, "timer": null}}}]`,
		},
		"security group rules": {
			object: func(e *env, vars map[string]string) *vim.Object {
				remote := &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalSecurityGroup, ID: "sg-remote"},
					Kind: resource.KindSecurityGroup, Spec: &resource.SecurityGroup{}}
				vars["remote"] = e.create(remote)
				rule := func(id string, r *resource.SecurityGroupRule) vim.Part {
					return vim.Part{Ref: resource.Ref{Kind: resource.KindSecurityGroupRule, ID: id}, Spec: r}
				}
				return &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalSecurityGroup, ID: "sg-1"},
					Kind: resource.KindSecurityGroup, Global: resource.Ref{Kind: resource.KindSecurityGroup, ID: "web-global"},
					Name: "web", Spec: &resource.SecurityGroup{Description: "web", ContrailID: 12},
					Deps: map[resource.Ref]vim.Dep{{Kind: resource.KindSecurityGroup, ID: "remote-global"}: {ExternalID: vars["remote"]}},
					Parts: []vim.Part{
						rule("ssh", &resource.SecurityGroupRule{Direction: "ingress", EtherType: "IPv4", Protocol: "tcp",
							PortRangeMin: i64(22), PortRangeMax: i64(22), RemoteIPPrefix: "10.1.2.3/8"}),
						rule("out", &resource.SecurityGroupRule{Direction: "egress", EtherType: "IPv4", Protocol: "any"}),
						rule("out-again", &resource.SecurityGroupRule{Direction: "egress", EtherType: "IPv4", Protocol: "any"}),
						rule("ping6", &resource.SecurityGroupRule{Direction: "ingress", EtherType: "IPv6", Protocol: "icmpv6"}),
						rule("peers", &resource.SecurityGroupRule{Direction: "ingress", EtherType: "IPv4", Protocol: "sctp", RemoteGroupID: "remote-global"}),
						rule("members", &resource.SecurityGroupRule{Direction: "ingress", EtherType: "IPv4", Protocol: "udp", RemoteGroupID: "web-global"}),
					}}
			},
			want: `[
			  {"Method": "GET", "Path": "/security-groups?obj_uuids={{remote}}", "Body": null},
			  {"Method": "POST", "Path": "/security-groups", "Body": {"security-group": {
			    "fq_name": ["default-domain","admin","sg-1"], "parent_type": "project", "display_name": "web", ` + perms("web") + `,
			    "security_group_entries": {"policy_rule": [
			      {"direction": ">", "protocol": "tcp", "ethertype": "IPv4",
			       "src_addresses": [{"subnet": {"ip_prefix": "10.0.0.0", "ip_prefix_len": 8}}], "src_ports": [{"start_port": 0, "end_port": 65535}],
			       "dst_addresses": [{"security_group": "local"}], "dst_ports": [{"start_port": 22, "end_port": 22}]},
			      {"direction": ">", "protocol": "any", "ethertype": "IPv4",
			       "src_addresses": [{"security_group": "local"}], "src_ports": [{"start_port": 0, "end_port": 65535}],
			       "dst_addresses": [{"subnet": {"ip_prefix": "0.0.0.0", "ip_prefix_len": 0}}], "dst_ports": [{"start_port": 0, "end_port": 65535}]},
			      {"direction": ">", "protocol": "icmp6", "ethertype": "IPv6",
			       "src_addresses": [{"subnet": {"ip_prefix": "::", "ip_prefix_len": 0}}], "src_ports": [{"start_port": 0, "end_port": 65535}],
			       "dst_addresses": [{"security_group": "local"}], "dst_ports": [{"start_port": 0, "end_port": 65535}]},
			      {"direction": ">", "protocol": "132", "ethertype": "IPv4",
			       "src_addresses": [{"security_group": "default-domain:admin:sg-remote"}], "src_ports": [{"start_port": 0, "end_port": 65535}],
			       "dst_addresses": [{"security_group": "local"}], "dst_ports": [{"start_port": 0, "end_port": 65535}]},
			      {"direction": ">", "protocol": "udp", "ethertype": "IPv4",
			       "src_addresses": [{"security_group": "default-domain:admin:sg-1"}], "src_ports": [{"start_port": 0, "end_port": 65535}],
			       "dst_addresses": [{"security_group": "local"}], "dst_ports": [{"start_port": 0, "end_port": 65535}]}]}}}}]`,
		},
		"service template in the domain": {
			object: func(*env, map[string]string) *vim.Object { return template("st-1") },
			want: `[{"Method": "POST", "Path": "/service-templates", "Body": {"service-template": {
			  "fq_name": ["default-domain","st-1"], "parent_type": "domain", "display_name": "template st-1", ` + perms("fw") + `,
			  "service_template_properties": {"version": 1, "service_mode": "in-network", "image_name": "vsrx", "flavor": "m1.medium"}}}}]`,
		},
		"service instance": {
			object: func(e *env, vars map[string]string) *vim.Object {
				tmpl := template("st-1")
				vars["tmpl"] = e.create(tmpl)
				return instance("si-1", tmpl, map[string]any{"scale_out": map[string]any{"max_instances": 1},
					"interface_list": []any{map[string]any{"virtual_network": ""}}})
			},
			want: `[
			  {"Method": "GET", "Path": "/service-templates?obj_uuids={{tmpl}}", "Body": null},
			  {"Method": "POST", "Path": "/service-instances", "Body": {"service-instance": {
			    "fq_name": ["default-domain","admin","si-1"], "parent_type": "project", "display_name": "instance si-1", ` + perms("si") + `,
			    "service_template_refs": [{"to": ["default-domain","st-1"], "attr": null}],
			    "service_instance_properties": {"scale_out": {"max_instances": 1}, "interface_list": [{"virtual_network": ""}]}}}}]`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil)
			vars := map[string]string{}
			o := tc.object(e, vars)
			e.rec.take()
			vars["id"] = e.create(o)
			if diff := cmp.Diff(decoded(t, expandVars(tc.want, vars)), requests(t, e.rec.take())); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if obs := e.observe(o); !obs.Exists || len(obs.Drift) != 0 {
				t.Errorf("after Create: %+v", obs)
			}
		})
	}
}

// TestUpdateSendsOnlyWhatChanged checks that Update PUTs the properties
// that differ and nothing else (none when nothing does).
func TestUpdateSendsOnlyWhatChanged(t *testing.T) {
	tests := map[string]struct {
		change func(o *vim.Object)
		want   string // the PUT body; "" for no PUT
	}{
		"nothing": {change: func(*vim.Object) {}},
		"description": {
			change: func(o *vim.Object) { o.Spec.(*resource.Network).Description = "new" },
			want:   `{"virtual-network": {` + perms("new") + `}}`,
		},
		"route targets": {
			change: func(o *vim.Object) { o.Parts = network("net-1", "10.0.0.0/24", 7).Parts },
			want:   `{"virtual-network": {"route_target_list": {"route_target": ["target:64512:7"]}}}`,
		},
		"all route targets gone": {
			change: func(o *vim.Object) { o.Parts = nil },
			want:   `{"virtual-network": {"route_target_list": {"route_target": []}}}`,
		},
		"name and description": {
			change: func(o *vim.Object) { o.Name = "renamed"; o.Spec.(*resource.Network).Description = "new" },
			want:   `{"virtual-network": {"display_name": "renamed", ` + perms("new") + `}}`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil)
			o := network("net-1", "10.0.0.0/24", 5)
			e.create(o)
			tc.change(o)
			e.rec.take()
			if err := e.d.Update(context.Background(), o); err != nil {
				t.Fatalf("Update: %v", err)
			}
			var puts []any
			for _, r := range e.rec.take() {
				if r.Method == "PUT" {
					puts = append(puts, r.Body)
				}
			}
			var want []any
			if tc.want != "" {
				want = []any{decoded(t, tc.want)}
			}
			if diff := cmp.Diff(want, puts); diff != "" {
				t.Errorf("PUT bodies (-want +got):\n%s", diff)
			}
			if obs := e.observe(o); len(obs.Drift) != 0 {
				t.Errorf("drift after Update: %v", obs.Drift)
			}
		})
	}
}

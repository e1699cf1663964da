package osfake

import (
	"net/http"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type ruleSummary struct {
	Direction, EtherType string
	Protocol, Remote     any
	Description          any
}

func rulesOf(group any) []ruleSummary {
	var out []ruleSummary
	for _, r := range get(group, "security_group_rules").([]any) {
		remote := get(r, "remote_ip_prefix")
		if g := get(r, "remote_group_id"); g != nil {
			remote = "group"
		}
		out = append(out, ruleSummary{str2(r, "direction"), str2(r, "ethertype"), get(r, "protocol"), remote, get(r, "description")})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Direction+out[i].EtherType < out[j].Direction+out[j].EtherType
	})
	return out
}

// TestSecurityGroupDefaults: a new group has Neutron's two egress rules
// (no description: null), a project's "default" group also lets members
// in.
func TestSecurityGroupDefaults(t *testing.T) {
	_, c := newFake(t, nil)
	g := c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/security-groups",
		map[string]any{"security_group": map[string]any{"name": "web", "description": "d"}})
	want := []ruleSummary{{"egress", "IPv4", nil, nil, nil}, {"egress", "IPv6", nil, nil, nil}}
	if diff := cmp.Diff(want, rulesOf(get(g, "security_group"))); diff != "" {
		t.Errorf("a new group's rules (-want +got):\n%s", diff)
	}
	list := c.must(http.StatusOK, http.MethodGet, "/network/v2.0/security-groups?name=default", nil)
	groups := get(list, "security_groups").([]any)
	if len(groups) != 1 {
		t.Fatalf("%d default groups, want 1", len(groups))
	}
	want = []ruleSummary{{"egress", "IPv4", nil, nil, nil}, {"egress", "IPv6", nil, nil, nil},
		{"ingress", "IPv4", nil, "group", ""}, {"ingress", "IPv6", nil, "group", ""}}
	if diff := cmp.Diff(want, rulesOf(groups[0])); diff != "" {
		t.Errorf("the default group's rules (-want +got):\n%s", diff)
	}
	r := c.do(http.MethodPost, "/network/v2.0/security-groups", map[string]any{"security_group": map[string]any{"name": "default"}})
	if r.status != http.StatusConflict || str2(r.json(t), "NeutronError", "type") != "SecurityGroupDefaultAlreadyExists" {
		t.Errorf("a second default group = %d %s", r.status, r.body)
	}
}

func TestSecurityGroupRules(t *testing.T) {
	_, c := newFake(t, nil)
	g := str2(c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/security-groups",
		map[string]any{"security_group": map[string]any{"name": "g"}}), "security_group", "id")
	rule := func(kv ...any) map[string]any {
		m := map[string]any{"security_group_id": g, "direction": "ingress", "ethertype": "IPv4"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return map[string]any{"security_group_rule": m}
	}
	ssh := rule("protocol", "tcp", "port_range_min", 22, "port_range_max", 22, "remote_ip_prefix", "10.0.0.0/8", "description", "orca-x")
	type result struct {
		Status int
		Type   string
		Msg    string
	}
	// Run in order: later steps see earlier rules.
	steps := []struct {
		name string
		body map[string]any
		want result
	}{
		{"ssh", ssh, result{201, "", ""}},
		{"duplicate, another description", rule("protocol", "tcp", "port_range_min", 22, "port_range_max", 22,
			"remote_ip_prefix", "10.0.0.0/8", "description", "other"), result{409, "SecurityGroupRuleExists", "Security group rule already exists. Rule id is <ssh>."}},
		{"the prefix spelt otherwise is not a duplicate", rule("protocol", "tcp", "port_range_min", 22, "port_range_max", 22,
			"remote_ip_prefix", "10.1.2.3/8"), result{201, "", ""}},
		{"duplicate of the default egress", rule("direction", "egress"), result{409, "SecurityGroupRuleExists", ""}},
		{"remote group", rule("remote_group_id", g), result{201, "", ""}},
		{"both remotes", rule("remote_group_id", g, "remote_ip_prefix", "1.2.3.0/24"),
			result{400, "SecurityGroupMultipleRemoteEntites", "Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided."}},
		{"protocol any", rule("protocol", "any"), result{400, "SecurityGroupRuleInvalidProtocol", ""}},
		{"protocol by number", rule("protocol", "132"), result{201, "", ""}},
		{"bad direction", rule("direction", "sideways"),
			result{400, "HTTPBadRequest", "Invalid input for direction. Reason: sideways is not in valid_values."}},
		{"ethertype against the prefix", rule("ethertype", "IPv6", "remote_ip_prefix", "10.0.0.0/8"),
			result{400, "SecurityGroupRuleParameterConflict", "Conflicting value ethertype IPv6 for CIDR 10.0.0.0/8"}},
		{"min above max", rule("protocol", "tcp", "port_range_min", 30, "port_range_max", 22),
			result{400, "SecurityGroupInvalidPortRange", "For TCP/UDP protocols, port_range_min must be <= port_range_max"}},
		{"ports without protocol", rule("port_range_min", 30, "port_range_max", 32),
			result{400, "SecurityGroupProtocolRequiredWithPorts", "Must also specify protocol if port range is given."}},
		{"port 0", rule("protocol", "udp", "port_range_min", 0, "port_range_max", 0),
			result{400, "SecurityGroupInvalidPortValue", "Invalid value for port 0"}},
		{"unknown group", map[string]any{"security_group_rule": map[string]any{"security_group_id": "00000000-0000-0000-0000-000000000000",
			"direction": "ingress"}}, result{404, "SecurityGroupNotFound", "Security group 00000000-0000-0000-0000-000000000000 does not exist"}},
		{"no body", map[string]any{"foo": map[string]any{}}, result{400, "HTTPBadRequest", "Unable to find 'security_group_rule' in request body"}},
	}
	sshID := ""
	for _, st := range steps {
		r := c.do(http.MethodPost, "/network/v2.0/security-group-rules", st.body)
		body := r.json(t)
		got := result{r.status, str2(body, "NeutronError", "type"), str2(body, "NeutronError", "message")}
		if st.name == "ssh" {
			sshID = str2(body, "security_group_rule", "id")
			if n := get(body, "security_group_rule", "normalized_cidr"); n != "10.0.0.0/8" {
				t.Errorf("normalized_cidr = %v", n)
			}
		}
		want := st.want
		if want.Msg == "Security group rule already exists. Rule id is <ssh>." {
			want.Msg = "Security group rule already exists. Rule id is " + sshID + "."
		}
		if want.Msg == "" && want.Status != 201 {
			got.Msg = ""
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
	}
	c.must(http.StatusNoContent, http.MethodDelete, "/network/v2.0/security-group-rules/"+sshID, nil)
	r := c.do(http.MethodDelete, "/network/v2.0/security-group-rules/"+sshID, nil)
	if r.status != http.StatusNotFound || str2(r.json(t), "NeutronError", "type") != "SecurityGroupRuleNotFound" {
		t.Errorf("deleting a deleted rule = %d %s", r.status, r.body)
	}
}

// TestNetworkInUse: a network (and a security group) with a server on it
// cannot be deleted (409) until the server is gone; subnets go with their
// network.
func TestNetworkInUse(t *testing.T) {
	srv, c := newFake(t, nil)
	net := c.network("n", "10.1.0.0/24")
	g := str2(c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/security-groups",
		map[string]any{"security_group": map[string]any{"name": "g"}}), "security_group", "id")
	server := c.boot("s", net, map[string]any{"security_groups": []any{map[string]any{"name": g}}})

	r := c.do(http.MethodDelete, "/network/v2.0/networks/"+net, nil)
	if r.status != http.StatusConflict || str2(r.json(t), "NeutronError", "type") != "NetworkInUse" {
		t.Fatalf("deleting a network in use = %d %s", r.status, r.body)
	}
	r = c.do(http.MethodDelete, "/network/v2.0/security-groups/"+g, nil)
	if r.status != http.StatusConflict || str2(r.json(t), "NeutronError", "message") != "Security Group "+g+" in use." {
		t.Fatalf("deleting a group in use = %d %s", r.status, r.body)
	}
	c.nova(http.StatusNoContent, http.MethodDelete, "/servers/"+server, nil)
	// Still deleting: still in use.
	if r := c.do(http.MethodDelete, "/network/v2.0/networks/"+net, nil); r.status != http.StatusConflict {
		t.Fatalf("deleting the network while its server is deleting = %d", r.status)
	}
	srv.Step()
	c.must(http.StatusNoContent, http.MethodDelete, "/network/v2.0/networks/"+net, nil)
	c.must(http.StatusNoContent, http.MethodDelete, "/network/v2.0/security-groups/"+g, nil)
	if n := len(srv.Objects(KindSubnet)); n != 0 {
		t.Errorf("%d subnets left after their network went", n)
	}
	r = c.do(http.MethodDelete, "/network/v2.0/networks/"+net, nil)
	if r.status != http.StatusNotFound || str2(r.json(t), "NeutronError", "message") != "Network "+net+" could not be found." {
		t.Errorf("deleting it again = %d %s", r.status, r.body)
	}
}

func TestSubnets(t *testing.T) {
	_, c := newFake(t, nil)
	net := str2(c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/networks",
		map[string]any{"network": map[string]any{"name": "n", "description": "d1"}}), "network", "id")
	subnet := func(cidr string, version int) map[string]any {
		return map[string]any{"subnet": map[string]any{"network_id": net, "cidr": cidr, "ip_version": version}}
	}
	type result struct {
		Status             int
		Msg                string
		CIDR, Gateway      string
		PoolStart, PoolEnd string
	}
	steps := []struct {
		name string
		body map[string]any
		want result
	}{
		{"v4, host bits masked", subnet("10.99.0.5/24", 4), result{Status: 201, CIDR: "10.99.0.0/24", Gateway: "10.99.0.1", PoolStart: "10.99.0.2", PoolEnd: "10.99.0.254"}},
		{"v6", subnet("fd00:1::/64", 6), result{Status: 201, CIDR: "fd00:1::/64", Gateway: "fd00:1::1", PoolStart: "fd00:1::2", PoolEnd: "fd00:1::ffff:ffff:ffff:ffff"}},
		{"overlap", subnet("10.99.0.0/25", 4), result{Status: 400,
			Msg: "Invalid input for operation: Requested subnet with cidr: 10.99.0.0/25 for network: " + net + " overlaps with another subnet."}},
		{"bad cidr", subnet("10.99.0.0/33", 4), result{Status: 400, Msg: "Invalid input for operation: 10.99.0.0/33 is not in a CIDR format."}},
		{"version mismatch", subnet("fd00::/64", 4), result{Status: 400, Msg: "Invalid input for operation: cidr 'fd00::/64' does not match the ip_version '4'."}},
		{"no version", map[string]any{"subnet": map[string]any{"network_id": net, "cidr": "10.5.0.0/24"}},
			result{Status: 400, Msg: "Failed to parse request. Required attribute 'ip_version' not specified"}},
		{"unknown network", map[string]any{"subnet": map[string]any{"network_id": "00000000-0000-0000-0000-000000000000", "cidr": "10.5.0.0/24", "ip_version": 4}},
			result{Status: 404, Msg: "Network 00000000-0000-0000-0000-000000000000 could not be found."}},
	}
	for _, st := range steps {
		r := c.do(http.MethodPost, "/network/v2.0/subnets", st.body)
		b := r.json(t)
		got := result{Status: r.status, Msg: str2(b, "NeutronError", "message"), CIDR: str2(b, "subnet", "cidr"),
			Gateway: str2(b, "subnet", "gateway_ip"), PoolStart: str2(b, "subnet", "allocation_pools", 0, "start"),
			PoolEnd: str2(b, "subnet", "allocation_pools", 0, "end")}
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
	}
	list := c.must(http.StatusOK, http.MethodGet, "/network/v2.0/subnets?network_id="+net, nil)
	if n := len(get(list, "subnets").([]any)); n != 2 {
		t.Errorf("%d subnets on the network, want 2", n)
	}
	n := c.must(http.StatusOK, http.MethodGet, "/network/v2.0/networks/"+net, nil)
	if len(get(n, "network", "subnets").([]any)) != 2 || str2(n, "network", "status") != "ACTIVE" {
		t.Errorf("network = %v", n)
	}
}

func TestNeutronLists(t *testing.T) {
	_, c := newFake(t, nil)
	for _, name := range []string{"a", "b", "a"} {
		c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/networks", map[string]any{"network": map[string]any{"name": name}})
	}
	names := func(path string) []string {
		var out []string
		for _, n := range get(c.must(http.StatusOK, http.MethodGet, path, nil), "networks").([]any) {
			out = append(out, str2(n, "name")+"|"+str2(n, "status"))
		}
		return out
	}
	tests := map[string]struct {
		path string
		want []string
	}{
		"all":                {"/network/v2.0/networks", []string{"a|ACTIVE", "b|ACTIVE", "a|ACTIVE"}},
		"by name":            {"/network/v2.0/networks?name=a", []string{"a|ACTIVE", "a|ACTIVE"}},
		"either name":        {"/network/v2.0/networks?name=a&name=b", []string{"a|ACTIVE", "b|ACTIVE", "a|ACTIVE"}},
		"none":               {"/network/v2.0/networks?name=c", nil},
		"boolean":            {"/network/v2.0/networks?shared=False&name=b", []string{"b|ACTIVE"}},
		"fields select keys": {"/network/v2.0/networks?name=b&fields=name", []string{"b|"}},
	}
	for name, tc := range tests {
		if diff := cmp.Diff(tc.want, names(tc.path)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	r := c.do(http.MethodGet, "/network/v2.0/networks?foo=bar", nil)
	if r.status != http.StatusBadRequest || str2(r.json(t), "NeutronError", "message") != "['foo'] is invalid attribute for filtering" {
		t.Errorf("unknown filter = %d %s", r.status, r.body)
	}
}

func TestNeutronUpdates(t *testing.T) {
	_, c := newFake(t, nil)
	n := str2(c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/networks",
		map[string]any{"network": map[string]any{"name": "n", "description": "d1"}}), "network", "id")
	got := c.must(http.StatusOK, http.MethodPut, "/network/v2.0/networks/"+n, map[string]any{"network": map[string]any{"description": "d2"}})
	if str2(got, "network", "description") != "d2" || str2(got, "network", "name") != "n" {
		t.Errorf("updated network = %v", got)
	}
	r := c.do(http.MethodPut, "/network/v2.0/networks/"+n, map[string]any{"network": map[string]any{"colour": "red"}})
	if r.status != http.StatusBadRequest || str2(r.json(t), "NeutronError", "message") != "Unrecognized attribute(s) 'colour'" {
		t.Errorf("unknown attribute = %d %s", r.status, r.body)
	}
	g := str2(c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/security-groups",
		map[string]any{"security_group": map[string]any{"name": "g", "description": "x"}}), "security_group", "id")
	got = c.must(http.StatusOK, http.MethodPut, "/network/v2.0/security-groups/"+g, map[string]any{"security_group": map[string]any{"description": "y"}})
	if str2(got, "security_group", "description") != "y" {
		t.Errorf("updated group = %v", got)
	}
	r = c.do(http.MethodGet, "/network/v2.0/security-groups/00000000-0000-0000-0000-000000000000", nil)
	if r.status != http.StatusNotFound || str2(r.json(t), "NeutronError", "type") != "SecurityGroupNotFound" {
		t.Errorf("unknown group = %d %s", r.status, r.body)
	}
}

func TestNeutronQuota(t *testing.T) {
	_, c := newFake(t, &Options{Quota: Quota{Networks: 1, SecurityGroups: 2}})
	c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/networks", map[string]any{"network": map[string]any{"name": "a"}})
	c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/security-groups", map[string]any{"security_group": map[string]any{"name": "a"}})
	for path, body := range map[string]any{
		"/network/v2.0/networks":        map[string]any{"network": map[string]any{"name": "b"}},
		"/network/v2.0/security-groups": map[string]any{"security_group": map[string]any{"name": "b"}},
	} {
		r := c.do(http.MethodPost, path, body)
		if r.status != http.StatusConflict || str2(r.json(t), "NeutronError", "type") != "OverQuota" {
			t.Errorf("POST %s over quota = %d %s", path, r.status, r.body)
		}
	}
	r := c.do(http.MethodPost, "/network/v2.0/networks", map[string]any{"network": map[string]any{"name": "b"}})
	if msg := str2(r.json(t), "NeutronError", "message"); msg != "Quota exceeded for resources: ['network']." {
		t.Errorf("quota message %q", msg)
	}
}

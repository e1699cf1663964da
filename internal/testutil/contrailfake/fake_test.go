package contrailfake_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/contrailfake"
)

// vn is a virtual-network body with extra top-level fields.
func vn(name, extra string) string {
	if extra != "" {
		extra = ", " + extra
	}
	return `{"virtual-network": {"fq_name": ["default-domain","admin","` + name + `"], "parent_type": "project"` + extra + `}}`
}

func policy(name, rule string) string {
	return `{"network-policy": {"fq_name": ["default-domain","admin","` + name + `"],
	  "network_policy_entries": {"policy_rule": [` + rule + `]}}}`
}

func sg(name, rule string) string {
	return `{"security-group": {"fq_name": ["default-domain","admin","` + name + `"],
	  "security_group_entries": {"policy_rule": [` + rule + `]}}}`
}

const (
	ipamRef = `{"to": ["default-domain","default-project","default-network-ipam"], "attr": {"ipam_subnets": [%s]}}`
	anyRule = `{"direction": "<>", "protocol": "%s", "src_addresses": [{"virtual_network": "a"}],
	  "dst_addresses": [{"virtual_network": "b"}], "action_list": {"simple_action": "pass"}}`
	sgRule = `{"direction": ">", "protocol": "tcp", "ethertype": "%s",
	  "src_addresses": [{"subnet": {"ip_prefix": "%s", "ip_prefix_len": 8}}], "dst_addresses": [{"security_group": "%s"}]}`
)

func sprintf(format string, args ...string) string {
	for _, a := range args {
		format = strings.Replace(format, "%s", a, 1)
	}
	return format
}

// TestCreateRefusals checks the answers the reference documents for bad
// creates: the status and a plain-text body.
func TestCreateRefusals(t *testing.T) {
	subnet := func(p string) string { return `{"subnet": {"ip_prefix": "` + p + `", "ip_prefix_len": 24}}` }
	tests := map[string]struct {
		path, body string
		status     int
	}{
		"no fq_name":               {"/virtual-networks", `{"virtual-network": {"parent_type": "project"}}`, 400},
		"colon in the name":        {"/virtual-networks", vn("a:b", ""), 400},
		"duplicate fq_name":        {"/virtual-networks", vn("dup", ""), 409},
		"missing parent":           {"/virtual-networks", `{"virtual-network": {"fq_name": ["default-domain","nope","x"]}}`, 400},
		"invalid parent type":      {"/virtual-networks", `{"virtual-network": {"fq_name": ["default-domain","x"], "parent_type": "domain"}}`, 400},
		"invalid uuid":             {"/virtual-networks", vn("u", `"uuid": "ABC"`), 400},
		"unknown ref":              {"/virtual-networks", vn("r", `"network_policy_refs": [{"to": ["default-domain","admin","nope"], "attr": null}]`), 404},
		"ref without to":           {"/virtual-networks", vn("r", `"network_policy_refs": [{"uuid": "00000000-0000-4000-8000-000000000000", "attr": null}]`), 400},
		"ref without attr":         {"/virtual-networks", vn("r", `"network_ipam_refs": [{"to": ["default-domain","default-project","default-network-ipam"]}]`), 400},
		"unknown key in a subnet":  {"/virtual-networks", vn("k", `"network_ipam_refs": [`+sprintf(ipamRef, `{"subnet": {"ip_prefix": "10.0.0.0", "ip_prefix_len": 24}, "cidr": "x"}`)+`]`), 400},
		"overlapping subnets":      {"/virtual-networks", vn("o", `"network_ipam_refs": [`+sprintf(ipamRef, subnet("10.0.0.0")+","+subnet("10.0.0.128"))+`]`), 400},
		"gateway outside":          {"/virtual-networks", vn("g", `"network_ipam_refs": [`+sprintf(ipamRef, `{"subnet": {"ip_prefix": "10.0.0.0", "ip_prefix_len": 24}, "default_gateway": "10.0.9.1"}`)+`]`), 400},
		"reserved route target":    {"/virtual-networks", vn("rt", `"route_target_list": {"route_target": ["target:64512:8000000"]}`), 400},
		"malformed route target":   {"/virtual-networks", vn("rt", `"route_target_list": {"route_target": ["64512:1"]}`), 400},
		"other ASN route target":   {"/virtual-networks", vn("rt", `"route_target_list": {"route_target": ["target:64513:8000000"]}`), 200},
		"virtual network id":       {"/virtual-networks", vn("id", `"virtual_network_network_id": 77`), 403},
		"policy protocol":          {"/network-policys", policy("p", sprintf(anyRule, "gre")), 400},
		"policy protocol number":   {"/network-policys", policy("p", sprintf(anyRule, "47")), 200},
		"policy protocol too high": {"/network-policys", policy("p", sprintf(anyRule, "256")), 400},
		"policy without action":    {"/network-policys", policy("p", `{"direction": "<>", "protocol": "any"}`), 400},
		"policy direction":         {"/network-policys", policy("p", `{"direction": "<", "protocol": "any", "action_list": {"simple_action": "pass"}}`), 400},
		"policy naming a group":    {"/network-policys", policy("p", `{"direction": ">", "protocol": "any", "action_list": {"simple_action": "pass"}, "src_addresses": [{"security_group": "local"}]}`), 400},
		"policy port range":        {"/network-policys", policy("p", `{"direction": ">", "protocol": "any", "action_list": {"simple_action": "pass"}, "src_ports": [{"start_port": 0, "end_port": 70000}]}`), 400},
		"identical rules":          {"/network-policys", policy("p", sprintf(anyRule, "any")+","+sprintf(anyRule, "any")), 409},
		"group rule without local": {"/security-groups", sg("s", sprintf(sgRule, "IPv4", "10.0.0.0", "other")), 400},
		"group rule ethertype":     {"/security-groups", sg("s", sprintf(sgRule, "IPv6", "10.0.0.0", "local")), 400},
		"group rule":               {"/security-groups", sg("s", sprintf(sgRule, "IPv4", "10.0.0.0", "local")), 200},
		"group id":                 {"/security-groups", `{"security-group": {"fq_name": ["default-domain","admin","s"], "security_group_id": 9}}`, 403},
		"service mode":             {"/service-templates", `{"service-template": {"fq_name": ["default-domain","t"], "service_template_properties": {"service_mode": "bridge"}}}`, 400},
		"instance without template": {"/service-instances", `{"service-instance": {"fq_name": ["default-domain","admin","si"],
		  "service_instance_properties": {}}}`, 400},
		"network-policies is not a collection": {"/network-policies", policy("p", sprintf(anyRule, "any")), 404},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := newServer(t, nil)
			c.ok("POST", "/virtual-networks", vn("dup", ""))
			r := c.do("POST", tc.path, tc.body)
			if r.status != tc.status {
				t.Fatalf("POST %s = %d %s, want %d", tc.path, r.status, r.body, tc.status)
			}
			if ct := r.header.Get("Content-Type"); tc.status != 200 && !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("error Content-Type %q, want a plain-text body", ct)
			}
		})
	}
}

// TestPutMergesTopLevel checks PUT semantics (§4): each property present
// replaces the stored one, a *_refs list replaces every ref of its type,
// what is left out stays, and only enable and description of id_perms are
// taken.
func TestPutMergesTopLevel(t *testing.T) {
	c := newServer(t, nil)
	c.ok("POST", "/network-policys", policy("p1", sprintf(anyRule, "any")))
	c.ok("POST", "/network-policys", policy("p2", sprintf(anyRule, "tcp")))
	ref := func(p string) string { return `{"to": ["default-domain","admin","` + p + `"], "attr": null}` }
	id := c.ok("POST", "/virtual-networks", vn("v", `"network_policy_refs": [`+ref("p1")+`],
	  "route_target_list": {"route_target": ["target:64512:1"]}, "virtual_network_properties": {"forwarding_mode": "l2"}`))["virtual-network"].(map[string]any)["uuid"].(string)
	get := func() map[string]any {
		return c.ok("GET", "/virtual-network/"+id, "")["virtual-network"].(map[string]any)
	}
	refNames := func(o map[string]any) []string {
		var out []string
		for _, r := range asList(o["network_policy_refs"]) {
			out = append(out, r.(map[string]any)["to"].([]any)[2].(string))
		}
		return out
	}

	c.ok("PUT", "/virtual-network/"+id, `{"virtual-network": {"network_policy_refs": [`+ref("p2")+`],
	  "virtual_network_properties": {"allow_transit": true}, "id_perms": {"description": "d", "creator": "me"}}}`)
	o := get()
	if diff := cmp.Diff([]string{"p2"}, refNames(o)); diff != "" {
		t.Errorf("refs after PUT (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"allow_transit": true}, o["virtual_network_properties"]); diff != "" {
		t.Errorf("a property is replaced whole (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"route_target": []any{"target:64512:1"}}, o["route_target_list"]); diff != "" {
		t.Errorf("a property left out changed (-want +got):\n%s", diff)
	}
	perms := o["id_perms"].(map[string]any)
	if perms["description"] != "d" || perms["creator"] != nil || perms["enable"] != true {
		t.Errorf("id_perms after PUT: %v", perms)
	}

	c.ok("PUT", "/virtual-network/"+id, `{"virtual-network": {}}`) // an empty wrapper does nothing
	c.ok("PUT", "/virtual-network/"+id, `{"virtual-network": {"network_policy_refs": []}}`)
	if got := refNames(get()); len(got) != 0 {
		t.Errorf("refs after PUT of []: %v", got)
	}
	for name, body := range map[string]string{
		"fq_name":        `{"virtual-network": {"fq_name": ["default-domain","admin","w"]}}`,
		"network id":     `{"virtual-network": {"virtual_network_network_id": 999}}`,
		"reserved route": `{"virtual-network": {"route_target_list": {"route_target": ["target:64512:9000000"]}}}`,
	} {
		if r := c.do("PUT", "/virtual-network/"+id, body); r.status/100 != 4 {
			t.Errorf("PUT changing the %s = %d, want a refusal", name, r.status)
		}
	}
	if r := c.do("PUT", "/network-policy/"+id, `{"network-policy": {}}`); r.status != 404 {
		t.Errorf("PUT of a uuid under another type = %d, want 404", r.status)
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }

// TestListsAndLookups checks the list formats (§5) and the utility lookups
// (§7).
func TestListsAndLookups(t *testing.T) {
	c := newServer(t, nil)
	c.ok("POST", "/network-policys", policy("pol", sprintf(anyRule, "any")))
	polID := c.uuidOf("network-policy", "default-domain", "admin", "pol")
	a := c.ok("POST", "/virtual-networks", vn("a", `"network_policy_refs": [{"to": ["default-domain","admin","pol"], "attr": null}]`))["virtual-network"].(map[string]any)["uuid"].(string)
	b := c.ok("POST", "/virtual-networks", vn("b", ""))["virtual-network"].(map[string]any)["uuid"].(string)
	base := c.srv.URL()
	plain := func(id, name string) any {
		return map[string]any{"href": base + "/virtual-network/" + id, "fq_name": []any{"default-domain", "admin", name}, "uuid": id}
	}
	admin := "parent_fq_name_str=default-domain:admin&parent_type=project"
	tests := map[string]struct {
		query string
		want  any
	}{
		"by parent":      {admin, []any{plain(a, "a"), plain(b, "b")}},
		"by uuid":        {"obj_uuids=" + b + ",nope", []any{plain(b, "b")}},
		"by back_ref_id": {"back_ref_id=" + polID, []any{plain(a, "a")}},
		"by fq_names":    {"fq_names=default-domain:admin:b", []any{plain(b, "b")}},
		"unknown parent": {"parent_id=00000000-0000-4000-8000-000000000000", []any{}},
		"count":          {admin + "&count=True", map[string]any{"count": float64(2)}},
		"fields on plain": {"obj_uuids=" + b + "&fields=display_name", []any{map[string]any{"href": base + "/virtual-network/" + b,
			"fq_name": []any{"default-domain", "admin", "b"}, "uuid": b, "display_name": "b"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := c.ok("GET", "/virtual-networks?"+tc.query, "")["virtual-networks"]
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	t.Run("detail wraps each item", func(t *testing.T) {
		items := c.ok("GET", "/virtual-networks?detail=True&obj_uuids="+a, "")["virtual-networks"].([]any)
		item := items[0].(map[string]any)["virtual-network"].(map[string]any)
		if len(items) != 1 || item["uuid"] != a || item["network_policy_refs"] == nil || item["id_perms"] == nil {
			t.Errorf("detailed list: %v", items)
		}
		pols := c.ok("GET", "/network-policys?detail=true&fields=virtual_network_back_refs", "")["network-policys"].([]any)
		backRefs := pols[0].(map[string]any)["network-policy"].(map[string]any)["virtual_network_back_refs"]
		if len(pols) != 1 || len(asList(backRefs)) != 1 {
			t.Errorf("detail with fields=virtual_network_back_refs: %v", pols)
		}
		plainPols := c.ok("GET", "/network-policys?detail=true", "")["network-policys"].([]any)
		if _, ok := plainPols[0].(map[string]any)["network-policy"].(map[string]any)["virtual_network_back_refs"]; ok {
			t.Error("a detailed list includes back-refs nobody asked for")
		}
	})
	t.Run("lookups", func(t *testing.T) {
		got := c.ok("POST", "/id-to-fqname", `{"uuid": "`+b+`"}`)
		if diff := cmp.Diff(map[string]any{"fq_name": []any{"default-domain", "admin", "b"}, "type": "virtual-network"}, got); diff != "" {
			t.Errorf("/id-to-fqname (-want +got):\n%s", diff)
		}
		if id := c.ok("POST", "/fqname-to-id", `{"type": "virtual_network", "fq_name": ["default-domain","admin","b"]}`)["uuid"]; id != b {
			t.Errorf("/fqname-to-id with the underscore type = %v, want %s", id, b)
		}
		for path, body := range map[string]string{
			"/fqname-to-id": `{"type": "virtual-network", "fq_name": ["default-domain","admin","zz"]}`,
			"/id-to-fqname": `{"uuid": "00000000-0000-4000-8000-000000000000"}`,
		} {
			if r := c.do("POST", path, body); r.status != 404 || !strings.Contains(string(r.body), "not found") {
				t.Errorf("%s of an unknown object = %d %s, want 404", path, r.status, r.body)
			}
		}
	})
}

// TestRefUpdate checks /ref-update (§6): ADD is idempotent and replaces
// the attr, DELETE removes one ref, and bad requests are refused.
func TestRefUpdate(t *testing.T) {
	c := newServer(t, nil)
	c.ok("POST", "/network-policys", policy("p1", sprintf(anyRule, "any")))
	c.ok("POST", "/network-policys", policy("p2", sprintf(anyRule, "tcp")))
	p1, p2 := c.uuidOf("network-policy", "default-domain", "admin", "p1"), c.uuidOf("network-policy", "default-domain", "admin", "p2")
	v := c.ok("POST", "/virtual-networks", vn("v", ""))["virtual-network"].(map[string]any)["uuid"].(string)
	upd := func(op, ref, attr string) reply {
		return c.do("POST", "/ref-update", `{"type": "virtual-network", "uuid": "`+v+`", "ref-type": "network-policy",
		  "ref-uuid": "`+ref+`", "operation": "`+op+`", "attr": `+attr+`}`)
	}
	refs := func() map[string]any {
		out := map[string]any{}
		for _, r := range asList(c.ok("GET", "/virtual-network/"+v, "")["virtual-network"].(map[string]any)["network_policy_refs"]) {
			out[r.(map[string]any)["uuid"].(string)] = r.(map[string]any)["attr"]
		}
		return out
	}
	for _, step := range []struct{ op, ref, attr string }{
		{"ADD", p1, `null`}, {"ADD", p2, `null`}, {"add", p1, `{"sequence": {"major": 1, "minor": 0}}`}, {"DELETE", p2, `null`},
	} {
		if r := upd(step.op, step.ref, step.attr); r.status != 200 {
			t.Fatalf("%s = %d %s", step.op, r.status, r.body)
		}
	}
	want := map[string]any{p1: map[string]any{"sequence": map[string]any{"major": float64(1), "minor": float64(0)}}}
	if diff := cmp.Diff(want, refs()); diff != "" {
		t.Errorf("refs (-want +got):\n%s", diff)
	}
	if r := upd("REPLACE", p1, "null"); r.status != 400 {
		t.Errorf("an unknown operation = %d, want 400", r.status)
	}
	if r := upd("ADD", "00000000-0000-4000-8000-000000000000", "null"); r.status != 404 {
		t.Errorf("an unknown ref = %d, want 404", r.status)
	}
}

func TestHomePageAndUnknownPaths(t *testing.T) {
	c := newServer(t, &contrailfake.Options{RequireToken: true})
	home := c.ok("GET", "/", "") // needs no token
	if home["href"] != c.srv.URL() || len(asList(home["links"])) == 0 {
		t.Errorf("home page: %v", home)
	}
	c.token = c.srv.IssueToken()
	for _, path := range []string{"/virtual-networkz", "/virtual-network/x/y", "/nope"} {
		if r := c.do("GET", path, ""); r.status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, r.status)
		}
	}
}

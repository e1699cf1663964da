package esc_test

import (
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// xmlNetwork is the network element as a client reads it.
type xmlNetwork struct {
	XMLName           xml.Name `xml:"network"`
	VimID             string   `xml:"locator>vim_id"`
	InternalTenantID  string   `xml:"internal_tenant_id"`
	InternalNetworkID string   `xml:"internal_network_id"`
	Name              string   `xml:"name"`
	Shared            bool     `xml:"shared"`
	ExternalNetworkID string   `xml:"external_network_id"`
	Subnets           []string `xml:"subnet"`
	AdminStateUp      bool     `xml:"admin_state_up"`
	EventType         string   `xml:"event_type"`
}

// xmlSubnet is the subnet element as a client reads it.
type xmlSubnet struct {
	XMLName           xml.Name `xml:"subnet"`
	InternalTenantID  string   `xml:"internal_tenant_id"`
	InternalNetworkID string   `xml:"internal_network_id"`
	InternalSubnetID  string   `xml:"internal_subnet_id"`
	ExternalSubnetID  string   `xml:"external_subnet_id"`
	Name              string   `xml:"name"`
	PoolStarts        []string `xml:"allocation_pools>start"`
	GatewayIP         string   `xml:"gateway_ip"`
	IPVersion         int      `xml:"ip_version"`
	CIDR              string   `xml:"cidr"`
	EnableDHCP        bool     `xml:"enable_dhcp"`
	EventType         string   `xml:"event_type"`
}

const netNS = "urn:ietf:params:xml:ns:netconf:base:1.0"

// withTenant starts a server where t1 (alice's) and t2 (bob's) are ESC
// tenants.
func withTenant(t *testing.T) *apitest.Server {
	s := newServer(t)
	for _, id := range []string{"t1", "t2"} {
		as(s, "admin", "POST", "/v0/tenants/"+id, `<tenant><name>`+id+`-name</name></tenant>`).Want(t, 200, "tenant "+id)
	}
	return s
}

// copiesAt lists the locations of a resource's copies.
func copiesAt(t *testing.T, s *apitest.Server, kind resource.Kind, id string) []string {
	t.Helper()
	page, err := s.Store.List(t.Context(), store.Filter{Kind: kind, Owner: &resource.Ref{Kind: kind[len("local_"):], ID: id}})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range page.Items {
		out = append(out, c.Location)
	}
	slices.Sort(out)
	return out
}

// TestNetworkTransactionsXML: a member makes a network at one VIM, then a
// subnet on it; both are reported by callback with the VIM's IDs, listed,
// and deleted in turn (the network not before its subnet).
func TestNetworkTransactionsXML(t *testing.T) {
	s := withTenant(t)
	rc := newReceiver(t)
	cb := []string{"Callback", rc.srv.URL}

	tx := startTx(t, s, "alice", "POST", "/v0/t1/networks/net1", `<network xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
    <locator><vim_id>loc-1</vim_id><vim_type>FAKE</vim_type></locator>
    <name>mgmt</name>
    <shared>false</shared>
    <admin_state_up>true</admin_state_up>
</network>`, cb...)
	got := rc.txCallback(t, tx)
	var n xmlNetwork
	if err := xml.Unmarshal([]byte(got.Body), &n); err != nil {
		t.Fatalf("callback body %q: %v", got.Body, err)
	}
	if got.Code != "200" || got.Message != "Network successfully created" || !strings.HasPrefix(n.ExternalNetworkID, "loc-1-network-") {
		t.Errorf("callback %+v", got)
	}
	want := xmlNetwork{XMLName: xml.Name{Space: netNS, Local: "network"}, VimID: "loc-1", InternalTenantID: "t1", InternalNetworkID: "net1",
		Name: "mgmt", ExternalNetworkID: n.ExternalNetworkID, AdminStateUp: true, EventType: "CREATE_NETWORK"}
	if diff := cmp.Diff(want, n); diff != "" {
		t.Errorf("callback body (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"loc-1"}, copiesAt(t, s, resource.KindLocalNetwork, "net1")); diff != "" {
		t.Errorf("network copies (-want +got):\n%s", diff)
	}

	tx = startTx(t, s, "alice", "POST", "/v0/t1/subnets/sub1", `<subnet xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
    <internal_network_id>net1</internal_network_id>
    <name>mgmt-v4</name>
    <allocation_pools><start>10.7.0.10</start><end>10.7.0.99</end></allocation_pools>
    <allocation_pools><start>10.7.0.150</start><end>10.7.0.160</end></allocation_pools>
    <gateway_ip>10.7.0.254</gateway_ip>
    <ip_version>4</ip_version>
    <cidr>10.7.0.0/24</cidr>
    <enable_dhcp>false</enable_dhcp>
</subnet>`, cb...)
	got = rc.txCallback(t, tx)
	var sub xmlSubnet
	if err := xml.Unmarshal([]byte(got.Body), &sub); err != nil {
		t.Fatalf("callback body %q: %v", got.Body, err)
	}
	if got.Code != "200" || got.Message != "Subnet successfully created" || !strings.HasPrefix(sub.ExternalSubnetID, "loc-1-subnet-") {
		t.Errorf("callback %+v", got)
	}
	wantSub := xmlSubnet{XMLName: xml.Name{Space: netNS, Local: "subnet"}, InternalTenantID: "t1", InternalNetworkID: "net1",
		InternalSubnetID: "sub1", ExternalSubnetID: sub.ExternalSubnetID, Name: "mgmt-v4", PoolStarts: []string{"10.7.0.10", "10.7.0.150"},
		GatewayIP: "10.7.0.254", IPVersion: 4, CIDR: "10.7.0.0/24", EventType: "CREATE_SUBNET"}
	if diff := cmp.Diff(wantSub, sub); diff != "" {
		t.Errorf("callback body (-want +got):\n%s", diff)
	}
	// The subnet follows its network's placement.
	if diff := cmp.Diff([]string{"loc-1"}, copiesAt(t, s, resource.KindLocalSubnet, "sub1")); diff != "" {
		t.Errorf("subnet copies (-want +got):\n%s", diff)
	}

	// GETs: the network lists its subnet; the subnet filter by header.
	n = xmlNetwork{}
	if err := xml.Unmarshal([]byte(as(s, "alice", "GET", "/v0/t1/networks/net1", "").Want(t, 200, "get network").Raw), &n); err != nil {
		t.Fatal(err)
	}
	want.Subnets, want.EventType = []string{"sub1"}, ""
	if diff := cmp.Diff(want, n); diff != "" {
		t.Errorf("GET network (-want +got):\n%s", diff)
	}
	var subs struct {
		Subnets []xmlSubnet `xml:"subnet"`
	}
	r := as(s, "alice", "GET", "/ESCManager/v0/t1/subnets", "", "internalNetworkId", "net1").Want(t, 200, "list subnets")
	if err := xml.Unmarshal([]byte(r.Raw), &subs); err != nil || len(subs.Subnets) != 1 || subs.Subnets[0].InternalSubnetID != "sub1" {
		t.Errorf("subnets of net1: %+v, %v (%s)", subs, err, r.Raw)
	}
	wantSub.EventType, sub = "", xmlSubnet{}
	if err := xml.Unmarshal([]byte(as(s, "alice", "GET", "/v0/t1/subnets/sub1", "").Want(t, 200, "get subnet").Raw), &sub); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantSub, sub); diff != "" {
		t.Errorf("GET subnet (-want +got):\n%s", diff)
	}

	// The network goes only once its subnet has.
	r = as(s, "alice", "DELETE", "/v0/t1/networks/net1", "", cb...).Want(t, 409, "delete a network with a subnet")
	if !strings.Contains(r.Raw, "sub1") || r.Header.Get("ESC-Status-Code") != "409" {
		t.Errorf("409 answer: %s %v", r.Raw, r.Header)
	}
	tx = startTx(t, s, "alice", "DELETE", "/v0/t1/subnets/sub1", "", cb...)
	if got := rc.txCallback(t, tx); got.Code != "200" || got.Message != "Subnet successfully deleted" ||
		!strings.Contains(got.Body, "<event_type>DELETE_SUBNET</event_type>") {
		t.Errorf("delete callback %+v", got)
	}
	tx = startTx(t, s, "alice", "DELETE", "/v0/t1/networks/net1", "", cb...)
	if got := rc.txCallback(t, tx); got.Code != "200" || got.Message != "Network successfully deleted" ||
		!strings.Contains(got.Body, "<event_type>DELETE_NETWORK</event_type>") {
		t.Errorf("delete callback %+v", got)
	}
	as(s, "alice", "GET", "/v0/t1/networks/net1", "").Want(t, 404, "the network after deletion")
}

// TestNetworkTransactionsJSON: the same flow in JSON, with a network at
// every location (no locator).
func TestNetworkTransactionsJSON(t *testing.T) {
	s := withTenant(t)
	rc := newReceiver(t)
	js := []string{"Content-Type", "application/json", "Accept", "application/json", "Callback", rc.srv.URL}

	got := rc.txCallback(t, startTx(t, s, "alice", "POST", "/v0/t1/networks/jnet", `{"name":"data","internal_deployment_id":"dep-1"}`, js...))
	var n map[string]any
	if err := json.Unmarshal([]byte(got.Body), &n); err != nil || got.Code != "200" || got.ContentType != "application/json" {
		t.Fatalf("callback %+v: %v", got, err)
	}
	if n["internal_network_id"] != "jnet" || n["event_type"] != "CREATE_NETWORK" || n["internal_deployment_id"] != "dep-1" || n["locator"] != nil {
		t.Errorf("callback body %v", n)
	}
	if diff := cmp.Diff([]string{"loc-1", "loc-2"}, copiesAt(t, s, resource.KindLocalNetwork, "jnet")); diff != "" {
		t.Errorf("network copies (-want +got):\n%s", diff)
	}
	got = rc.txCallback(t, startTx(t, s, "alice", "POST", "/v0/t1/subnets/jsub",
		`{"networkFromCdg":{"internal_network_id":"jnet"},"cidr":"fd00:7::/64","ip_version":6}`, js...))
	var sub map[string]any
	if err := json.Unmarshal([]byte(got.Body), &sub); err != nil || got.Code != "200" || got.Message != "Subnet successfully created" {
		t.Fatalf("callback %+v: %v", got, err)
	}
	want := map[string]any{"internal_network_id": "jnet", "internal_subnet_id": "jsub", "internal_tenant_id": "t1", "external_tenant_id": "t1",
		"external_subnet_id": sub["external_subnet_id"], "name": "jsub", "gateway_ip": "fd00:7::1", "ip_version": float64(6),
		"cidr": "fd00:7::/64", "enable_dhcp": true, "event_type": "CREATE_SUBNET"}
	if diff := cmp.Diff(want, sub); diff != "" {
		t.Errorf("callback body (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"loc-1", "loc-2"}, copiesAt(t, s, resource.KindLocalSubnet, "jsub")); diff != "" {
		t.Errorf("subnet copies (-want +got):\n%s", diff)
	}

	list := as(s, "alice", "GET", "/v0/t1/networks", "", "Accept", "application/json").Want(t, 200, "list").Array()
	if len(list) != 1 || list[0].(map[string]any)["internal_network_id"] != "jnet" ||
		!slices.Equal(toStrings(list[0].(map[string]any)["subnet"]), []string{"jsub"}) {
		t.Errorf("networks of t1: %v", list)
	}
	// Another tenant's member sees none of it; the admin sees it.
	if l := asUser(s, "bob", "GET", "/v0/t2/subnets", "", "Accept", "application/json").Want(t, 200, "bob's subnets").Array(); len(l) != 0 {
		t.Errorf("t2's subnets: %v", l)
	}
	as(s, "admin", "GET", "/v0/t1/subnets/jsub", "", "Accept", "application/json").Want(t, 200, "admin reads t1's subnet")

	got = rc.txCallback(t, startTx(t, s, "alice", "DELETE", "/v0/t1/subnets/jsub", "", js...))
	if got.Code != "200" || got.Message != "Subnet successfully deleted" {
		t.Errorf("delete callback %+v", got)
	}
	got = rc.txCallback(t, startTx(t, s, "alice", "DELETE", "/v0/t1/networks/jnet", "", js...))
	if got.Code != "200" || got.Message != "Network successfully deleted" {
		t.Errorf("delete callback %+v", got)
	}
}

// asUser is as for any user: bob, whose password as does not know, by
// token.
func asUser(s *apitest.Server, user, method, path, body string, headers ...string) apitest.Response {
	if user == "bob" {
		headers = append(headers, "X-Auth-Token", s.Token("bob"))
	}
	return as(s, user, method, path, body, headers...)
}

func toStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, e := range l {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

// TestNetworkBadInput: refusals name what was wrong and change nothing.
func TestNetworkBadInput(t *testing.T) {
	s := withTenant(t)
	as(s, "alice", "POST", "/v0/t1/networks/net1", `<network><name>ok</name></network>`).Want(t, 200, "the network subnets name")
	js := []string{"Content-Type", "application/json", "Accept", "application/json"}
	tests := map[string]struct {
		user, method, path, body string
		headers                  []string
		status                   int
		field, msg               string
	}{
		"network ID with a slash-free bad character": {"alice", "POST", "/v0/t1/networks/-net", `<network/>`, nil, 400, "internal_network_id", "internal ID"},
		"network ID too long":                        {"alice", "POST", "/v0/t1/networks/" + strings.Repeat("n", 73), `<network/>`, nil, 400, "internal_network_id", "longer than 72"},
		"subnet ID bad":                              {"alice", "POST", "/v0/t1/subnets/s~1", `<subnet/>`, nil, 400, "internal_subnet_id", ""},
		"unknown tenant":                             {"admin", "POST", "/v0/nope/networks/n2", `<network/>`, nil, 404, "", "Invalid Tenant Id: nope not found"},
		"another tenant's member":                    {"bob", "POST", "/v0/t1/networks/n2", `<network/>`, nil, 404, "", "Invalid Tenant Id: t1 not found"},
		"another tenant's read":                      {"bob", "GET", "/v0/t1/networks/net1", "", nil, 404, "", "t1"},
		"malformed XML":                              {"alice", "POST", "/v0/t1/networks/n2", `<network><name>x</network>`, nil, 400, "", ""},
		"malformed JSON":                             {"alice", "POST", "/v0/t1/networks/n2", `{"name":`, js, 400, "", ""},
		"unknown element":                            {"alice", "POST", "/v0/t1/networks/n2", `<network><mtu>9000</mtu></network>`, nil, 400, "", "mtu"},
		"unknown VIM":                                {"alice", "POST", "/v0/t1/networks/n2", `<network><locator><vim_id>nowhere</vim_id></locator></network>`, nil, 404, "", "nowhere"},
		"VIM of another type":                        {"alice", "POST", "/v0/t1/networks/n2", `<network><locator><vim_id>loc-1</vim_id><vim_type>OPENSTACK</vim_type></locator></network>`, nil, 400, "locator.vim_type", "FAKE"},
		"shared":                                     {"alice", "POST", "/v0/t1/networks/n2", `<network><shared>true</shared></network>`, nil, 400, "shared", ""},
		"provider network":                           {"alice", "POST", "/v0/t1/networks/n2", `{"provider_network_type":"vlan","vlan_id":7}`, js, 400, "provider_network_type", ""},
		"inline subnet":                              {"alice", "POST", "/v0/t1/networks/n2", `{"subnet":["s1"]}`, js, 400, "subnet", "POST /{tenant}/subnets"},
		"other tenant in body":                       {"alice", "POST", "/v0/t1/networks/n2", `{"internal_tenant_id":"t2"}`, js, 400, "internal_tenant_id", ""},
		"ID taken by a tenant":                       {"alice", "POST", "/v0/t1/networks/t2", `<network/>`, nil, 409, "", "Conflicting Request"},
		"ID taken by a network":                      {"alice", "POST", "/v0/t1/subnets/net1", `{"internal_network_id":"net1","cidr":"10.0.0.0/24"}`, js, 409, "", "Conflicting Request"},
		"subnet without network":                     {"alice", "POST", "/v0/t1/subnets/s2", `{"cidr":"10.0.0.0/24"}`, js, 400, "internal_network_id", "required"},
		"subnet, unknown network":                    {"alice", "POST", "/v0/t1/subnets/s2", `{"internal_network_id":"nope","cidr":"10.0.0.0/24"}`, js, 404, "", "Invalid Network Id: nope not found"},
		"subnet without cidr":                        {"alice", "POST", "/v0/t1/subnets/s2", `{"internal_network_id":"net1"}`, js, 400, "cidr", "required"},
		"subnet bad cidr":                            {"alice", "POST", "/v0/t1/subnets/s2", `{"internal_network_id":"net1","cidr":"10.0.0.1/24"}`, js, 400, "cidr", "host bits"},
		"ip_version mismatch":                        {"alice", "POST", "/v0/t1/subnets/s2", `{"internal_network_id":"net1","cidr":"10.0.0.0/24","ip_version":6}`, js, 400, "ip_version", ""},
		"pool outside the cidr": {"alice", "POST", "/v0/t1/subnets/s2", `{"internal_network_id":"net1","cidr":"10.0.0.0/24","allocation_pools":[{"start":"10.0.0.10","end":"10.0.1.10"}]}`,
			js, 400, "allocation_pools[0].end", ""},
		"gateway outside": {"alice", "POST", "/v0/t1/subnets/s2", `<subnet><internal_network_id>net1</internal_network_id><cidr>10.0.0.0/24</cidr><gateway_ip>10.9.9.9</gateway_ip></subnet>`,
			nil, 400, "gateway_ip", ""},
		"adopting a subnet":     {"alice", "POST", "/v0/t1/subnets/s2", `{"internal_network_id":"net1","cidr":"10.0.0.0/24","external_subnet_id":"x"}`, js, 400, "external_subnet_id", ""},
		"network of another":    {"bob", "POST", "/v0/t2/subnets/s2", `{"internal_network_id":"net1","cidr":"10.0.0.0/24"}`, js, 404, "", "net1"},
		"filter, other network": {"bob", "GET", "/v0/t2/subnets", "", []string{"internalNetworkId", "net1"}, 404, "", "net1"},
		"delete unknown":        {"alice", "DELETE", "/v0/t1/subnets/nope", "", nil, 404, "", "Invalid Subnet Id: nope not found"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := asUser(s, tc.user, tc.method, tc.path, tc.body, tc.headers...).Want(t, tc.status, name)
			if tc.status == 400 && (r.Header.Get("ESC-Status-Code") != "400" || !strings.Contains(r.Raw, tc.field)) {
				t.Errorf("answer %s %v: want ESC-Status-Code 400 naming %q", r.Raw, r.Header, tc.field)
			}
			if !strings.Contains(r.Raw, tc.msg) {
				t.Errorf("answer %s: want %q", r.Raw, tc.msg)
			}
		})
	}
	// Nothing was made but net1.
	for _, k := range []resource.Kind{resource.KindNetwork, resource.KindSubnet} {
		page, err := s.Store.List(t.Context(), store.Filter{Kind: k})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range page.Items {
			ids = append(ids, r.ID)
		}
		want := map[resource.Kind][]string{resource.KindNetwork: {"net1"}}[k]
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Errorf("%s after the refusals (-want +got):\n%s", k, diff)
		}
	}
}

// TestNetworkRoutes: "/{tenant}/networks" lives next to "/tenants/..."
// and the other top words: a literal first segment wins.
func TestNetworkRoutes(t *testing.T) {
	s := withTenant(t)
	as(s, "alice", "POST", "/v0/t1/networks/net1", `<network/>`).Want(t, 200, "network")
	var ten xmlTenant
	if err := xml.Unmarshal([]byte(as(s, "admin", "GET", "/v0/tenants/t1", "").Want(t, 200, "tenant").Raw), &ten); err != nil || ten.InternalTenantID != "t1" {
		t.Errorf("GET /v0/tenants/t1: %+v, %v", ten, err)
	}
	// "networks" under /tenants is a tenant ID, and there is none.
	as(s, "admin", "GET", "/v0/tenants/networks", "").Want(t, 404, "tenant named networks")
	// A top word is never a tenant: /v0/tenants/networks/... is no route.
	as(s, "admin", "GET", "/v0/tenants/networks/net1", "").Want(t, 404, "tenants as a tenant")
	r := as(s, "alice", "GET", "/v0/t1/networks/", "").Want(t, 200, "trailing slash")
	if !strings.Contains(r.Raw, "<internal_network_id>net1</internal_network_id>") {
		t.Errorf("list: %s", r.Raw)
	}
	as(s, "alice", "PUT", "/v0/t1/networks/net1", `<network/>`).Want(t, 405, "PUT a network")
}

package esc_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/esc"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/fuzzreq"
	"github.com/orca-nfv/orca/netguard"
)

// FuzzRequests sends arbitrary methods, paths and queries, bodies (XML and
// JSON), formats and headers (Callback, Callback-ESC-Events,
// internalNetworkId, Content-Type, Accept, Authorization, X-Auth-Token) to
// the ESC API: no request panics or answers 5xx, and every error carries
// ESC-Status-Code and a body, in the format asked for when the headers
// left it to the test.
func FuzzRequests(f *testing.F) {
	p := apitest.NewInProcess(f, func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
		// Nothing is fetched (day-0 files, VIM endpoints): an input must
		// not wait on a public address the sandbox cannot reach.
		nowhere := &netguard.Policy{Deny: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}}
		// A server with TLS material to reload (without any: 409).
		reload := func(context.Context) error { return nil }
		return esc.New(b, kit, &esc.Options{Fetches: nowhere, TLSReload: reload}), esc.Paths, nil
	})
	f.Add(uint8(1), "tenants/t9", `<tenant xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><name>n</name><enabled>true</enabled></tenant>`, false, true, "")
	f.Add(uint8(2), "tenants/t1", `{"name":"x","managed_resource":false}`, true, true, "")
	f.Add(uint8(0), "tenants", ``, true, false, "")
	f.Add(uint8(1), "tenants/t9", `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><tenant>&b;</tenant>`, false, true, "")
	f.Add(uint8(3), "tenants/t1", ``, false, true, "")
	f.Add(uint8(1), "images/i9", `<image xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><name>n</name><src>http://files.example.com/i.qcow2</src><disk_bus>virtio</disk_bus><properties><property><name>hw_rng_model</name><value>virtio</value></property></properties></image>`, false, true, "")
	f.Add(uint8(1), "flavors/f9", `{"name":"f","vcpus":2,"memory_mb":2048,"root_disk_mb":1500}`, true, true, "")
	f.Add(uint8(1), "t1/volumes/v9", `<volume><size>512</size><sizeunit>MiB</sizeunit><bus>virtio</bus><volid>1</volid></volume>`, false, false, "")
	f.Add(uint8(1), "t1/networks/n9", `<network xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><name>n</name><locator><vim_id>loc-1</vim_id></locator><shared>false</shared></network>`, false, false, "")
	f.Add(uint8(1), "t1/subnets/s9", `{"internal_network_id":"n9","cidr":"10.0.0.0/24","ip_version":4,"gateway_ip":"10.0.0.1","enable_dhcp":true,"allocation_pools":[{"start":"10.0.0.10","end":"10.0.0.20"}]}`, true, false, "")
	f.Add(uint8(0), "config/LOG", ``, false, false, "")
	f.Add(uint8(2), "config/log/level/debug", ``, true, true, "")
	f.Add(uint8(1), "config/custom/note", `<escconfigparameter><category>custom</category><value>v</value></escconfigparameter>`, false, true, "")
	f.Add(uint8(1), "config/default/max_logs", `"12"`, true, true, "")
	f.Add(uint8(1), "operationmode/OPERATION", ``, true, true, "")
	f.Add(uint8(1), "hosts/my-ucs-3/disable", ``, false, true, "")
	f.Add(uint8(0), "hosts/my-ucs-3/status", ``, true, false, "")
	f.Add(uint8(1), "systemstate/callbacks/reset", ``, false, true, "")
	f.Add(uint8(1), "fileserver/fs9", `<file_server xmlns="http://www.cisco.com/esc/esc"><base_url>https://files.example.com/</base_url><server_type>HTTPS</server_type><properties><property><name>server_timeout</name><value>60</value></property></properties></file_server>`, false, true, "")
	f.Add(uint8(2), "fileserver/fs9", `{"base_url":"http://files.example.com/v2","file_server_user":"u"}`, true, true, "")
	f.Add(uint8(1), "authentication/setpassword?userName=alice&password=pw", ``, false, false, "")
	f.Add(uint8(1), "vims", `<vim_connector xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><id>v9</id><type>OPENSTACK</type><properties><property><name>authUrl</name><value>http://127.0.0.1:5000/v3</value></property><property><name>project</name><value>p</value></property></properties></vim_connector>`, false, true, "")
	f.Add(uint8(2), "vims/loc-1", `{"type":"FAKE","properties":{"property":[{"name":"os_region_name","encrypted_value":"r"}]}}`, true, true, "")
	f.Add(uint8(1), "vims/v9/vim_users", `<user><id>u9</id><credentials><properties><property><name>os_password</name><value>pw</value></property></properties></credentials></user>`, false, true, "")
	f.Add(uint8(1), "vims/default_vim_connector", `{"defaultVimConnectorId":"loc-2"}`, true, true, "")
	f.Add(uint8(2), "vims/loc-2/check_status", ``, false, false, "")
	dm := `<esc_datamodel xmlns="http://www.cisco.com/esc/esc"><tenants><tenant><name>t1</name><deployments><deployment><name>d</name>` +
		`<vm_group><name>g</name><image>img</image><flavor>fl</flavor><interfaces><interface><nicid>0</nicid><network>net</network>` +
		`<ip_address>10.0.0.5</ip_address></interface></interfaces><scaling><min_active>1</min_active><max_active>2</max_active><elastic>true</elastic>` +
		`<static_ip_address_pool><network>net</network><ip_address>10.0.0.5</ip_address></static_ip_address_pool></scaling>` +
		`<kpi_data><kpi><event_name>VM_ALIVE</event_name></kpi><kpi><event_name>HOT</event_name><metric_value>80</metric_value>` +
		`<metric_cond>GT</metric_cond><metric_collector><type>CPU</type></metric_collector></kpi></kpi_data>` +
		`<rules><admin_rules><rule><event_name>HOT</event_name><action>TRUE servicescaleup.sh</action></rule></admin_rules></rules>` +
		`<placement><type>anti_affinity</type></placement>` +
		`<config_data><configuration><dst>--user-data</dst><data>#cloud-config</data></configuration></config_data>` +
		`<volumes><volume><name>v</name><volid>1</volid><size>512</size><sizeunit>MiB</sizeunit><bus>scsi</bus></volume></volumes>` +
		`</vm_group></deployment></deployments></tenant></tenants></esc_datamodel>`
	f.Add(uint8(1), "deployments/d1", dm, false, true, "")
	f.Add(uint8(1), "deployments/d2", strings.Replace(dm, "<vm_group>", `<policies><placement_group><name>p</name><type>affinity</type>`+
		`<vm_group>g</vm_group><vm_group>h</vm_group></placement_group></policies><vm_group>`, 1), false, true, "")
	f.Add(uint8(2), "deployments/d1", dm, false, false, "")
	f.Add(uint8(1), "deployments/d1", `{"tenants":{"tenant":[{"name":"t1","deployments":{"deployment":[{"name":"d","vm_group":[{"name":"g",`+
		`"image":"img","flavor":"fl","interfaces":{"interface":[{"nicid":0,"network":"net"}]},"kpi_data":{"kpi":{}}}]}]}}]}}`, true, true, "")
	f.Add(uint8(1), "t1/deployments/service/d1", `<service_operation><operation>stop</operation></service_operation>`, false, true, "")
	f.Add(uint8(1), "t1/deployments/recovery-vm/d1_g_0", `{"operation":"recovery_do","checkVmBeforeRecovery":true}`, true, false, "")
	f.Add(uint8(0), "deployments/config/d1", ``, false, false, "")
	f.Add(uint8(1), "tenants/t8", `<tenant><name>n</name></tenant>`, false, true, "Callback: http://10.0.0.1/cb\nCallback-ESC-Events: ftp://127.0.0.1/")
	f.Add(uint8(1), "t1/networks/n8", `{"name":"n"}`, true, false, "Callback: http://user:pw@127.0.0.1:0/")
	f.Add(uint8(1), "t1/subnets/s8", `<subnet><cidr>10.1.0.0/24</cidr></subnet>`, false, false, "internalNetworkId: net")
	f.Add(uint8(0), "tenants", ``, false, true, "Accept: application/yaml, application/json;q=0")
	f.Add(uint8(1), "tenants/t7", `{"name":"n"}`, true, true, "Content-Type: text/xml; charset=iso-8859-1")
	f.Add(uint8(0), "tenants", ``, false, false, "X-Auth-Token:\nAuthorization: Basic !!!")
	f.Add(uint8(2), "/internal/ssl/reload", ``, false, true, "")
	f.Add(uint8(0), "/ESCManager/v0/tenants/t1", ``, true, false, "")
	f.Fuzz(func(t *testing.T, method uint8, rest, body string, asJSON, admin bool, headers string) {
		token := p.Member
		if admin {
			token = p.Admin
		}
		ct, accept := "application/xml", "application/xml"
		if asJSON {
			ct, accept = "application/json", "application/json"
		}
		m := []string{"GET", "POST", "PUT", "DELETE"}[int(method)%4]
		target := "/v0/" + rest
		if strings.HasPrefix(rest, "/") {
			target = rest // the other bases (/ESCManager/v0, /internal/ssl) and beyond
		}
		req := p.Request(m, target, token, ct, body)
		req.Header.Set("Accept", accept)
		set := fuzzreq.SetHeaders(req.Header, headers)
		rec := p.Do(req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q (headers %q): %d %s", m, target, body, headers, rec.Code, rec.Body)
		}
		if rec.Code < 400 {
			return
		}
		if len(rec.Header()["ESC-Status-Code"]) == 0 { // the seed's spelling, kept as is
			t.Fatalf("%s %s (headers %q): %d without ESC-Status-Code", m, target, headers, rec.Code)
		}
		if slices.Contains(set, "Accept") || slices.Contains(set, "Content-Type") {
			// The format is the headers' choice now: the answer must
			// still say what was wrong.
			if rec.Body.Len() == 0 {
				t.Fatalf("%s %s (headers %q): %d with no body", m, target, headers, rec.Code)
			}
			return
		}
		var err error
		if asJSON {
			var v map[string]any
			err = json.Unmarshal(rec.Body.Bytes(), &v)
		} else {
			var v struct {
				Message string `xml:"message"`
			}
			err = xml.Unmarshal(rec.Body.Bytes(), &v)
			if err == nil && strings.TrimSpace(v.Message) == "" {
				t.Fatalf("%s %s: an XML error without a message: %s", m, target, rec.Body)
			}
		}
		if err != nil {
			t.Fatalf("%s %s: %d with a body not in the format asked: %q", m, target, rec.Code, rec.Body)
		}
	})
}

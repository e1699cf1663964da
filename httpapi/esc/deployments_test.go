package esc_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/esc"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// deploymentFixture makes what the seed's example deployment names: its
// tenant, the image ASA, a flavor and the networks MgtNetwork and
// DataNetwork, in the tenant.
func deploymentFixture(t *testing.T, s *apitest.Server, tenant string) {
	t.Helper()
	ctx := context.Background()
	for _, r := range []*resource.Resource{
		{Ref: resource.Ref{Kind: resource.KindTenant, ID: tenant}, Name: tenant, Spec: &resource.Tenant{}},
		{Ref: resource.Ref{Kind: resource.KindImage, ID: tenant + "-img"}, Tenant: tenant, Name: "ASA",
			Spec: &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare", Visibility: "private"}},
		{Ref: resource.Ref{Kind: resource.KindFlavor, ID: tenant + "-fl"}, Tenant: tenant, Name: "small", Spec: &resource.Flavor{RAM: 512, VCPUs: 1}},
		{Ref: resource.Ref{Kind: resource.KindNetwork, ID: tenant + "-mgt"}, Tenant: tenant, Name: "MgtNetwork", Spec: &resource.Network{CIDR: "18.0.0.0/24"}},
		{Ref: resource.Ref{Kind: resource.KindNetwork, ID: tenant + "-data"}, Tenant: tenant, Name: "DataNetwork", Spec: &resource.Network{CIDR: "18.0.1.0/24"}},
	} {
		if _, err := s.O.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
}

// datamodelXML is the seed's example deployment, with a second group:
// ASA-1 (monitored, two VMs from a static pool, at most three) and CSR-1
// (one VM on two networks, kept apart from its future siblings).
func datamodelXML(tenant, asaMin, asaMax string) string {
	return `<esc_datamodel xmlns="http://www.cisco.com/esc/esc" xmlns:ns2="urn:ietf:params:xml:ns:netconf:notification:1.0">
<tenants><tenant><name>` + tenant + `</name><deployments><deployment>
  <name>MyDemoDepName</name>
  <locator><vim_id>loc-1</vim_id></locator>
  <vm_group>
    <name>ASA-1</name>
    <bootup_time>300</bootup_time>
    <reboot_time>100</reboot_time>
    <recovery_wait_time>0</recovery_wait_time>
    <recovery_policy><max_retries>1</max_retries></recovery_policy>
    <image>ASA</image>
    <flavor>small</flavor>
    <interfaces><interface><nicid>1</nicid><network>MgtNetwork</network></interface></interfaces>
    <scaling>
      <min_active>` + asaMin + `</min_active><max_active>` + asaMax + `</max_active><elastic>true</elastic>
      <static_ip_address_pool><network>MgtNetwork</network>
        <ip_address>18.0.0.16</ip_address><ip_address>18.0.0.17</ip_address><ip_address>18.0.0.18</ip_address>
      </static_ip_address_pool>
    </scaling>
    <kpi_data><kpi><event_name>VM_ALIVE</event_name><metric_value>1</metric_value><metric_cond>GT</metric_cond>
      <metric_type>UINT32</metric_type><metric_collector><type>ICMPPing</type><nicid>1</nicid>
      <poll_frequency>3</poll_frequency><polling_unit>seconds</polling_unit><continuous_alarm>false</continuous_alarm>
      </metric_collector></kpi></kpi_data>
    <rules><admin_rules><rule><event_name>VM_ALIVE</event_name><action>"ALWAYS log"</action></rule></admin_rules></rules>
    <config_data><configuration><dst>day0-config</dst><data>hostname asa</data></configuration></config_data>
  </vm_group>
  <vm_group>
    <name>CSR-1</name>
    <image>ASA</image>
    <flavor>small</flavor>
    <interfaces>
      <interface><nicid>2</nicid><network>DataNetwork</network></interface>
      <interface><nicid>1</nicid><network>MgtNetwork</network><ip_address>18.0.0.30</ip_address></interface>
    </interfaces>
    <placement><type>anti_affinity</type><enforcement>strict</enforcement></placement>
  </vm_group>
</deployment></deployments></tenant></tenants>
</esc_datamodel>`
}

// xmlDeployment is a deployment callback as a client reads it.
type xmlDeployment struct {
	Name    string `xml:"deployment_name"`
	Stage   string `xml:"deployment_stage"`
	ID      string `xml:"internal_deployment_id"`
	Tenant  string `xml:"internal_tenant_id"`
	Service string `xml:"service_state_machine_state"`
	Details *struct {
		VMName     string `xml:"vm_name"`
		VMUUID     string `xml:"vm_uuid"`
		Group      string `xml:"vm_group_name"`
		Interfaces []struct {
			IP  string `xml:"ip_address"`
			MAC string `xml:"mac_address"`
		} `xml:"interfaces>interface"`
	} `xml:"deployment_details"`
}

// stages reads the deployment callbacks sent to path: "STAGE vm" each.
func stages(t *testing.T, got []callback, path string) []string {
	t.Helper()
	var out []string
	for _, c := range got {
		if c.Path != path {
			continue
		}
		var d xmlDeployment
		if err := xml.Unmarshal([]byte(c.Body), &d); err != nil {
			t.Fatalf("callback %q: %v", c.Body, err)
		}
		s := d.Stage
		if d.Details != nil {
			s += " " + d.Details.VMName
		}
		out = append(out, s+" "+c.Code)
	}
	return out
}

// settled sorts the VM callbacks of got (which VM goes first is up to
// the VIM), keeping the service's last.
func settled(got []string) []string {
	if len(got) < 2 {
		return got
	}
	out := slices.Clone(got[:len(got)-1])
	slices.Sort(out)
	return append(out, got[len(got)-1])
}

// waitStage waits for a callback of stage to path and returns all so far.
func waitStage(t *testing.T, rc *receiver, path, stage string) []callback {
	t.Helper()
	wait.Until(t, stage, func() bool {
		return slices.ContainsFunc(rc.callbacks(), func(c callback) bool {
			return c.Path == path && strings.Contains(c.Body, "<deployment_stage>"+stage+"</deployment_stage>")
		})
	})
	return rc.callbacks()
}

// checkOrder checks that each VM was reported deployed before alive, and
// the service last.
func checkOrder(t *testing.T, got []string, vms []string, service string) {
	t.Helper()
	for _, vm := range vms {
		d, a := slices.Index(got, "VM_DEPLOYED "+vm+" 200"), slices.Index(got, "VM_ALIVE "+vm+" 200")
		if d < 0 || a < 0 || d > a {
			t.Errorf("%s: deployed at %d, alive at %d in %v", vm, d, a, got)
		}
	}
	if len(got) != 2*len(vms)+1 || got[len(got)-1] != service+" 200" {
		t.Errorf("callbacks %v, want 2 per VM of %v then %s", got, vms, service)
	}
}

// TestDeploymentLifecycle: the seed's deployment converges to
// SERVICE_ALIVE with a callback per VM, scales out and in, recovers a
// failed VM of its monitored group as often as allowed, and undeploys.
func TestDeploymentLifecycle(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	deploymentFixture(t, s, "esc1")
	hdr := []string{"Callback", rc.srv.URL + "/cb", "Callback-ESC-Events", rc.srv.URL + "/events"}

	r := as(s, "admin", "POST", "/v0/deployments/dep1", datamodelXML("esc1", "2", "3"), hdr...).Want(t, 200, "deploy")
	tx := r.Header.Get("ESC_TRANSACTION_ID")
	got := waitStage(t, rc, "/cb", "SERVICE_ALIVE")
	vms := []string{"dep1_ASA-1_0", "dep1_ASA-1_1", "dep1_CSR-1_0"}
	checkOrder(t, stages(t, got, "/cb"), vms, "SERVICE_ALIVE")
	last := got[len(got)-1]
	if last.Transaction != tx || last.Message != "Service group deployment completed successfully!" {
		t.Errorf("last callback %+v, want transaction %s", last, tx)
	}
	// The VIM made what the datamodel says: addresses from the pool and
	// the interface, two NICs in nicid order, day-0, a server group.
	ips := map[string][]string{}
	for _, c := range got {
		var d xmlDeployment
		if xml.Unmarshal([]byte(c.Body), &d); d.Stage == "VM_ALIVE" {
			for _, in := range d.Details.Interfaces {
				ips[d.Details.VMName] = append(ips[d.Details.VMName], in.IP)
			}
		}
	}
	if want := []string{"18.0.0.16"}; !cmp.Equal(ips["dep1_ASA-1_0"], want) || !cmp.Equal(ips["dep1_ASA-1_1"], []string{"18.0.0.17"}) {
		t.Errorf("ASA addresses %v", ips)
	}
	if csr := ips["dep1_CSR-1_0"]; len(csr) != 2 || csr[0] != "18.0.0.30" {
		t.Errorf("CSR addresses %v, want 18.0.0.30 first (nicid 1), then one on DataNetwork", csr)
	}
	if n := len(s.Factory.VIM("loc-1").Objects(resource.KindServerGroup)); n != 1 {
		t.Errorf("%d server groups at loc-1, want CSR-1's", n)
	}
	if n := len(s.Factory.VIM("loc-2").Objects(resource.KindServer)); n != 0 {
		t.Errorf("%d servers at loc-2: the locator says loc-1", n)
	}

	// GETs: the deployment, its config as written, the list.
	view := as(s, "admin", "GET", "/v0/deployments/dep1", "").Want(t, 200, "get")
	for _, want := range []string{"<state>SERVICE_ACTIVE_STATE</state>", "<vm_name>dep1_CSR-1_0</vm_name>", "<state>VM_ALIVE_STATE</state>"} {
		if !strings.Contains(view.Raw, want) {
			t.Errorf("GET deployment lacks %s: %s", want, view.Raw)
		}
	}
	if cfg := as(s, "admin", "GET", "/ESCManager/v0/deployments/config/dep1", "").Want(t, 200, "config"); cfg.Raw != datamodelXML("esc1", "2", "3") {
		t.Errorf("config is not the datamodel as written: %s", cfg.Raw)
	}
	list := as(s, "admin", "GET", "/v0/deployments", "", "Accept", "application/json").Want(t, 200, "list")
	if deps, _ := list.Object()["deployments"].([]any); len(deps) != 1 {
		t.Errorf("list: %s", list.Raw)
	}

	// Scale out: ASA-1 to three.
	rc.reset()
	as(s, "admin", "PUT", "/v0/deployments/dep1", datamodelXML("esc1", "3", "3"), hdr...).Want(t, 200, "scale out")
	got = waitStage(t, rc, "/cb", "SERVICE_UPDATED")
	checkOrder(t, stages(t, got, "/cb"), []string{"dep1_ASA-1_2"}, "SERVICE_UPDATED")
	if t.Failed() {
		for _, c := range got {
			t.Logf("callback %s %s %s", c.Transaction, c.Message, c.Body)
		}
	}

	// Scale in: to one; the two highest go.
	rc.reset()
	as(s, "admin", "PUT", "/v0/deployments/dep1", datamodelXML("esc1", "1", "1"), hdr...).Want(t, 200, "scale in")
	got = waitStage(t, rc, "/cb", "SERVICE_UPDATED")
	if diff := cmp.Diff([]string{"VM_UNDEPLOYED dep1_ASA-1_1 200", "VM_UNDEPLOYED dep1_ASA-1_2 200", "SERVICE_UPDATED 200"}, settled(stages(t, got, "/cb"))); diff != "" {
		t.Errorf("scale in (-want +got):\n%s", diff)
	}

	// A VM's interface changes: it is redeployed with its new address.
	rc.reset()
	as(s, "admin", "PUT", "/v0/deployments/dep1", strings.Replace(datamodelXML("esc1", "1", "1"), "18.0.0.30", "18.0.0.31", 1), hdr...).Want(t, 200, "update")
	got = waitStage(t, rc, "/cb", "SERVICE_UPDATED")
	if diff := cmp.Diff([]string{"VM_UPDATED dep1_CSR-1_0 200", "SERVICE_UPDATED 200"}, stages(t, got, "/cb")); diff != "" {
		t.Errorf("update (-want +got):\n%s", diff)
	}
	if !strings.Contains(got[0].Body, "<ip_address>18.0.0.31</ip_address>") {
		t.Errorf("VM_UPDATED without the new address: %s", got[0].Body)
	}

	// Recovery: ASA-1 is monitored (kpi_data) with max_retries 1.
	rc.reset()
	crash(t, s, "dep1:ASA-1:0")
	wait.Until(t, "recovered", func() bool { return len(events(rc, "VM_RECOVERY_COMPLETE")) == 1 })
	if ev := events(rc, ""); len(ev) != 2 || ev[0] != "VM_RECOVERY_INIT 200" || ev[1] != "VM_RECOVERY_COMPLETE 200" {
		t.Errorf("recovery events %v", ev)
	}
	crash(t, s, "dep1:ASA-1:0")
	wait.Until(t, "given up", func() bool { return len(events(rc, "VM_RECOVERY_COMPLETE")) == 2 })
	if ev := events(rc, ""); ev[len(ev)-1] != "VM_RECOVERY_COMPLETE 500" || len(ev) != 3 {
		t.Errorf("after the last retry: %v, want a failed VM_RECOVERY_COMPLETE and no new recovery", ev)
	}
	if view := as(s, "admin", "GET", "/v0/deployments/dep1", "").Want(t, 200, "get"); !strings.Contains(view.Raw, "SERVICE_ERROR_STATE") {
		t.Errorf("deployment with a lost VM: %s", view.Raw)
	}

	// Undeploy.
	rc.reset()
	as(s, "admin", "DELETE", "/v0/deployments/dep1", "", hdr...).Want(t, 200, "undeploy")
	got = waitStage(t, rc, "/cb", "SERVICE_UNDEPLOYED")
	if diff := cmp.Diff([]string{"VM_UNDEPLOYED dep1_ASA-1_0 200", "VM_UNDEPLOYED dep1_CSR-1_0 200", "SERVICE_UNDEPLOYED 200"}, settled(stages(t, got, "/cb"))); diff != "" {
		t.Errorf("undeploy (-want +got):\n%s", diff)
	}
	as(s, "admin", "GET", "/v0/deployments/dep1", "").Want(t, 404, "gone")
	if n := len(s.Factory.VIM("loc-1").Objects(resource.KindServer)); n != 0 {
		t.Errorf("%d servers left at loc-1", n)
	}
}

// crash kills a deployment VM's machine at loc-1.
func crash(t *testing.T, s *apitest.Server, server string) {
	t.Helper()
	ref := resource.Ref{Kind: resource.KindServer, ID: server}
	page, err := s.Store.List(context.Background(), store.Filter{Kind: resource.KindLocalServer, Owner: &ref})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("copies of %s: %v %v", server, page, err)
	}
	if err := s.Factory.VIM("loc-1").Crash(page.Items[0].ID, "hypervisor lost"); err != nil {
		t.Fatal(err)
	}
}

// events are the event callbacks of a type ("" for all): "TYPE code".
func events(rc *receiver, typ string) []string {
	var out []string
	for _, c := range rc.callbacks() {
		var e struct {
			Type string `xml:"event_type"`
		}
		if c.Path != "/events" || xml.Unmarshal([]byte(c.Body), &e) != nil || typ != "" && e.Type != typ {
			continue
		}
		out = append(out, e.Type+" "+c.Code)
	}
	return out
}

// TestDeploymentJSON: a deployment in JSON, answered and reported in
// JSON.
func TestDeploymentJSON(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	deploymentFixture(t, s, "esc2")
	body := `{"tenants":{"tenant":[{"name":"esc2","deployments":{"deployment":[{"name":"web","locator":{"vim_id":"loc-2"},
	  "vm_group":[{"name":"g","image":"ASA","flavor":"small","interfaces":{"interface":[{"nicid":0,"network":"MgtNetwork"}]},
	  "scaling":{"min_active":1,"max_active":2,"elastic":true},"kpi_data":{"kpi":{"event_name":"VM_ALIVE"}}}]}]}}]}}`
	r := as(s, "admin", "POST", "/v0/deployments/dep-j", body, "Content-Type", "application/json", "Accept", "application/json",
		"Callback", rc.srv.URL+"/cb")
	r.Want(t, 200, "deploy")
	if r.Object()["internal_deployment_id"] != "dep-j" {
		t.Errorf("answer %s", r.Raw)
	}
	wait.Until(t, "SERVICE_ALIVE", func() bool {
		cbs := rc.callbacks()
		return len(cbs) > 0 && strings.Contains(cbs[len(cbs)-1].Body, `"deployment_stage":"SERVICE_ALIVE"`)
	})
	for _, c := range rc.callbacks() {
		var v map[string]any
		if err := json.Unmarshal([]byte(c.Body), &v); err != nil || c.ContentType != "application/json" {
			t.Errorf("callback %q (%s) is not JSON: %v", c.Body, c.ContentType, err)
		}
	}
	if n := len(s.Factory.VIM("loc-2").Objects(resource.KindServer)); n != 1 {
		t.Errorf("%d servers at loc-2, want 1", n)
	}
}

// TestDeploymentBadInput: what cannot be deployed as written is refused
// with the seed's status and a message naming the problem, and nothing is
// made.
func TestDeploymentBadInput(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	deploymentFixture(t, s, "esc3")
	good := datamodelXML("esc3", "1", "2")
	tests := map[string]struct {
		user, id, body string
		code           int
		want           string
	}{
		"unknown image":        {"admin", "d1", strings.Replace(good, "<image>ASA</image>", "<image>nope</image>", 1), 404, "An associated resource not found"},
		"unknown network":      {"admin", "d1", strings.Replace(good, "<network>DataNetwork</network>", "<network>nope</network>", 1), 404, "nope"},
		"unknown VIM":          {"admin", "d1", strings.Replace(good, "<vim_id>loc-1</vim_id>", "<vim_id>loc-9</vim_id>", 1), 404, "loc-9"},
		"unknown tenant":       {"admin", "d1", datamodelXML("nobody", "1", "2"), 404, "nobody"},
		"another's tenant":     {"alice", "d1", good, 404, "esc3"},
		"bad internal ID":      {"admin", "d~1", good, 400, "internal ID"},
		"malformed":            {"admin", "d1", good[:200], 400, "well-formed"},
		"unknown element":      {"admin", "d1", strings.Replace(good, "<bootup_time>", "<boot_time>1</boot_time><bootup_time>", 1), 400, "boot_time"},
		"entity":               {"admin", "d1", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>` + good, 400, "directives"},
		"min over max":         {"admin", "d1", datamodelXML("esc3", "3", "2"), 400, "count"},
		"pool too small":       {"admin", "d1", datamodelXML("esc3", "4", "4"), 400, "addresses"},
		"volume without size":  {"admin", "d1", strings.Replace(good, "</config_data>", "</config_data><volumes><volume><name>v</name><volid>1</volid></volume></volumes>", 1), 400, "volumes[0].size"},
		"volume unit":          {"admin", "d1", strings.Replace(good, "</config_data>", "</config_data><volumes><volume><name>v</name><volid>1</volid><size>1</size><sizeunit>PB</sizeunit></volume></volumes>", 1), 400, "sizeunit"},
		"day-0 from a refused": {"admin", "d1", strings.Replace(good, "<data>hostname asa</data>", "<file>http://169.254.169.254/latest</file>", 1), 400, "config_data"},
		"unknown placement":    {"admin", "d1", strings.Replace(good, "<type>anti_affinity</type>", "<type>rack</type>", 1), 400, "rack"},
		"two deployments":      {"admin", "d1", strings.Replace(good, "</deployment></deployments>", "</deployment><deployment><name>x</name></deployment></deployments>", 1), 400, "one deployment"},
		"duplicate ID":         {"admin", "esc3-img", good, 409, "Conflicting Request"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := as(s, tc.user, "POST", "/v0/deployments/"+tc.id, tc.body, "Callback", rc.srv.URL)
			if r.Code != tc.code || !strings.Contains(r.Raw, tc.want) || r.Header.Get("ESC-Status-Code") != fmt.Sprint(tc.code) {
				t.Errorf("%d %s, want %d mentioning %q", r.Code, r.Raw, tc.code, tc.want)
			}
			page, err := s.Store.List(context.Background(), store.Filter{Kind: resource.KindDeployment})
			if err != nil || len(page.Items) != 0 {
				t.Errorf("deployments stored: %d %v", len(page.Items), err)
			}
		})
	}
	// A PUT naming another tenant, and one of a deployment that is not.
	as(s, "admin", "POST", "/v0/deployments/d2", good, "Callback", rc.srv.URL).Want(t, 200, "deploy")
	deploymentFixture(t, s, "esc4")
	as(s, "admin", "PUT", "/v0/deployments/d2", datamodelXML("esc4", "1", "2"), "Callback", rc.srv.URL).Want(t, 400, "move tenant")
	as(s, "admin", "PUT", "/v0/deployments/d9", good, "Callback", rc.srv.URL).Want(t, 404, "unknown")
	as(s, "alice", "GET", "/v0/deployments/d2", "").Want(t, 404, "another tenant's")
}

// TestDeploymentOperations: stop, start and reboot a deployment and one of
// its VMs, recover and snapshot a VM, turn monitoring off and on; each
// answers at once and reports per VM, then for the service.
func TestDeploymentOperations(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	deploymentFixture(t, s, "esc5")
	cb := []string{"Callback", rc.srv.URL + "/cb"}
	as(s, "admin", "POST", "/v0/deployments/dep5", datamodelXML("esc5", "1", "2"), cb...).Want(t, 200, "deploy")
	waitStage(t, rc, "/cb", "SERVICE_ALIVE")

	op := func(path, body, stage string, want []string) {
		t.Helper()
		rc.reset()
		r := as(s, "admin", "POST", path, body, cb...).Want(t, 200, path)
		if r.Header.Get("ESC_TRANSACTION_ID") == "" {
			t.Errorf("%s: no transaction", path)
		}
		got := waitStage(t, rc, "/cb", stage)
		if diff := cmp.Diff(want, settled(stages(t, got, "/cb"))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", path, diff)
		}
	}
	svc := func(o string) string {
		return `<service_operation xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><operation>` + o + `</operation></service_operation>`
	}
	op("/v0/esc5/deployments/service/dep5", svc("stop"), "SERVICE_STOPPED",
		[]string{"VM_STOPPED dep5_ASA-1_0 200", "VM_STOPPED dep5_CSR-1_0 200", "SERVICE_STOPPED 200"})
	if objs := s.Factory.VIM("loc-1").Objects(resource.KindServer); len(objs) != 2 || objs[0].Power != "off" || objs[1].Power != "off" {
		t.Errorf("after stop: %+v", objs)
	}
	wait.Until(t, "the service seen stopped", func() bool {
		return strings.Contains(as(s, "admin", "GET", "/v0/deployments/dep5", "").Raw, "<state>SERVICE_STOPPED_STATE</state>")
	})
	op("/v0/tenants/esc5/deployments/service/dep5", svc("start"), "SERVICE_STARTED",
		[]string{"VM_STARTED dep5_ASA-1_0 200", "VM_STARTED dep5_CSR-1_0 200", "SERVICE_STARTED 200"})
	op("/v0/esc5/deployments/service/dep5", svc("reboot"), "SERVICE_REBOOTED",
		[]string{"VM_REBOOTED dep5_ASA-1_0 200", "VM_REBOOTED dep5_CSR-1_0 200", "SERVICE_REBOOTED 200"})
	op("/v0/esc5/deployments/service/dep5", svc("disable_monitoring"), "SERVICE_MONITOR_DISABLED", []string{"SERVICE_MONITOR_DISABLED 200"})
	if view := as(s, "admin", "GET", "/v0/deployments/dep5", "").Raw; strings.Contains(view, "<monitored>true</monitored>") {
		t.Errorf("monitoring still on: %s", view)
	}
	op("/v0/esc5/deployments/service/dep5", svc("enable_monitoring"), "SERVICE_MONITOR_ENABLED", []string{"SERVICE_MONITOR_ENABLED 200"})
	if view := as(s, "admin", "GET", "/v0/deployments/dep5", "").Raw; strings.Count(view, "<monitored>true</monitored>") != 1 {
		t.Errorf("monitoring should be back on ASA-1 (it has KPIs) only: %s", view)
	}

	// One VM: stop it, as the seed's example, and read the esc_event.
	vmOp := func(path, body, event string) callback {
		t.Helper()
		rc.reset()
		as(s, "admin", "POST", path, body, append([]string{"Content-Type", ctOf(body)}, cb...)...).Want(t, 200, path)
		wait.Until(t, event, func() bool { return len(rc.callbacks()) > 0 })
		got := rc.callbacks()[0]
		if !strings.Contains(got.Body, "<event_type>"+event+"</event_type>") || got.Code != "200" {
			t.Errorf("%s: callback %+v", path, got)
		}
		return got
	}
	got := vmOp("/v0/esc5/deployments/vm/dep5_CSR-1_0", `<vm_operation xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><operation>stop</operation></vm_operation>`, "VM_STOP_COMPLETE")
	if got.Message != "Successfully stopped VM [dep5_CSR-1_0]" {
		t.Errorf("stop VM message %q", got.Message)
	}
	vmOp("/v0/esc5/deployments/vm/dep5_CSR-1_0", `<vm_operation><operation>start</operation></vm_operation>`, "VM_START_COMPLETE")
	crash(t, s, "dep5:CSR-1:0") // unmonitored: stays down until asked
	vmOp("/v0/esc5/deployments/recovery-vm/dep5_CSR-1_0", `{"operation":"recovery_do"}`, "VM_RECOVERY_COMPLETE")
	got = vmOp("/v0/esc5/deployments/snapshot-vm/dep5_ASA-1_0", `{"operation":"snapshot","name":"before-upgrade"}`, "VM_SNAPSHOT_COMPLETE")
	if !strings.Contains(got.Body, "loc-1:") {
		t.Errorf("snapshot event names no image: %s", got.Body)
	}
	if n := len(s.Factory.VIM("loc-1").Objects(resource.KindImage)); n < 2 {
		t.Errorf("%d images at loc-1, want the snapshot besides ASA", n)
	}

	// Monitoring of one VM.
	got = vmOp("/v0/esc5/deployments/vm/dep5_ASA-1_0", `<vm_operation><operation>disable_monitoring</operation></vm_operation>`, "VM_MONITOR_DISABLED")
	if !strings.Contains(got.Body, "<vm_name>dep5_ASA-1_0</vm_name>") {
		t.Errorf("monitoring event: %s", got.Body)
	}
	dep, err := s.O.Get(context.Background(), resource.Ref{Kind: resource.KindDeployment, ID: "dep5"})
	if err != nil || !slices.Equal(dep.Spec.(*resource.Deployment).Unmonitored, []string{"dep5:ASA-1:0"}) {
		t.Errorf("unmonitored VMs: %v %v", dep.Spec.(*resource.Deployment).Unmonitored, err)
	}
	vmOp("/v0/esc5/deployments/vm/dep5_ASA-1_0", `<vm_operation><operation>enable_monitoring</operation></vm_operation>`, "VM_MONITOR_ENABLED")

	// Refusals.
	for name, tc := range map[string]struct {
		path, body string
		headers    []string
		code       int
	}{
		"no callback":      {"/v0/esc5/deployments/service/dep5", svc("stop"), nil, 400},
		"unknown op":       {"/v0/esc5/deployments/service/dep5", svc("explode"), cb, 400},
		"unknown VM":       {"/v0/esc5/deployments/vm/nope", `<vm_operation><operation>stop</operation></vm_operation>`, cb, 404},
		"other tenant":     {"/v0/esc4/deployments/service/dep5", svc("stop"), cb, 404},
		"VM unknown op":    {"/v0/esc5/deployments/vm/dep5_CSR-1_0", `<vm_operation><operation>pause</operation></vm_operation>`, cb, 400},
		"alive, checked":   {"/v0/esc5/deployments/recovery-vm/dep5_ASA-1_0", `{"operation":"recovery_do","checkVmBeforeRecovery":true}`, cb, 400},
		"snapshot unknown": {"/v0/esc5/deployments/snapshot-vm/dep5_ASA-1_0", `{"operation":"copy"}`, cb, 400},
	} {
		r := as(s, "admin", "POST", tc.path, tc.body, append([]string{"Content-Type", ctOf(tc.body)}, tc.headers...)...)
		if r.Code != tc.code {
			t.Errorf("%s: %d %s, want %d", name, r.Code, r.Raw, tc.code)
		}
	}
}

func ctOf(body string) string {
	if strings.HasPrefix(body, "{") {
		return "application/json"
	}
	return "application/xml"
}

// TestDeploymentCallbacksSurviveRestart: callbacks a receiver could not
// take before the server stopped are sent after it starts again, each
// once and in order, and the deployment's progress is reported to the end.
func TestDeploymentCallbacksSurviveRestart(t *testing.T) {
	vims := fake.NewFactory(&fake.Options{BuildTime: 5 * time.Millisecond})
	n := newNode(t, nil)
	n.vims = vims
	n.restart() // with the VIMs
	ctx := context.Background()
	if _, err := n.O.Create(ctx, &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: "loc-1"}, Name: "loc-1",
		Spec: &resource.Location{KeystoneEndpoint: "fake://loc-1"}}); err != nil {
		t.Fatal(err)
	}
	s := &apitest.Server{O: n.O, Store: n.Store}
	deploymentFixture(t, s, "esc6")
	rc := newReceiver(t)
	rc.mu.Lock()
	rc.fail = 1 << 30 // down
	rc.mu.Unlock()
	n.do("admin", "POST", "/v0/deployments/dep6", datamodelXML("esc6", "1", "1"), "Callback", rc.srv.URL+"/cb").Want(t, 200, "deploy")
	wait.Until(t, "deployed", func() bool {
		d, err := n.O.Get(ctx, resource.Ref{Kind: resource.KindDeployment, ID: "dep6"})
		return err == nil && d.Status.Phase == resource.PhaseReady
	})
	n.stop()
	rc.mu.Lock()
	rc.fail = 0 // up again, while the server is down
	rc.mu.Unlock()
	n.start()
	got := waitStage(t, rc, "/cb", "SERVICE_ALIVE")
	checkOrder(t, stages(t, got, "/cb"), []string{"dep6_ASA-1_0", "dep6_CSR-1_0"}, "SERVICE_ALIVE")
}

// TestRecoveryBoundByConfig: without a recovery_policy, a group's VMs are
// recovered VM_RECOVERY_RETRIES_MAX times, as configured when it deploys.
func TestRecoveryBoundByConfig(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	deploymentFixture(t, s, "esc7")
	as(s, "admin", "PUT", "/v0/config/default/vm_recovery_retries_max/0", "").Want(t, 200, "config")
	body := strings.Replace(datamodelXML("esc7", "1", "1"), "<recovery_policy><max_retries>1</max_retries></recovery_policy>", "", 1)
	hdr := []string{"Callback", rc.srv.URL + "/cb", "Callback-ESC-Events", rc.srv.URL + "/events"}
	as(s, "admin", "POST", "/v0/deployments/dep7", body, hdr...).Want(t, 200, "deploy")
	waitStage(t, rc, "/cb", "SERVICE_ALIVE")
	crash(t, s, "dep7:ASA-1:0")
	wait.Until(t, "given up", func() bool { return len(events(rc, "VM_RECOVERY_COMPLETE")) == 1 })
	if ev := events(rc, ""); len(ev) != 1 || ev[0] != "VM_RECOVERY_COMPLETE 500" {
		t.Errorf("events %v, want no recovery (the bound is 0) and its failure", ev)
	}
}

// TestDeploymentDay0AndPlacement: a day-0 file is fetched from where the
// datamodel says (an address the fetch policy allows) and lands on the
// VMs' config drive; zone_host pins the group to its host, and a disabled
// host is refused.
func TestDeploymentDay0AndPlacement(t *testing.T) {
	loop := &netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	s := apitest.New(t, apitest.Options{Deliver: loop.Deliverer(nil), Mounts: []apitest.Mount{
		func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
			return esc.New(b, kit, &esc.Options{Callbacks: loop, Fetches: loop}), esc.Paths, nil
		},
	}})
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/day0-asa" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "hostname asa-from-file\n")
	}))
	defer files.Close()
	rc := newReceiver(t)
	deploymentFixture(t, s, "esc8")
	body := strings.Replace(datamodelXML("esc8", "1", "1"), "<data>hostname asa</data>", "<file>"+files.URL+"/day0-asa</file>", 1)
	body = strings.Replace(body, "</config_data>", "</config_data><volumes><volume><name>data</name><volid>1</volid>"+
		"<size>1536</size><sizeunit>MiB</sizeunit><bus>scsi</bus></volume></volumes>", 1)
	body = strings.Replace(body, "<placement><type>anti_affinity</type><enforcement>strict</enforcement></placement>",
		"<placement><type>zone_host</type><zone>nova</zone><host>host-2</host></placement>", 1)
	as(s, "admin", "POST", "/v0/deployments/dep8", body, "Callback", rc.srv.URL+"/cb").Want(t, 200, "deploy")
	waitStage(t, rc, "/cb", "SERVICE_ALIVE")
	asa, err := s.O.Get(context.Background(), resource.Ref{Kind: resource.KindServer, ID: "dep8:ASA-1:0"})
	if err != nil {
		t.Fatal(err)
	}
	want := []resource.ConfigFile{{Path: "/day0-config", Contents: "hostname asa-from-file\n"}}
	if diff := cmp.Diff(want, asa.Spec.(*resource.Server).ConfigFiles); diff != "" {
		t.Errorf("day-0 files (-want +got):\n%s", diff)
	}
	// Its volume: 1536 MiB is 2 GiB, on scsi, attached to the VM.
	vols := s.Factory.VIM("loc-1").Objects(resource.KindVolume)
	if len(vols) != 1 || fmt.Sprint(vols[0].Spec["size_gb"]) != "2" || vols[0].Spec["bus"] != "scsi" {
		t.Errorf("volumes at loc-1: %+v", vols)
	}
	if ids := asa.Spec.(*resource.Server).VolumeIDs; len(ids) != 1 {
		t.Errorf("ASA's VM names volumes %v, want its one", ids)
	}
	csr := 0
	for _, o := range s.Factory.VIM("loc-1").Objects(resource.KindServer) {
		if strings.Contains(o.Name, "CSR") {
			csr++
			if o.Host != "host-2" {
				t.Errorf("CSR-1's VM on %q, want host-2", o.Host)
			}
		}
	}
	if csr != 1 {
		t.Errorf("%d CSR-1 VMs at loc-1, want 1", csr)
	}

	// A file that is not there, and a disabled host, are refused.
	missing := strings.Replace(body, "/day0-asa", "/nope", 1)
	r := as(s, "admin", "POST", "/v0/deployments/dep9", missing, "Callback", rc.srv.URL+"/cb")
	if r.Code != 400 || !strings.Contains(r.Raw, "404") {
		t.Errorf("missing day-0 file: %d %s", r.Code, r.Raw)
	}
	as(s, "admin", "POST", "/v0/hosts/host-2/disable", "", "Callback-ESC-Events", rc.srv.URL+"/events").Want(t, 200, "disable")
	r = as(s, "admin", "POST", "/v0/deployments/dep9", body, "Callback", rc.srv.URL+"/cb")
	if r.Code != 400 || !strings.Contains(r.Raw, "host-2") {
		t.Errorf("disabled host: %d %s", r.Code, r.Raw)
	}
}

// TestDeploymentPlacementGroup: a placement_group under policies puts the
// VMs of its groups in one server group of its policy; a group it names
// twice, or one unknown, is refused.
func TestDeploymentPlacementGroup(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	deploymentFixture(t, s, "esc9")
	body := strings.Replace(datamodelXML("esc9", "1", "1"), "<placement><type>anti_affinity</type><enforcement>strict</enforcement></placement>", "", 1)
	withPG := func(groups ...string) string {
		pg := "<policies><placement_group><name>apart</name><type>anti_affinity</type><enforcement>loose</enforcement>"
		for _, g := range groups {
			pg += "<vm_group>" + g + "</vm_group>"
		}
		return strings.Replace(body, "  <vm_group>\n    <name>ASA-1</name>", pg+"</placement_group></policies>\n  <vm_group>\n    <name>ASA-1</name>", 1)
	}
	as(s, "admin", "POST", "/v0/deployments/dep9", withPG("ASA-1", "CSR-1"), "Callback", rc.srv.URL+"/cb").Want(t, 200, "deploy")
	waitStage(t, rc, "/cb", "SERVICE_ALIVE")
	groups := s.Factory.VIM("loc-1").Objects(resource.KindServerGroup)
	if len(groups) != 1 || groups[0].Spec["policy"] != "soft-anti-affinity" {
		t.Fatalf("server groups at loc-1: %+v, want one soft-anti-affinity (AFFINITY filters default to hints; enforcement loose)", groups)
	}
	for _, id := range []string{"dep9:ASA-1:0", "dep9:CSR-1:0"} {
		srv, err := s.O.Get(context.Background(), resource.Ref{Kind: resource.KindServer, ID: id})
		if err != nil || srv.Spec.(*resource.Server).ServerGroupID == "" {
			t.Errorf("%s: %v, not in the placement group", id, err)
		}
	}
	for name, b := range map[string]string{"unknown group": withPG("ASA-1", "DB-1"), "one group": withPG("ASA-1")} {
		if r := as(s, "admin", "POST", "/v0/deployments/dep10", b, "Callback", rc.srv.URL+"/cb"); r.Code != 400 || !strings.Contains(r.Raw, "placement_groups") {
			t.Errorf("%s: %d %s", name, r.Code, r.Raw)
		}
	}
}

// TestDeploymentElasticScaling: an elastic group's KPI on a VIM metric
// with servicescaleup / servicescaledown rules grows the group while the
// load is high and shrinks it back when it is low, reporting each step to
// the events URL.
func TestDeploymentElasticScaling(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	deploymentFixture(t, s, "esc11")
	body := `<esc_datamodel xmlns="http://www.cisco.com/esc/esc"><tenants><tenant><name>esc11</name><deployments><deployment>
  <name>elastic</name><locator><vim_id>loc-1</vim_id></locator>
  <vm_group><name>web</name><image>ASA</image><flavor>small</flavor>
    <interfaces><interface><nicid>0</nicid><network>MgtNetwork</network></interface></interfaces>
    <scaling><min_active>1</min_active><max_active>2</max_active><elastic>true</elastic></scaling>
    <kpi_data>
      <kpi><event_name>VM_ALIVE</event_name><metric_value>1</metric_value><metric_cond>GT</metric_cond><metric_collector><type>ICMPPing</type></metric_collector></kpi>
      <kpi><event_name>VM_OVERLOADED</event_name><metric_value>80</metric_value><metric_cond>GT</metric_cond><metric_collector><type>CPU_LOAD_1</type></metric_collector></kpi>
      <kpi><event_name>VM_UNDERLOADED</event_name><metric_value>10</metric_value><metric_cond>LT</metric_cond><metric_collector><type>CPU_LOAD_1</type></metric_collector></kpi>
    </kpi_data>
    <rules><admin_rules>
      <rule><event_name>VM_OVERLOADED</event_name><action>ALWAYS log</action><action>TRUE servicescaleup.sh</action></rule>
      <rule><event_name>VM_UNDERLOADED</event_name><action>ALWAYS log</action><action>TRUE servicescaledown.sh</action></rule>
    </admin_rules></rules>
  </vm_group></deployment></deployments></tenant></tenants></esc_datamodel>`
	hdr := []string{"Callback", rc.srv.URL + "/cb", "Callback-ESC-Events", rc.srv.URL + "/events"}
	as(s, "admin", "POST", "/v0/deployments/el", body, hdr...).Want(t, 200, "deploy")
	waitStage(t, rc, "/cb", "SERVICE_ALIVE")

	vim := s.Factory.VIM("loc-1")
	vim.SetMetric("", "CPU_LOAD_1", 95)
	wait.Until(t, "scaled out", func() bool { return len(events(rc, "VM_SCALE_OUT_COMPLETE")) == 1 })
	if n := len(vim.Objects(resource.KindServer)); n != 2 {
		t.Errorf("%d VMs after the scale-out, want 2 (the maximum)", n)
	}
	vim.SetMetric("", "CPU_LOAD_1", 3)
	wait.Until(t, "scaled in", func() bool { return len(events(rc, "VM_SCALE_IN_COMPLETE")) == 1 })
	wait.Until(t, "one VM left", func() bool { return len(vim.Objects(resource.KindServer)) == 1 })
	if diff := cmp.Diff([]string{"VM_SCALE_OUT_INIT 200", "VM_SCALE_OUT_COMPLETE 200", "VM_SCALE_IN_INIT 200", "VM_SCALE_IN_COMPLETE 200"}, events(rc, "")); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	// A scaling KPI with a condition ESC does not have is refused.
	bad := strings.Replace(strings.Replace(body, "<metric_cond>LT</metric_cond>", "<metric_cond>NEAR</metric_cond>", 1), "/deployments/el", "", 1)
	if r := as(s, "admin", "POST", "/v0/deployments/el2", bad, hdr...); r.Code != 400 || !strings.Contains(r.Raw, "metric_cond") {
		t.Errorf("bad condition: %d %s", r.Code, r.Raw)
	}
}

// TestDeploymentOwnNetworks: networks a datamodel makes for its
// deployment are made with it, used by name, and undeployed with it; a
// netmask that does not fit is refused.
func TestDeploymentOwnNetworks(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	deploymentFixture(t, s, "esc12")
	nets := `<networks><network><name>inside</name><shared>false</shared><admin_state>true</admin_state>` +
		`<subnet><name>v4</name><ipversion>ipv4</ipversion><dhcp>true</dhcp><address>172.16.0.0</address>` +
		`<netmask>255.255.255.0</netmask><gateway>172.16.0.1</gateway></subnet></network></networks>`
	body := strings.Replace(datamodelXML("esc12", "1", "1"), "<locator><vim_id>loc-1</vim_id></locator>",
		"<locator><vim_id>loc-1</vim_id></locator>"+nets, 1)
	body = strings.Replace(body, "<nicid>2</nicid><network>DataNetwork</network>", "<nicid>2</nicid><network>inside</network>", 1)
	cb := []string{"Callback", rc.srv.URL + "/cb"}
	as(s, "admin", "POST", "/v0/deployments/dep12", body, cb...).Want(t, 200, "deploy")
	got := waitStage(t, rc, "/cb", "SERVICE_ALIVE")
	var bodies strings.Builder
	for _, c := range got {
		bodies.WriteString(c.Body)
	}
	if !strings.Contains(bodies.String(), "<ip_address>172.16.0.") {
		t.Errorf("CSR-1 has no address on the deployment's network: %+v", got)
	}
	if n := len(s.Factory.VIM("loc-1").Objects(resource.KindNetwork)); n != 3 {
		t.Errorf("%d networks at loc-1, want MgtNetwork, DataNetwork and the deployment's", n)
	}
	rc.reset()
	as(s, "admin", "DELETE", "/v0/deployments/dep12", "", cb...).Want(t, 200, "undeploy")
	waitStage(t, rc, "/cb", "SERVICE_UNDEPLOYED")
	wait.Until(t, "its network gone", func() bool { return len(s.Factory.VIM("loc-1").Objects(resource.KindNetwork)) == 2 })

	for name, tc := range map[string]struct{ from, to, want string }{
		"bad netmask":     {"<netmask>255.255.255.0</netmask>", "<netmask>255.0.255.0</netmask>", "netmask"},
		"not the network": {"<address>172.16.0.0</address>", "<address>172.16.0.9</address>", "first address"},
		"shared":          {"<shared>false</shared>", "<shared>true</shared>", "shared"},
	} {
		if r := as(s, "admin", "POST", "/v0/deployments/dep13", strings.Replace(body, tc.from, tc.to, 1), cb...); r.Code != 400 || !strings.Contains(r.Raw, tc.want) {
			t.Errorf("%s: %d %s", name, r.Code, r.Raw)
		}
	}
}

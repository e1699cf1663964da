package esc_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/wait"
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

package esc_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/esc"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
)

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

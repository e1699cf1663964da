package esc_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
)

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

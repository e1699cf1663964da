package esc

import (
	"context"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/resource"
)

// A deployment's writes report as ESC's do: one callback per VM as it is
// deployed (VM_DEPLOYED) and comes up (VM_ALIVE), then one for the service
// (SERVICE_ALIVE, SERVICE_UPDATED); an undeployment one per VM removed
// (VM_UNDEPLOYED) then SERVICE_UNDEPLOYED. A VM is deployed when the VIM
// holds its machine, alive when orca reports it Ready (the VIM runs it).
// Recoveries and the scaling of elastic groups (VM_SCALE_OUT_INIT /
// _COMPLETE, VM_SCALE_IN_...) are events, sent to the Callback-ESC-Events
// URL for as long as the deployment lives: VM_RECOVERY_INIT when orca starts redeploying
// a failed VM, VM_RECOVERY_COMPLETE when it is back, or with status 500
// when its recoveries are spent. What was reported is kept in the watch's
// state, so each callback is sent once.

// vmState is one VM of a deployment: its server, and its copy at the
// deployment's location (nil until made).
type vmState struct {
	server *resource.Resource
	local  *resource.Resource
	group  string
}

func (v vmState) deployed() bool { return v.local != nil && v.local.Status.ExternalID != "" }

func (v vmState) alive() bool {
	return v.deployed() && v.server.Status.Phase == resource.PhaseReady && v.local.Status.Phase == resource.PhaseReady
}

// vmInterface is a VM's NIC as ESC reports it.
type vmInterface struct {
	NetworkUUID    string `xml:"network_uuid" json:"network_uuid"`
	IPAddress      string `xml:"ip_address" json:"ip_address"`
	MACAddress     string `xml:"mac_address" json:"mac_address"`
	NicID          int    `xml:"nic_id" json:"nic_id"`
	PortForwarding string `xml:"port_forwarding" json:"port_forwarding"`
	PortUUID       string `xml:"port_uuid" json:"port_uuid"`
	SecurityGroups string `xml:"security_groups" json:"security_groups"`
	SubnetUUID     string `xml:"subnet_uuid" json:"subnet_uuid"`
	Type           string `xml:"type" json:"type"`
}

// vmDetails is a VM in a deployment callback.
type vmDetails struct {
	HostUUID   string        `xml:"host_uuid" json:"host_uuid"`
	HostName   string        `xml:"host_name" json:"host_name"`
	VMUUID     string        `xml:"vm_uuid" json:"vm_uuid"`
	Interfaces []vmInterface `xml:"interfaces>interface" json:"interfaces"`
	VMGroup    string        `xml:"vm_group_name" json:"vm_group_name"`
	VMName     string        `xml:"vm_name" json:"vm_name"`
	VMState    string        `xml:"vm_state_machine_state" json:"vm_state_machine_state"`
}

// deploymentBody is a deployment in a callback, as the seed's examples.
type deploymentBody struct {
	XMLName    xml.Name `xml:"urn:ietf:params:xml:ns:netconf:base:1.0 deployment" json:"-"`
	Datacenter struct {
		Default bool `xml:"default" json:"default"`
	} `xml:"datacenter" json:"datacenter"`
	Details              *vmDetails `xml:"deployment_details,omitempty" json:"deployment_details,omitempty"`
	Name                 string     `xml:"deployment_name" json:"deployment_name"`
	Stage                string     `xml:"deployment_stage,omitempty" json:"deployment_stage,omitempty"`
	ExternalDeploymentID string     `xml:"external_deployment_id" json:"external_deployment_id"`
	ExternalTenantID     string     `xml:"external_tenant_id" json:"external_tenant_id"`
	InternalDeploymentID string     `xml:"internal_deployment_id" json:"internal_deployment_id"`
	InternalTenantID     string     `xml:"internal_tenant_id" json:"internal_tenant_id"`
	ServiceState         string     `xml:"service_state_machine_state" json:"service_state_machine_state"`
}

// escEvent is an event about one VM (VM operations, recoveries).
type escEvent struct {
	XMLName              xml.Name  `xml:"urn:ietf:params:xml:ns:netconf:base:1.0 esc_event" json:"-"`
	DeploymentName       string    `xml:"deployment_name" json:"deployment_name"`
	EventDetails         string    `xml:"event_details" json:"event_details"`
	EventType            string    `xml:"event_type" json:"event_type"`
	ExternalDeploymentID string    `xml:"external_deployment_id" json:"external_deployment_id"`
	ExternalTenantID     string    `xml:"external_tenant_id" json:"external_tenant_id"`
	InternalDeploymentID string    `xml:"internal_deployment_id" json:"internal_deployment_id"`
	InternalTenantID     string    `xml:"internal_tenant_id" json:"internal_tenant_id"`
	VMSource             vmDetails `xml:"vm_source" json:"vm_source"`
}

// deploymentEvent is a deployment callback; vm is nil for the service's.
func deploymentEvent(d *resource.Resource, stage, serviceState string, vm *vmState) deploymentBody {
	b := deploymentBody{
		Name: d.Name, Stage: stage, ExternalDeploymentID: d.ID, InternalDeploymentID: d.ID,
		ExternalTenantID: d.Tenant, InternalTenantID: d.Tenant, ServiceState: serviceState,
	}
	if vm != nil {
		det := vm.details(vmStateName(*vm))
		b.Details = &det
	}
	return b
}

func vmEvent(d *resource.Resource, event, details string, vm vmState) escEvent {
	return escEvent{
		DeploymentName: d.Name, EventDetails: details, EventType: event,
		ExternalDeploymentID: d.ID, InternalDeploymentID: d.ID, ExternalTenantID: d.Tenant, InternalTenantID: d.Tenant,
		VMSource: vm.details(vmStateName(vm)),
	}
}

// vmStateName is the VM's state in ESC's words.
func vmStateName(v vmState) string {
	switch {
	case v.server.Deleting:
		return "VM_UNDEPLOYING_STATE"
	case v.alive():
		if ps, _ := v.local.Status.Output["power_state"].(string); ps == "off" {
			return "VM_SHUTOFF_STATE"
		}
		return "VM_ALIVE_STATE"
	case v.local != nil && v.local.Status.Phase == resource.PhaseFailed:
		return "VM_ERROR_STATE"
	case v.deployed():
		return "VM_INERT_STATE"
	}
	return "VM_DEPLOYING_STATE"
}

// details renders what the VIM reports of a VM.
func (v vmState) details(state string) vmDetails {
	d := vmDetails{VMGroup: v.group, VMName: v.server.Name, VMState: state}
	if v.local == nil {
		return d
	}
	out := v.local.Status.Output
	d.VMUUID = v.local.Status.ExternalID
	d.HostUUID, _ = out["host_id"].(string)
	d.HostName, _ = out["host"].(string)
	if d.HostName == "" {
		d.HostName = v.local.Location
	}
	ifaces, _ := out["interfaces"].([]any)
	for i, raw := range ifaces {
		m, _ := raw.(map[string]any)
		str := func(k string) string { s, _ := m[k].(string); return s }
		d.Interfaces = append(d.Interfaces, vmInterface{
			NetworkUUID: str("network_id"), IPAddress: str("ip_address"), MACAddress: str("mac_address"),
			NicID: i, PortUUID: str("port_id"), SubnetUUID: str("subnet_id"), Type: "virtual",
		})
	}
	return d
}

// State keys of a deployment's watches.
const (
	stDeployed  = "deployed/"  // + server ID: VM_DEPLOYED sent
	stAlive     = "alive/"     // + server ID: VM_ALIVE sent
	stGone      = "gone/"      // + server ID: VM_UNDEPLOYED sent
	stRecovered = "recovered/" // + server ID: recoveries reported
	stScaled    = "scaled/"    // + init or done: the scaling step reported
	stBefore    = "before/"    // + server ID, a param: the VMs when the write was made, with their names
	stBeforeGen = "beforegen/" // + server ID, a param: their servers' generation then
	stUpdated   = "updated/"   // + server ID: VM_UPDATED sent
)

// deployProgress reports a deployment or an update of one.
func (a *api) deployProgress(ctx context.Context, t transaction, w *resource.Watch, d *resource.Resource) (step, error) {
	service, success := "SERVICE_ALIVE", "Service group deployment completed successfully!"
	if t.op == opUpdate {
		service, success = "SERVICE_UPDATED", "Service group update completed successfully"
	}
	if d == nil || d.Deleting {
		return step{done: true, reports: []report{{http.StatusInternalServerError, "Deployment was undeployed before it completed",
			deploymentBody{Name: w.TargetID, Stage: service, InternalDeploymentID: w.TargetID, ExternalDeploymentID: w.TargetID}}}}, nil
	}
	vms, err := a.deploymentVMs(ctx, d)
	if err != nil {
		return step{}, err
	}
	state, before := stateOf(w)
	var st step
	current := map[string]bool{}
	for _, vm := range vms {
		id := vm.server.ID
		current[id] = true
		if _, ok := before[id]; ok {
			// There before this write: news only if the write changed it.
			if updated(w, vm) && vm.alive() && state[stUpdated+id] == "" {
				state[stUpdated+id] = "1"
				st.reports = append(st.reports, report{http.StatusOK, fmt.Sprintf("VM has been updated successfully. vm: VM ID: [%s]", vm.server.Name),
					deploymentEvent(d, "VM_UPDATED", "SERVICE_INERT_STATE", &vm)})
			}
			continue
		}
		if vm.deployed() && state[stDeployed+id] == "" {
			state[stDeployed+id] = "1"
			st.reports = append(st.reports, report{http.StatusOK, "VM Deployed", deploymentEvent(d, "VM_DEPLOYED", "SERVICE_DEPLOYING_STATE", &vm)})
		}
		if vm.alive() && state[stAlive+id] == "" {
			state[stAlive+id] = "1"
			st.reports = append(st.reports, report{http.StatusOK, fmt.Sprintf("VM_Alive event received, VM ID: [%s]", vm.server.Name),
				deploymentEvent(d, "VM_ALIVE", "SERVICE_INERT_STATE", &vm)})
		}
	}
	st.reports = append(st.reports, undeployed(d, state, before, current)...)
	settled := d.Status.ObservedGeneration == d.Generation
	switch {
	case settled && d.Status.Phase == resource.PhaseFailed:
		st.done = true
		st.reports = append(st.reports, report{http.StatusInternalServerError, "Service group deployment failed: " + d.Status.Message,
			deploymentEvent(d, service, "SERVICE_ERROR_STATE", nil)})
	case settled && d.Status.Phase == resource.PhaseReady && allReported(w, vms, before, state):
		st.done = true
		st.reports = append(st.reports, report{http.StatusOK, success, deploymentEvent(d, service, "SERVICE_ACTIVE_STATE", nil)})
	}
	st.state = state
	return st, nil
}

// undeployProgress reports an undeployment: each VM as it goes, then the
// service.
func (a *api) undeployProgress(ctx context.Context, t transaction, w *resource.Watch, d *resource.Resource) (step, error) {
	state, before := stateOf(w)
	current := map[string]bool{}
	ghost := &resource.Resource{Ref: resource.Ref{Kind: deploymentKind, ID: w.TargetID}, Name: state["name"], Tenant: state["tenant"]}
	if d != nil {
		vms, err := a.deploymentVMs(ctx, d)
		if err != nil {
			return step{}, err
		}
		for _, vm := range vms {
			current[vm.server.ID] = true
		}
		ghost = d
		state["name"], state["tenant"] = d.Name, d.Tenant
	}
	st := step{state: state, reports: undeployed(ghost, state, before, current)}
	if d == nil {
		st.done = true
		st.reports = append(st.reports, report{http.StatusOK, "Service group undeployment completed successfully",
			deploymentEvent(ghost, "SERVICE_UNDEPLOYED", "SERVICE_UNDEPLOYED_STATE", nil)})
	}
	return st, nil
}

// undeployed reports the VMs there before the write and gone since.
func undeployed(d *resource.Resource, state map[string]string, before map[string]string, current map[string]bool) []report {
	var out []report
	for _, id := range slices.Sorted(maps.Keys(before)) {
		if current[id] || state[stGone+id] != "" {
			continue
		}
		state[stGone+id] = "1"
		vm := vmState{server: &resource.Resource{Ref: resource.Ref{Kind: resource.KindServer, ID: id}, Name: before[id]}}
		out = append(out, report{http.StatusOK, "VM Undeployed", deploymentEvent(d, "VM_UNDEPLOYED", "SERVICE_UNDEPLOYING_STATE", &vm)})
	}
	return out
}

// monitorProgress reports a deployment's recoveries to its events URL,
// for as long as it lives.
func (a *api) monitorProgress(ctx context.Context, t transaction, w *resource.Watch, d *resource.Resource) (step, error) {
	if d == nil {
		return step{done: true}, nil
	}
	vms, err := a.deploymentVMs(ctx, d)
	if err != nil {
		return step{}, err
	}
	state, _ := stateOf(w)
	started, _ := d.Status.Output[orca.DeploymentRecoveriesKey].(map[string]any)
	var st step
	for _, vm := range vms {
		id := vm.server.ID
		n := outputInt(started[id])
		reported, complete := recoveryState(state[stRecovered+id])
		if n > reported {
			st.events = append(st.events, report{http.StatusOK, fmt.Sprintf("Recovery event for VM [%s] triggered.", vm.server.Name),
				vmEvent(d, "VM_RECOVERY_INIT", fmt.Sprintf("recovery %d", n), vm)})
			reported, complete = n, false
		}
		if reported > 0 && !complete && vm.alive() {
			st.events = append(st.events, report{http.StatusOK, fmt.Sprintf("Recovery: Successfully recovered VM [%s].", vm.server.Name),
				vmEvent(d, "VM_RECOVERY_COMPLETE", "", vm)})
			complete = true
		}
		if d.Status.Phase == resource.PhaseFailed && strings.Contains(d.Status.Message, id+":") && state[stRecovered+id+"/failed"] == "" {
			state[stRecovered+id+"/failed"] = "1"
			st.events = append(st.events, report{http.StatusInternalServerError, fmt.Sprintf("Recovery: Recovery completed with errors for VM: [%s]", vm.server.Name),
				vmEvent(d, "VM_RECOVERY_COMPLETE", d.Status.Message, vm)})
		}
		state[stRecovered+id] = strconv.FormatInt(reported, 10) + map[bool]string{true: "/done", false: ""}[complete]
	}
	st.events = append(st.events, scalingEvents(d, state)...)
	st.state = state
	return st, nil
}

// scalingEvents reports orca's scaling steps of elastic groups: the step
// when it is taken, and its completion once the deployment has realized
// it.
func scalingEvents(d *resource.Resource, state map[string]string) []report {
	sc, _ := d.Status.Output[orca.DeploymentScalingKey].(map[string]any)
	seq := strconv.FormatInt(outputInt(sc["seq"]), 10)
	if sc == nil || state[stScaled+"done"] == seq {
		return nil
	}
	group, _ := sc["group"].(string)
	word, verb := "SCALE_OUT", "out"
	if sc["action"] == resource.ScaleIn {
		word, verb = "SCALE_IN", "in"
	}
	details := fmt.Sprintf("VM group %s to %d VMs", group, outputInt(sc["count"]))
	var out []report
	if state[stScaled+"init"] != seq {
		state[stScaled+"init"] = seq
		out = append(out, report{http.StatusOK, fmt.Sprintf("Scale %s of VM group [%s] triggered.", verb, group),
			escEvent{DeploymentName: d.Name, EventType: "VM_" + word + "_INIT", EventDetails: details,
				ExternalDeploymentID: d.ID, InternalDeploymentID: d.ID, ExternalTenantID: d.Tenant, InternalTenantID: d.Tenant}})
	}
	if d.Status.Phase == resource.PhaseReady && d.Status.ObservedGeneration == d.Generation {
		state[stScaled+"done"] = seq
		out = append(out, report{http.StatusOK, fmt.Sprintf("Scale %s of VM group [%s] completed.", verb, group),
			escEvent{DeploymentName: d.Name, EventType: "VM_" + word + "_COMPLETE", EventDetails: details,
				ExternalDeploymentID: d.ID, InternalDeploymentID: d.ID, ExternalTenantID: d.Tenant, InternalTenantID: d.Tenant}})
	}
	return out
}

func recoveryState(s string) (n int64, complete bool) {
	num, done := strings.CutSuffix(s, "/done")
	n, _ = strconv.ParseInt(num, 10, 64)
	return n, done
}

// stateOf is a watch's state (a copy to edit) and the VMs its write began
// with, by server ID, with their names.
func stateOf(w *resource.Watch) (map[string]string, map[string]string) {
	state := maps.Clone(w.State)
	if state == nil {
		state = map[string]string{}
	}
	before := map[string]string{}
	for k, v := range w.Params {
		if id, ok := strings.CutPrefix(k, stBefore); ok {
			before[id] = v
		}
	}
	return state, before
}

// beforeParams records the VMs a write begins with.
func beforeParams(vms []vmState) map[string]string {
	p := map[string]string{}
	for _, vm := range vms {
		p[stBefore+vm.server.ID] = vm.server.Name
		p[stBeforeGen+vm.server.ID] = strconv.FormatInt(vm.server.Generation, 10)
	}
	return p
}

// updated reports whether the write changed a VM that was there before
// it (its server's spec changed since, and the change is realized).
func updated(w *resource.Watch, vm vmState) bool {
	gen, err := strconv.ParseInt(w.Params[stBeforeGen+vm.server.ID], 10, 64)
	return err == nil && vm.server.Generation > gen && vm.server.Status.ObservedGeneration == vm.server.Generation
}

// allReported says whether every VM the write made or changed has been
// reported up.
func allReported(w *resource.Watch, vms []vmState, before map[string]string, state map[string]string) bool {
	for _, vm := range vms {
		id := vm.server.ID
		if _, ok := before[id]; !ok && state[stAlive+id] == "" {
			return false
		}
		if gen, err := strconv.ParseInt(w.Params[stBeforeGen+id], 10, 64); err == nil && vm.server.Generation > gen && state[stUpdated+id] == "" {
			return false
		}
	}
	return true
}

// deploymentView is GET /deployments/{id}: the deployment, its groups'
// VMs and its state machine.
type deploymentView struct {
	XMLName      xml.Name   `xml:"urn:ietf:params:xml:ns:netconf:base:1.0 deployment" json:"-"`
	Name         string     `xml:"deployment_name" json:"deployment_name"`
	InternalID   string     `xml:"internal_deployment_id" json:"internal_deployment_id"`
	ExternalID   string     `xml:"external_deployment_id" json:"external_deployment_id"`
	TenantID     string     `xml:"internal_tenant_id" json:"internal_tenant_id"`
	VIM          string     `xml:"vim_id,omitempty" json:"vim_id,omitempty"`
	Groups       []viewGrp  `xml:"vm_group" json:"vm_group"`
	State        string     `xml:"state_machine>state" json:"state"`
	VMStates     []vmStMach `xml:"state_machine>vm_state_machines>vm_state_machine" json:"vm_state_machines"`
	StatusDetail string     `xml:"status_message,omitempty" json:"status_message,omitempty"`
}

type viewGrp struct {
	Name      string      `xml:"name" json:"name"`
	MinActive int64       `xml:"scaling>min_active" json:"min_active"`
	MaxActive int64       `xml:"scaling>max_active" json:"max_active"`
	Active    int64       `xml:"scaling>active" json:"active"`
	Monitored bool        `xml:"monitored" json:"monitored"`
	VMs       []vmDetails `xml:"vm_instance" json:"vm_instance"`
}

type vmStMach struct {
	VMName string `xml:"vm_name" json:"vm_name"`
	State  string `xml:"state" json:"state"`
}

type deploymentList struct {
	XMLName     xml.Name         `xml:"urn:ietf:params:xml:ns:netconf:base:1.0 deployments"`
	Deployments []deploymentView `xml:"deployment"`
}

func deploymentViewOf(d *resource.Resource, vms []vmState) deploymentView {
	v := deploymentView{Name: d.Name, InternalID: d.ID, ExternalID: d.ID, TenantID: d.Tenant, State: serviceState(d, vms)}
	if d.Placement != nil && len(d.Placement.Locations) == 1 {
		v.VIM = d.Placement.Locations[0]
	}
	if d.Status.Phase == resource.PhaseFailed {
		v.StatusDetail = d.Status.Message
	}
	spec, _ := d.Spec.(*resource.Deployment)
	if spec == nil {
		return v
	}
	for _, g := range spec.Groups {
		vg := viewGrp{Name: g.Name, MinActive: g.MinCount, MaxActive: g.MaxCount, Active: g.Count, Monitored: g.Monitored}
		for _, vm := range vms {
			if vm.group == g.Name {
				vg.VMs = append(vg.VMs, vm.details(vmStateName(vm)))
			}
		}
		v.Groups = append(v.Groups, vg)
	}
	for _, vm := range vms {
		v.VMStates = append(v.VMStates, vmStMach{VMName: vm.server.Name, State: vmStateName(vm)})
	}
	return v
}

// serviceState is a deployment's state in ESC's words; with its VMs at
// hand (nil if not), a deployment whose VMs are all powered off is
// stopped.
func serviceState(d *resource.Resource, vms []vmState) string {
	switch {
	case d.Deleting:
		return "SERVICE_UNDEPLOYING_STATE"
	case d.Status.Phase == resource.PhaseReady && len(vms) > 0 && !slices.ContainsFunc(vms, func(v vmState) bool { return vmStateName(v) != "VM_SHUTOFF_STATE" }):
		return "SERVICE_STOPPED_STATE"
	case d.Status.Phase == resource.PhaseReady:
		return "SERVICE_ACTIVE_STATE"
	case d.Status.Phase == resource.PhaseFailed:
		return "SERVICE_ERROR_STATE"
	case d.Status.Phase == resource.PhaseUpdating:
		return "SERVICE_UPDATING_STATE"
	}
	return "SERVICE_DEPLOYING_STATE"
}

// outputInt is a number of a deployment's status output, 0 when absent.
func outputInt(v any) int64 {
	n, _ := orca.OutputInt(v)
	return n
}

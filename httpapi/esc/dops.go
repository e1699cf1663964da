package esc

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// Operations on a deployment and on its VMs are orca actions on the VMs'
// servers (power, reboot, recover, snapshot); each reports per VM as its
// action ends, then (for a deployment) for the service. Monitoring is a
// deployment's: disabling it stops recoveries, enabling it resumes them
// for the groups that have KPIs.

const (
	opService  = "service_operation"
	opVM       = "vm_operation"
	opRecover  = "recovery_vm_operation"
	opSnapshot = "snapshot_vm_operation"
	opMonitorX = "monitoring_operation"

	paramOperation = "operation"
	paramAction    = "action/" // + server ID: the action doing it
	labelNoMonitor = "esc/monitoring_disabled"
)

// opBody is an operation request, whatever its root element (the seed
// names service_operation and vm_operation; recovery and snapshot share
// the shape).
type opBody struct {
	Operation       string   `xml:"operation" json:"operation"`
	CheckVM         *bool    `xml:"checkVmBeforeRecovery" json:"checkVmBeforeRecovery,omitempty"`
	Name            string   `xml:"name,omitempty" json:"name,omitempty"`
	Properties      *freeXML `xml:"properties" json:"properties,omitempty"`
	Metadata        *freeXML `xml:"metadata" json:"metadata,omitempty"`
	DeploymentName  string   `xml:"deployment_name,omitempty" json:"deployment_name,omitempty"`
	VMName          string   `xml:"vm_name,omitempty" json:"vm_name,omitempty"`
	InternalTenant  string   `xml:"internal_tenant_id,omitempty" json:"internal_tenant_id,omitempty"`
	InternalDeploym string   `xml:"internal_deployment_id,omitempty" json:"internal_deployment_id,omitempty"`
}

// verbs are what each operation does to a VM's server.
var verbs = map[string]struct {
	verb        string
	params      map[string]string
	vmEvent     string // in a deployment's callbacks
	vmDone      string
	opEvent     string // a VM operation's event
	service     string
	serviceDone string
}{
	"stop": {resource.VerbPower, map[string]string{"target": "off"}, "VM_STOPPED", "VM successfully stopped", "VM_STOP_COMPLETE",
		"SERVICE_STOPPED", "Service group suspension completed successfully"},
	"start": {resource.VerbPower, map[string]string{"target": "on"}, "VM_STARTED", "VM successfully started", "VM_START_COMPLETE",
		"SERVICE_STARTED", "Service group resumption completed successfully"},
	"reboot": {resource.VerbReboot, map[string]string{"type": "soft"}, "VM_REBOOTED", "VM successfully rebooted", "VM_REBOOT_COMPLETE",
		"SERVICE_REBOOTED", "Service group reboot completed successfully"},
}

func (a *api) operationArea() area {
	return area{
		routes: []route{
			{"POST", "/{tenant}/deployments/service/{deployment}", a.serviceOperation},
			{"POST", "/tenants/{tenant}/deployments/service/{deployment}", a.serviceOperation},
			{"POST", "/{tenant}/deployments/vm/{vm}", a.vmOperation},
			{"POST", "/tenants/{tenant}/deployments/vm/{vm}", a.vmOperation},
			{"POST", "/{tenant}/deployments/recovery-vm/{vm}", a.recoveryOperation},
			{"POST", "/{tenant}/deployments/snapshot-vm/{vm}", a.snapshotOperation},
		},
		progress: map[string]progress{opService: a.serviceProgress, opVM: a.vmProgress, opRecover: a.vmProgress, opSnapshot: a.vmProgress},
		outcomes: map[string]outcome{opMonitorX: a.monitoringOutcome},
	}
}

// readOp reads an operation and starts its transaction: ESC refuses an
// operation without a Callback.
func (a *api) readOp(w http.ResponseWriter, r *http.Request, op string) (*opBody, transaction, error) {
	var in opBody
	if err := a.readBody(w, r, &in, "operation"); err != nil {
		return nil, transaction{}, err
	}
	in.Operation = strings.ToLower(strings.TrimSpace(in.Operation))
	if r.Header.Get(headerCallback) == "" {
		return nil, transaction{}, resource.InvalidField(headerCallback, "Missing callback: an operation needs a Callback header")
	}
	t, err := a.begin(r, op)
	return &in, t, err
}

// opTenant checks the tenant in the path as the caller may see it.
func (a *api) opTenant(r *http.Request) (string, error) {
	id := r.PathValue("tenant")
	t, err := dialect.FetchTenant(r.Context(), a.b, id)
	if resource.CodeOf(err) == resource.NotFound {
		return "", errNotFound("Tenant", id)
	}
	if err != nil {
		return "", err
	}
	return t.ID, nil
}

func (a *api) serviceOperation(w http.ResponseWriter, r *http.Request) error {
	tenant, err := a.opTenant(r)
	if err != nil {
		return err
	}
	d, err := a.fetchDeployment(r)
	if err != nil {
		return err
	}
	if d.Tenant != tenant {
		return errNotFound("Deployment", d.ID)
	}
	in, t, err := a.readOp(w, r, opService)
	if err != nil {
		return err
	}
	switch in.Operation {
	case "enable_monitoring", "disable_monitoring":
		t.op = opMonitorX
		out, err := a.setMonitoring(r.Context(), d, in.Operation == "enable_monitoring")
		if err != nil {
			return err
		}
		t.extra = map[string]string{paramOperation: in.Operation}
		return a.accept(w, r, t, out.Tenant, out.Ref, deploymentEvent(out, "", serviceState(out, nil), nil))
	}
	v, ok := verbs[in.Operation]
	if !ok {
		return resource.InvalidField("operation", "Deployment operation is not applicable: %q (stop, start, reboot, enable_monitoring, disable_monitoring)", in.Operation)
	}
	vms, err := a.deploymentVMs(r.Context(), d)
	if err != nil {
		return err
	}
	if d.Deleting || len(vms) == 0 {
		return resource.Errorf(resource.Invalid, "Deployment operation is not applicable: deployment %s has no VMs to %s", d.ID, in.Operation)
	}
	t.extra = map[string]string{paramOperation: in.Operation}
	for _, vm := range vms {
		act, err := a.b.Act(r.Context(), vm.server.Ref, v.verb, v.params)
		if err != nil {
			return err // actions asked before stay: each is one VM's whole operation
		}
		t.extra[paramAction+vm.server.ID] = act.ID
	}
	return a.accept(w, r, t, d.Tenant, d.Ref, deploymentEvent(d, "", serviceState(d, nil), nil))
}

// setMonitoring turns recoveries of d's groups off, or back on for the
// groups whose datamodel has KPIs.
func (a *api) setMonitoring(ctx context.Context, d *resource.Resource, on bool) (*resource.Resource, error) {
	return dialect.Change(ctx, a.b, d.Ref, func(next *resource.Resource) error {
		spec := *next.Spec.(*resource.Deployment)
		spec.Groups = slices.Clone(spec.Groups)
		kpis := map[string]bool{}
		if on {
			delete(next.Labels, labelNoMonitor)
			kpis = groupsWithKPIs(spec.Document)
		} else {
			next.Labels[labelNoMonitor] = "true"
		}
		for i := range spec.Groups {
			spec.Groups[i].Monitored = kpis[spec.Groups[i].Name]
		}
		next.Spec = &spec
		return nil
	})
}

// setVMMonitoring turns recoveries of one VM of d off or back on.
func (a *api) setVMMonitoring(ctx context.Context, d *resource.Resource, vm string, on bool) (*resource.Resource, error) {
	return dialect.Change(ctx, a.b, d.Ref, func(next *resource.Resource) error {
		spec := *next.Spec.(*resource.Deployment)
		spec.Unmonitored = slices.DeleteFunc(slices.Clone(spec.Unmonitored), func(id string) bool { return id == vm })
		if !on {
			spec.Unmonitored = append(spec.Unmonitored, vm)
		}
		next.Spec = &spec
		return nil
	})
}

// groupsWithKPIs reads, from a deployment's stored datamodel, which groups
// have KPIs.
func groupsWithKPIs(doc string) map[string]bool {
	f := formatXML
	if strings.HasPrefix(strings.TrimSpace(doc), "{") {
		f = formatJSON
	}
	out := map[string]bool{}
	var dm datamodel
	if decode([]byte(doc), f, &dm, "datamodel") != nil {
		return out
	}
	for _, t := range dm.Tenants.Tenant {
		for _, d := range t.Deployments.Deployment {
			for _, g := range d.VMGroups {
				out[g.Name] = hasKPIs(&g)
			}
		}
	}
	return out
}

func (a *api) monitoringOutcome(ctx context.Context, t transaction, w *resource.Watch, d *resource.Resource) *report {
	if d == nil {
		return &report{http.StatusInternalServerError, "Deployment " + w.TargetID + " no longer exists", nil}
	}
	for k := range w.Params {
		if id, ok := strings.CutPrefix(k, paramAction); ok { // one VM's
			ref := resource.Ref{Kind: resource.KindServer, ID: id}
			vm := vmState{server: &resource.Resource{Ref: ref, Name: id}}
			if srv, err := a.b.Get(ctx, ref); err == nil {
				vm = vmState{server: srv, group: groupOf(d, srv)}
			}
			if w.Params[paramOperation] == "enable_monitoring" {
				return &report{http.StatusOK, "VM monitoring enabled", vmEvent(d, "VM_MONITOR_ENABLED", "", vm)}
			}
			return &report{http.StatusOK, "VM monitoring disabled", vmEvent(d, "VM_MONITOR_DISABLED", "", vm)}
		}
	}
	if w.Params[paramOperation] == "enable_monitoring" {
		return &report{http.StatusOK, "Service group monitoring enabled", deploymentEvent(d, "SERVICE_MONITOR_ENABLED", serviceState(d, nil), nil)}
	}
	return &report{http.StatusOK, "Service group monitoring disabled", deploymentEvent(d, "SERVICE_MONITOR_DISABLED", serviceState(d, nil), nil)}
}

// serviceProgress reports a deployment operation: each VM as its action
// ends, then the service.
func (a *api) serviceProgress(ctx context.Context, t transaction, w *resource.Watch, d *resource.Resource) (step, error) {
	v := verbs[w.Params[paramOperation]]
	if d == nil {
		return step{done: true, reports: []report{{http.StatusInternalServerError, "Deployment " + w.TargetID + " no longer exists", nil}}}, nil
	}
	vms, err := a.deploymentVMs(ctx, d)
	if err != nil {
		return step{}, err
	}
	state, _ := stateOf(w)
	var st step
	pending, failed := 0, 0
	for _, vm := range vms {
		id, ok := w.Params[paramAction+vm.server.ID]
		if !ok {
			continue
		}
		act, err := a.b.Get(ctx, resource.Ref{Kind: resource.KindAction, ID: id})
		switch {
		case resource.CodeOf(err) == resource.NotFound:
			act = nil // pruned: it ended long ago
		case err != nil:
			return step{}, err
		case orca.Unfinished(act):
			pending++
			continue
		}
		ok = act == nil || act.Status.Phase == resource.PhaseReady
		if !ok {
			failed++
		}
		if state[paramAction+vm.server.ID] != "" {
			continue
		}
		state[paramAction+vm.server.ID] = "reported"
		if ok {
			st.reports = append(st.reports, report{http.StatusOK, v.vmDone, deploymentEvent(d, v.vmEvent, serviceState(d, vms), &vm)})
		} else {
			st.reports = append(st.reports, report{http.StatusInternalServerError, fmt.Sprintf("VM %s failed: %s", w.Params[paramOperation], act.Status.Message),
				deploymentEvent(d, v.vmEvent, serviceState(d, vms), &vm)})
		}
	}
	st.state = state
	if pending == 0 {
		st.done = true
		if failed > 0 {
			st.reports = append(st.reports, report{http.StatusInternalServerError, fmt.Sprintf("Service group %s failed for %d VMs", w.Params[paramOperation], failed),
				deploymentEvent(d, v.service, serviceState(d, vms), nil)})
		} else {
			st.reports = append(st.reports, report{http.StatusOK, v.serviceDone, deploymentEvent(d, v.service, v.service+"_STATE", nil)})
		}
	}
	return st, nil
}

// findVM is the deployment VM of the path in the path's tenant.
func (a *api) findVM(r *http.Request) (*resource.Resource, *resource.Resource, error) {
	tenant, err := a.opTenant(r)
	if err != nil {
		return nil, nil, err
	}
	name := r.PathValue("vm")
	page, err := a.b.List(r.Context(), store.Filter{Kind: resource.KindServer, Tenant: tenant, Name: name})
	if err != nil {
		return nil, nil, err
	}
	for _, s := range page.Items {
		if dep := s.Labels[orca.LabelDeployment]; dep != "" && !s.Deleting {
			d, err := a.b.Get(r.Context(), resource.Ref{Kind: deploymentKind, ID: dep})
			if err != nil {
				return nil, nil, err
			}
			return s, d, nil
		}
	}
	return nil, nil, resource.Errorf(resource.NotFound, "VM %s not found in tenant %s", name, tenant)
}

// vmRequest reads a VM operation: the VM, its deployment, the request
// and its transaction.
func (a *api) vmRequest(w http.ResponseWriter, r *http.Request, op string) (s, d *resource.Resource, in *opBody, t transaction, err error) {
	if s, d, err = a.findVM(r); err != nil {
		return
	}
	in, t, err = a.readOp(w, r, op)
	return
}

func (a *api) vmOperation(w http.ResponseWriter, r *http.Request) error {
	s, d, in, t, err := a.vmRequest(w, r, opVM)
	if err != nil {
		return err
	}
	switch in.Operation {
	case "enable_monitoring", "disable_monitoring":
		t.op = opMonitorX
		out, err := a.setVMMonitoring(r.Context(), d, s.ID, in.Operation == "enable_monitoring")
		if err != nil {
			return err
		}
		t.extra = map[string]string{paramOperation: in.Operation, paramAction + s.ID: ""}
		return a.accept(w, r, t, out.Tenant, out.Ref, vmEvent(out, "", "", vmState{server: s, group: groupOf(out, s)}))
	}
	v, ok := verbs[in.Operation]
	if !ok {
		return resource.InvalidField("operation", "VM operation is not applicable: %q (stop, start, reboot, enable_monitoring, disable_monitoring)", in.Operation)
	}
	return a.actOnVM(w, r, t, s, d, in.Operation, v.verb, v.params)
}

func (a *api) recoveryOperation(w http.ResponseWriter, r *http.Request) error {
	s, d, in, t, err := a.vmRequest(w, r, opRecover)
	if err != nil {
		return err
	}
	if in.Operation != "recovery_do" {
		return resource.InvalidField("operation", "Recovery VM operation is not applicable: %q (recovery_do)", in.Operation)
	}
	vms, err := a.deploymentVMs(r.Context(), d)
	if err != nil {
		return err
	}
	for _, vm := range vms {
		if vm.server.ID == s.ID && in.CheckVM != nil && *in.CheckVM && vm.alive() {
			return resource.Errorf(resource.Invalid, "Recovery VM operation is not applicable: VM %s is alive", s.Name)
		}
	}
	// A redeployment, always: orca's view of the VM may be older than its
	// failure, and a reboot does not bring back a machine in error.
	return a.actOnVM(w, r, t, s, d, in.Operation, resource.VerbRecover, map[string]string{"mode": "redeploy"})
}

func (a *api) snapshotOperation(w http.ResponseWriter, r *http.Request) error {
	s, d, in, t, err := a.vmRequest(w, r, opSnapshot)
	if err != nil {
		return err
	}
	if in.Operation != "snapshot" {
		return resource.InvalidField("operation", "VM operation is not applicable: %q (snapshot)", in.Operation)
	}
	name := in.Name
	if name == "" {
		name = s.Name + "-snapshot"
	}
	return a.actOnVM(w, r, t, s, d, in.Operation, resource.VerbSnapshot, map[string]string{"name": name})
}

// actOnVM asks for one action on a VM's server and answers.
func (a *api) actOnVM(w http.ResponseWriter, r *http.Request, t transaction, s, d *resource.Resource, op, verb string, params map[string]string) error {
	act, err := a.b.Act(r.Context(), s.Ref, verb, params)
	if err != nil {
		return err
	}
	t.extra = map[string]string{paramOperation: op, paramAction + s.ID: act.ID}
	return a.accept(w, r, t, d.Tenant, d.Ref, vmEvent(d, "", "", vmState{server: s, group: groupOf(d, s)}))
}

// vmProgress reports a VM operation when its action ends.
func (a *api) vmProgress(ctx context.Context, t transaction, w *resource.Watch, d *resource.Resource) (step, error) {
	if d == nil {
		return step{done: true, reports: []report{{http.StatusInternalServerError, "Deployment " + w.TargetID + " no longer exists", nil}}}, nil
	}
	vms, err := a.deploymentVMs(ctx, d)
	if err != nil {
		return step{}, err
	}
	for _, vm := range vms {
		id, ok := w.Params[paramAction+vm.server.ID]
		if !ok {
			continue
		}
		act, err := a.b.Get(ctx, resource.Ref{Kind: resource.KindAction, ID: id})
		switch {
		case resource.CodeOf(err) == resource.NotFound:
			return step{done: true, reports: []report{{http.StatusInternalServerError, "the operation's record is gone", nil}}}, nil
		case err != nil:
			return step{}, err
		case orca.Unfinished(act):
			return step{}, nil
		}
		op := w.Params[paramOperation]
		event, done := vmOpEvent(op, vm.server.Name)
		if act.Status.Phase != resource.PhaseReady {
			return step{done: true, reports: []report{{http.StatusInternalServerError, fmt.Sprintf("VM %s of %s failed: %s", op, vm.server.Name, act.Status.Message),
				vmEvent(d, event, act.Status.Message, vm)}}}, nil
		}
		if t.op == opRecover && !vm.alive() {
			return step{}, nil // redeployed: wait for it to come up
		}
		details := ""
		if t.op == opSnapshot {
			details = snapshotImages(act)
		}
		return step{done: true, reports: []report{{http.StatusOK, done, vmEvent(d, event, details, vm)}}}, nil
	}
	return step{done: true, reports: []report{{http.StatusInternalServerError, "the VM is no longer in the deployment", nil}}}, nil
}

// vmOpEvent is a VM operation's event and success message.
func vmOpEvent(op, vm string) (string, string) {
	switch op {
	case "recovery_do":
		return "VM_RECOVERY_COMPLETE", fmt.Sprintf("Recovery: Successfully recovered VM [%s].", vm)
	case "snapshot":
		return "VM_SNAPSHOT_COMPLETE", fmt.Sprintf("Successfully created a snapshot of VM [%s]", vm)
	}
	word := map[string]string{"stop": "stopped", "start": "started", "reboot": "rebooted"}[op]
	return verbs[op].opEvent, fmt.Sprintf("Successfully %s VM [%s]", word, vm)
}

// snapshotImages lists the images a snapshot action made, per location.
func snapshotImages(act *resource.Resource) string {
	locs, _ := act.Status.Output["locations"].(map[string]any)
	var out []string
	for _, loc := range slices.Sorted(maps.Keys(locs)) {
		out = append(out, fmt.Sprintf("%s:%v", loc, locs[loc]))
	}
	return strings.Join(out, ",")
}

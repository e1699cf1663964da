package esc

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// An ESC deployment is an orca deployment (resource.Deployment), which
// orca realizes as servers and server groups; dmodel.go maps the
// datamodel onto it, devents.go reports its progress, dops.go runs its
// operations.

const (
	opDeploy   = "deploy"
	opUpdate   = "update_deployment"
	opUndeploy = "undeploy"
	opMonitor  = "monitor"
)

var deploymentKind = resource.KindDeployment

func (a *api) deploymentArea() area {
	return area{
		routes: []route{
			{"GET", "/deployments", a.listDeployments},
			{"GET", "/deployments/{deployment}", a.getDeployment},
			{"GET", "/deployments/config/{deployment}", a.getDeploymentConfig},
			{"POST", "/deployments/{deployment}", a.createDeployment},
			{"PUT", "/deployments/{deployment}", a.updateDeployment},
			{"DELETE", "/deployments/{deployment}", a.deleteDeployment},
		},
		progress: map[string]progress{
			opDeploy: a.deployProgress, opUpdate: a.deployProgress, opUndeploy: a.undeployProgress, opMonitor: a.monitorProgress,
		},
	}
}

// readDatamodel reads an esc_datamodel and returns its one tenant's one
// deployment, with the body as written (kept as the deployment's
// document).
func (a *api) readDatamodel(w http.ResponseWriter, r *http.Request) (string, *dmDeployment, string, error) {
	data, err := a.kit.ReadRaw(w, r)
	if err != nil {
		return "", nil, "", err
	}
	f, err := requestFormat(r)
	if err != nil {
		return "", nil, "", err
	}
	var dm datamodel
	if err := decode(data, f, &dm, "esc_datamodel"); err != nil {
		return "", nil, "", err
	}
	if len(data) > resource.MaxDocumentLen {
		return "", nil, "", resource.Errorf(resource.Invalid, "the datamodel is longer than %d bytes", resource.MaxDocumentLen)
	}
	ts := dm.Tenants.Tenant
	if len(ts) != 1 || len(ts[0].Deployments.Deployment) != 1 {
		return "", nil, "", resource.InvalidField("tenants", "the datamodel must hold one tenant with one deployment")
	}
	return ts[0].Name, &ts[0].Deployments.Deployment[0], string(data), nil
}

// fetchDeployment gets a deployment ESC created, as the caller may see it.
func (a *api) fetchDeployment(r *http.Request) (*resource.Resource, error) {
	id := r.PathValue("deployment")
	info, _ := a.b.Registry().Info(deploymentKind)
	d, err := dialect.Fetch(r.Context(), a.b, info, id)
	switch {
	case resource.CodeOf(err) == resource.NotFound:
		return nil, errNotFound("Deployment", id)
	case err != nil:
		return nil, err
	case d.Labels[labelCreated] != "true":
		return nil, errNotFound("Deployment", id)
	}
	return d, nil
}

func (a *api) createDeployment(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("deployment")
	if err := checkInternalID("internal_deployment_id", id); err != nil {
		return err
	}
	tenantID, dm, doc, err := a.readDatamodel(w, r)
	if err != nil {
		return err
	}
	tenant, err := dialect.FetchTenant(r.Context(), a.b, tenantID)
	if resource.CodeOf(err) == resource.NotFound {
		return errNotFound("Tenant", tenantID)
	}
	if err != nil {
		return err
	}
	res, err := a.deploymentResource(r.Context(), id, tenant.ID, dm, doc, nil)
	if err != nil {
		return err
	}
	t, err := a.begin(r, opDeploy)
	if err != nil {
		return err
	}
	out, err := a.createMade(r, res)
	if err != nil {
		return err
	}
	if err := a.watchRecoveries(r, t, out); err != nil {
		return err
	}
	return a.accept(w, r, t, out.Tenant, out.Ref, deploymentEvent(out, "", "SERVICE_DEPLOYING_STATE", nil))
}

func (a *api) updateDeployment(w http.ResponseWriter, r *http.Request) error {
	cur, err := a.fetchDeployment(r)
	if err != nil {
		return err
	}
	tenantID, dm, doc, err := a.readDatamodel(w, r)
	if err != nil {
		return err
	}
	if tenantID != cur.Tenant {
		return resource.InvalidField("tenants", "deployment %s belongs to tenant %s, not %s", cur.ID, cur.Tenant, tenantID)
	}
	if cur.Deleting {
		return resource.Errorf(resource.Conflict, "Conflicting Request: deployment %s is being undeployed", cur.ID)
	}
	next, err := a.deploymentResource(r.Context(), cur.ID, cur.Tenant, dm, doc, cur)
	if err != nil {
		return err
	}
	t, err := a.begin(r, opUpdate)
	if err != nil {
		return err
	}
	if err := a.recordBefore(r, &t, cur); err != nil {
		return err
	}
	out, err := dialect.Change(r.Context(), a.b, cur.Ref, func(fresh *resource.Resource) error {
		if fresh.Deleting {
			return resource.Errorf(resource.Conflict, "Conflicting Request: deployment %s is being undeployed", cur.ID)
		}
		spec := *next.Spec.(*resource.Deployment)
		if fresh.Labels[labelNoMonitor] == "true" { // monitoring stays off until enabled
			spec.Groups = slices.Clone(spec.Groups)
			for i := range spec.Groups {
				spec.Groups[i].Monitored = false
			}
		}
		fresh.Name, fresh.Placement, fresh.Spec = next.Name, next.Placement, &spec
		fresh.Labels[labelCreated] = "true"
		return nil
	})
	if err != nil {
		return err
	}
	return a.accept(w, r, t, out.Tenant, out.Ref, deploymentEvent(out, "", "SERVICE_UPDATING_STATE", nil))
}

func (a *api) deleteDeployment(w http.ResponseWriter, r *http.Request) error {
	cur, err := a.fetchDeployment(r)
	if err != nil {
		return err
	}
	t, err := a.begin(r, opUndeploy)
	if err != nil {
		return err
	}
	if err := a.recordBefore(r, &t, cur); err != nil {
		return err
	}
	if err := a.b.Delete(r.Context(), cur.Ref, 0); err != nil {
		return err
	}
	return a.accept(w, r, t, cur.Tenant, cur.Ref, deploymentEvent(cur, "", "SERVICE_UNDEPLOYING_STATE", nil))
}

// recordBefore records in t the VMs a deployment write begins with, so
// that its watch reports only what the write changed. It must run before
// the write: the orchestrator may act on it at once.
func (a *api) recordBefore(r *http.Request, t *transaction, d *resource.Resource) error {
	vms, err := a.deploymentVMs(r.Context(), d)
	if err != nil {
		return err
	}
	t.extra = beforeParams(vms)
	return nil
}

// watchRecoveries starts, for a new deployment with an events URL, the
// watch that reports its recoveries for as long as it lives (accept makes
// the one of the write itself).
func (a *api) watchRecoveries(r *http.Request, t transaction, d *resource.Resource) error {
	if t.events == "" {
		return nil
	}
	t.op = opMonitor
	_, err := a.b.Watch(r.Context(), d.Tenant, d.Ref, watchPurpose, t.params())
	return err
}

func (a *api) getDeployment(w http.ResponseWriter, r *http.Request) error {
	d, err := a.fetchDeployment(r)
	if err != nil {
		return err
	}
	vms, err := a.deploymentVMs(r.Context(), d)
	if err != nil {
		return err
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, deploymentViewOf(d, vms))
}

func (a *api) listDeployments(w http.ResponseWriter, r *http.Request) error {
	info, _ := a.b.Registry().Info(deploymentKind)
	p := dialect.Caller(r)
	page, err := a.b.List(r.Context(), store.Filter{Kind: deploymentKind, Tenant: dialect.ListTenant(p, info), Labels: map[string]string{labelCreated: "true"}})
	if err != nil {
		return err
	}
	list := deploymentList{}
	for _, d := range page.Items {
		if !dialect.Visible(p, info, d) {
			continue
		}
		vms, err := a.deploymentVMs(r.Context(), d)
		if err != nil {
			return err
		}
		list.Deployments = append(list.Deployments, deploymentViewOf(d, vms))
	}
	f, _ := responseFormat(r)
	if f == formatJSON {
		return write(w, http.StatusOK, f, map[string]any{"deployments": list.Deployments})
	}
	return write(w, http.StatusOK, f, list)
}

// getDeploymentConfig answers the datamodel the deployment was last
// written with, as it was written.
func (a *api) getDeploymentConfig(w http.ResponseWriter, r *http.Request) error {
	d, err := a.fetchDeployment(r)
	if err != nil {
		return err
	}
	doc := d.Spec.(*resource.Deployment).Document
	ct := "application/xml; charset=UTF-8"
	if strings.HasPrefix(strings.TrimSpace(doc), "{") {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, doc)
	return nil
}

// deploymentVMs are a deployment's VMs as they stand, in group and index
// order.
func (a *api) deploymentVMs(ctx context.Context, d *resource.Resource) ([]vmState, error) {
	page, err := a.b.List(ctx, store.Filter{Kind: resource.KindServer, Labels: map[string]string{orca.LabelDeployment: d.ID}})
	if err != nil {
		return nil, err
	}
	var out []vmState
	for _, s := range page.Items {
		vm := vmState{server: s, group: groupOf(d, s)}
		copies, err := a.b.List(ctx, store.Filter{Kind: resource.KindLocalServer, Owner: &s.Ref})
		if err != nil {
			return nil, err
		}
		if len(copies.Items) > 0 {
			vm.local = copies.Items[0]
		}
		out = append(out, vm)
	}
	order := map[string]int{}
	if spec, ok := d.Spec.(*resource.Deployment); ok {
		for i, g := range spec.Groups {
			order[g.Name] = i
		}
	}
	slices.SortStableFunc(out, func(x, y vmState) int {
		if x.group != y.group {
			return order[x.group] - order[y.group]
		}
		return strings.Compare(x.server.ID, y.server.ID)
	})
	return out, nil
}

// groupOf is the name of the group of d a VM server belongs to.
func groupOf(d *resource.Resource, s *resource.Resource) string {
	if spec, ok := d.Spec.(*resource.Deployment); ok {
		for _, g := range spec.Groups {
			if s.Labels[orca.LabelVMGroup] == orca.GroupKey(g.Name) {
				return g.Name
			}
		}
	}
	return s.Labels[orca.LabelVMGroup]
}

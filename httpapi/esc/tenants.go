package esc

import (
	"context"
	"encoding/xml"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// An ESC tenant is an orca tenant: its internal ID is the tenant's ID, its
// name the resource's name; enabled, managed_resource and vim_mapping are
// labels (esc/...). orca's tenants are not realized in a VIM, so the
// external ID is the tenant's ID.

const (
	opCreateTenant = "create_tenant"
	opUpdateTenant = "update_tenant"
	opDeleteTenant = "delete_tenant"
)

// Labels of the ESC attributes orca has no field for.
const (
	labelEnabled = "esc/enabled"
	labelManaged = "esc/managed_resource"
	labelMapping = "esc/vim_mapping"
)

// maxTenantName is the seed's bound on a tenant's name.
const maxTenantName = 64

// tenantBody is a tenant on the wire, both ways.
type tenantBody struct {
	XMLName          xml.Name `xml:"tenant" json:"-"`
	Xmlns            string   `xml:"xmlns,attr,omitempty" json:"-"`
	Description      string   `xml:"description,omitempty" json:"description,omitempty"`
	Enabled          *bool    `xml:"enabled" json:"enabled,omitempty"`
	EventType        string   `xml:"event_type,omitempty" json:"event_type,omitempty"`
	ExternalTenantID string   `xml:"external_tenant_id,omitempty" json:"external_tenant_id,omitempty"`
	InternalTenantID string   `xml:"internal_tenant_id,omitempty" json:"internal_tenant_id,omitempty"`
	Name             string   `xml:"name,omitempty" json:"name,omitempty"`
	ManagedResource  *bool    `xml:"managed_resource" json:"managed_resource,omitempty"`
	VimMapping       *bool    `xml:"vim_mapping" json:"vim_mapping,omitempty"`
}

// tenantList is GET /v0/tenants in XML (JSON: a bare array).
type tenantList struct {
	XMLName xml.Name     `xml:"urn:ietf:params:xml:ns:netconf:base:1.0 tenants"`
	Tenants []tenantBody `xml:"tenant"`
}

func boolLabel(labels map[string]string, key string, def bool) *bool {
	v := def
	if s, ok := labels[key]; ok {
		v, _ = strconv.ParseBool(s)
	}
	return &v
}

// tenantView renders a tenant.
func tenantView(t *resource.Resource, event string) tenantBody {
	b := tenantBody{
		Xmlns:            netconfNS,
		InternalTenantID: t.ID, ExternalTenantID: t.ID, Name: t.Name, EventType: event,
		Enabled:         boolLabel(t.Labels, labelEnabled, true),
		ManagedResource: boolLabel(t.Labels, labelManaged, true),
		VimMapping:      boolLabel(t.Labels, labelMapping, false),
	}
	if spec, ok := t.Spec.(*resource.Tenant); ok {
		b.Description = spec.Description
	}
	return b
}

func (a *api) tenantArea() area {
	return area{
		routes: []route{
			{"GET", "/tenants", a.listTenants},
			{"GET", "/tenants/{tenant}", a.getTenant},
			{"POST", "/tenants/{tenant}", a.createTenant},
			{"PUT", "/tenants/{tenant}", a.updateTenant},
			{"DELETE", "/tenants/{tenant}", a.deleteTenant},
		},
		outcomes: map[string]outcome{opCreateTenant: a.tenantOutcome, opUpdateTenant: a.tenantOutcome, opDeleteTenant: a.tenantOutcome},
	}
}

func (a *api) listTenants(w http.ResponseWriter, r *http.Request) error {
	f, _ := responseFormat(r)
	tenants, err := dialect.Tenants(r.Context(), a.b)
	if err != nil {
		return err
	}
	views := make([]tenantBody, 0, len(tenants))
	for _, t := range tenants {
		views = append(views, tenantView(t, ""))
	}
	if f == formatJSON {
		return write(w, http.StatusOK, f, views)
	}
	return write(w, http.StatusOK, f, tenantList{Tenants: views})
}

// fetchTenant gets the tenant in the path as the caller may see it: a
// member, their own only.
func (a *api) fetchTenant(r *http.Request) (*resource.Resource, error) {
	id := r.PathValue("tenant")
	t, err := dialect.FetchTenant(r.Context(), a.b, id)
	if resource.CodeOf(err) == resource.NotFound {
		return nil, errNotFound("Tenant", id)
	}
	return t, err
}

func (a *api) getTenant(w http.ResponseWriter, r *http.Request) error {
	t, err := a.fetchTenant(r)
	if err != nil {
		return err
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, tenantView(t, ""))
}

// readTenant reads a tenant body and checks what the seed bounds.
func (a *api) readTenant(w http.ResponseWriter, r *http.Request) (*tenantBody, error) {
	data, err := a.kit.ReadRaw(w, r)
	if err != nil {
		return nil, err
	}
	f, err := requestFormat(r)
	if err != nil {
		return nil, err
	}
	var in tenantBody
	if err := decode(data, f, &in, "tenant"); err != nil {
		return nil, err
	}
	if n := len([]rune(in.Name)); n > maxTenantName || (in.Name != "" && strings.TrimSpace(in.Name) == "") {
		return nil, resource.InvalidField("name", "a tenant's name has 1 to %d characters", maxTenantName)
	}
	return &in, nil
}

// applyLabels sets the ESC attributes a body gives.
func applyLabels(labels map[string]string, in *tenantBody) map[string]string {
	out := maps.Clone(labels)
	if out == nil {
		out = map[string]string{}
	}
	for key, v := range map[string]*bool{labelEnabled: in.Enabled, labelManaged: in.ManagedResource, labelMapping: in.VimMapping} {
		if v != nil {
			out[key] = strconv.FormatBool(*v)
		}
	}
	return out
}

func (a *api) createTenant(w http.ResponseWriter, r *http.Request) error {
	if !dialect.Caller(r).IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators create tenants")
	}
	id := r.PathValue("tenant")
	if err := checkTenantID(id); err != nil {
		return err
	}
	in, err := a.readTenant(w, r)
	if err != nil {
		return err
	}
	if in.InternalTenantID != "" && in.InternalTenantID != id {
		return resource.InvalidField("internal_tenant_id", "%q differs from the tenant in the path (%s)", in.InternalTenantID, id)
	}
	t, err := a.begin(r, opCreateTenant)
	if err != nil {
		return err
	}
	name := in.Name
	if name == "" {
		name = id
	}
	out, err := a.b.Create(r.Context(), &resource.Resource{
		Ref: resource.Ref{Kind: resource.KindTenant, ID: id}, Name: name, Labels: applyLabels(nil, in),
		Spec: &resource.Tenant{Description: in.Description},
	})
	if resource.CodeOf(err) == resource.Conflict {
		return resource.Errorf(resource.Conflict, "Conflicting Request: the internal ID %q is in use", id)
	}
	if err != nil {
		return err
	}
	return a.accept(w, r, t, out.ID, out.Ref, tenantView(out, "CREATE_TENANT"))
}

func (a *api) updateTenant(w http.ResponseWriter, r *http.Request) error {
	if !dialect.Caller(r).IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators change tenants")
	}
	cur, err := a.fetchTenant(r)
	if err != nil {
		return err
	}
	in, err := a.readTenant(w, r)
	if err != nil {
		return err
	}
	if in.InternalTenantID != "" && in.InternalTenantID != cur.ID {
		return resource.InvalidField("internal_tenant_id", "%q differs from the tenant in the path (%s)", in.InternalTenantID, cur.ID)
	}
	t, err := a.begin(r, opUpdateTenant)
	if err != nil {
		return err
	}
	next := *cur
	next.Revision = 0
	next.Labels = applyLabels(cur.Labels, in)
	if in.Name != "" {
		next.Name = in.Name
	}
	if in.Description != "" {
		next.Spec = &resource.Tenant{Description: in.Description}
	}
	out, err := a.b.Update(r.Context(), &next)
	if err != nil {
		return err
	}
	return a.accept(w, r, t, out.ID, out.Ref, tenantView(out, "UPDATE_TENANT"))
}

func (a *api) deleteTenant(w http.ResponseWriter, r *http.Request) error {
	if !dialect.Caller(r).IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators delete tenants")
	}
	cur, err := a.fetchTenant(r)
	if err != nil {
		return err
	}
	t, err := a.begin(r, opDeleteTenant)
	if err != nil {
		return err
	}
	if err := a.b.Delete(r.Context(), cur.Ref, 0); err != nil {
		return err // 409 naming what the tenant still owns
	}
	return a.accept(w, r, t, cur.ID, cur.Ref, tenantView(cur, "DELETE_TENANT"))
}

// tenantOutcome reports a tenant transaction: tenants are not realized in
// a VIM, so their writes are done when the store has them.
func (a *api) tenantOutcome(_ context.Context, t transaction, w *resource.Watch, target *resource.Resource) *report {
	id := w.TargetID
	switch {
	case t.op == opDeleteTenant && target == nil:
		return &report{http.StatusOK, "Tenant successfully deleted",
			tenantBody{Xmlns: netconfNS, InternalTenantID: id, ExternalTenantID: id, EventType: "DELETE_TENANT"}}
	case t.op == opDeleteTenant:
		return nil // still there: a later look
	case target == nil:
		return &report{http.StatusInternalServerError, "Tenant " + id + " no longer exists",
			tenantBody{Xmlns: netconfNS, InternalTenantID: id, EventType: eventOf(t.op)}}
	case t.op == opUpdateTenant:
		return &report{http.StatusOK, "Tenant successfully updated", tenantView(target, "UPDATE_TENANT")}
	}
	return &report{http.StatusOK, "Tenant successfully created", tenantView(target, "CREATE_TENANT")}
}

func eventOf(op string) string {
	return map[string]string{opCreateTenant: "CREATE_TENANT", opUpdateTenant: "UPDATE_TENANT", opDeleteTenant: "DELETE_TENANT"}[op]
}

package esc

import (
	"context"
	"maps"
	"net/http"
	"slices"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// What images, flavors and volumes share: ESC creates them in VIMs, sees
// only those it created, and reports a write when the resource is realized
// at every target location, has failed, or is gone.

// labelCreated marks what ESC created: its GETs answer nothing else ("Images
// not created by ESC will not be checked").
const labelCreated = "esc/created"

// made describes a kind ESC creates in VIMs: its words and its views.
type made struct {
	kind                     resource.Kind
	what                     string // "Image", in messages
	created, deleted         string // the callbacks' messages
	createEvent, deleteEvent string
	opCreate, opDelete       string
	view                     func(r *resource.Resource, event string) any
	gone                     func(id, event string) any // the body once the resource is no more
}

// outcome reports a create when the resource is Ready (at every target
// location) or Failed, and a delete when the resource is gone.
func (m made) outcome(_ context.Context, t transaction, w *resource.Watch, target *resource.Resource) *report {
	id := w.TargetID
	switch {
	case t.op == m.opDelete && target == nil:
		return &report{http.StatusOK, m.deleted, m.gone(id, m.deleteEvent)}
	case t.op == m.opDelete:
		return nil // still there: a later look
	case target == nil:
		return &report{http.StatusInternalServerError, m.what + " " + id + " no longer exists", m.gone(id, m.createEvent)}
	case target.Deleting:
		return &report{http.StatusInternalServerError, m.what + " " + id + " was deleted before it was created", m.view(target, m.createEvent)}
	case target.Status.Phase == resource.PhaseFailed:
		return &report{http.StatusInternalServerError, target.Status.Message, m.view(target, m.createEvent)}
	case target.Status.Phase == resource.PhaseReady && target.Status.ObservedGeneration >= target.Generation:
		return &report{http.StatusOK, m.created, m.view(target, m.createEvent)}
	}
	return nil // provisioning
}

// externalIDOf is the VIM's ID of one of r's copies (the first location's
// in ID order, so that answers are stable), "" when none is realized yet.
func externalIDOf(r *resource.Resource) string {
	if r.Status.ExternalID != "" {
		return r.Status.ExternalID
	}
	locs, _ := r.Status.Output["locations"].(map[string]any)
	for _, loc := range slices.Sorted(maps.Keys(locs)) {
		if entry, ok := locs[loc].(map[string]any); ok {
			if id, ok := entry["external_id"].(string); ok && id != "" {
				return id
			}
		}
	}
	return ""
}

// readBody reads the request's body into v, strictly, in its format.
func (a *api) readBody(w http.ResponseWriter, r *http.Request, v any, what string) error {
	data, err := a.kit.ReadRaw(w, r)
	if err != nil {
		return err
	}
	f, err := requestFormat(r)
	if err != nil {
		return err
	}
	return decode(data, f, v, what)
}

// checkEcho refuses a body's copy of an ID that differs from the path's.
func checkEcho(given, want, field, what string) error {
	if given != "" && given != want {
		return resource.InvalidField(field, "%q differs from %s (%s)", given, what, want)
	}
	return nil
}

// checkOwner refuses a body naming another tenant than the one the
// resource will belong to.
func checkOwner(internal, external, tenant string) error {
	if err := checkEcho(internal, tenant, "internal_tenant_id", "the tenant it belongs to"); err != nil {
		return err
	}
	return checkEcho(external, tenant, "external_tenant_id", "the tenant it belongs to")
}

// createMade stores a new resource; a taken internal ID is ESC's
// "Conflicting Request".
func (a *api) createMade(r *http.Request, res *resource.Resource) (*resource.Resource, error) {
	out, err := a.b.Create(r.Context(), res)
	if resource.CodeOf(err) == resource.Conflict && resource.FieldOf(err) == "id" {
		return nil, resource.Errorf(resource.Conflict, "Conflicting Request: the internal ID %q is in use", res.ID)
	}
	return out, err
}

// fetchMade gets a resource ESC created, as the caller may see it, and in
// tenant when one is given: NotFound otherwise.
func (a *api) fetchMade(r *http.Request, m made, id, tenant string) (*resource.Resource, error) {
	info, _ := a.b.Registry().Info(m.kind)
	res, err := dialect.Fetch(r.Context(), a.b, info, id)
	switch {
	case resource.CodeOf(err) == resource.NotFound:
		return nil, errNotFound(m.what, id)
	case err != nil:
		return nil, err
	case res.Labels[labelCreated] != "true" || (tenant != "" && res.Tenant != tenant):
		return nil, errNotFound(m.what, id)
	}
	return res, nil
}

// listMade lists what ESC created of a kind, as the caller may see it, in
// tenant when one is given.
func (a *api) listMade(r *http.Request, kind resource.Kind, tenant string) ([]*resource.Resource, error) {
	info, _ := a.b.Registry().Info(kind)
	p := dialect.Caller(r)
	if tenant == "" {
		tenant = dialect.ListTenant(p, info)
	}
	page, err := a.b.List(r.Context(), store.Filter{Kind: kind, Tenant: tenant, Labels: map[string]string{labelCreated: "true"}})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(page.Items, func(res *resource.Resource) bool { return !dialect.Visible(p, info, res) }), nil
}

// deleteMade deletes a resource ESC created; one still in use (an image a
// server boots from) is refused with 409, naming its users.
func (a *api) deleteMade(w http.ResponseWriter, r *http.Request, m made, id, tenant string) error {
	cur, err := a.fetchMade(r, m, id, tenant)
	if err != nil {
		return err
	}
	t, err := a.begin(r, m.opDelete)
	if err != nil {
		return err
	}
	if err := a.b.Delete(r.Context(), cur.Ref, 0); err != nil {
		return err
	}
	return a.accept(w, r, t, cur.Tenant, cur.Ref, m.view(cur, m.deleteEvent))
}

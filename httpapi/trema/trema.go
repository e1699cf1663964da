// Package trema serves seed 001, the tenants of Trema's sliceable switch
// REST API, at /tenants over orca: a dialect of the same Backend as the
// seed 000 API, so a tenant created here is the tenant of /v1.0, and the
// networks a tenant creates through /v1.0 are the slices it shows here.
// cmd/demo mounts it; an embedder can mount Handler anywhere.
//
// How Trema maps onto orca:
//
//	Trema                          orca
//	-----------------------------  -------------------------------------------
//	tenant {id, description}       resource of kind tenant (ID, spec.description)
//	id auto-assigned when absent   a new random ID (resource.NewID)
//	a tenant's networks (slices)   the tenant's global networks {id, description}
//	GET /tenants                   every tenant (administrators); one's own (members)
//	POST /tenants                  200 with the tenant; 422 for a duplicate id
//	PUT, DELETE /tenants/:id       202, no body
//	DELETE of a tenant that owns   409 naming what it owns (orca refuses
//	resources                      orphaning them)
//
// Errors are Trema's: a status and a plain-text body saying what was wrong.
// Unacceptable parameters (a wrong type, an unknown field, a bad id) are
// 422 as the seed says; a body that is not JSON at all is 400; an unknown
// tenant 404; a member's write 403. Requests are authenticated by
// X-Auth-Token like every orca surface; members see only their own
// tenant, and only administrators change tenants.
package trema

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// Paths the handler serves, as http.ServeMux patterns.
var Paths = []string{"/tenants", "/tenants/"}

type api struct {
	b      dialect.Backend
	kit    *dialect.Kit
	tenant resource.KindInfo
	// Memos keep, by revision, what a tenant's GET reads (dialect.Memo):
	// the tenant's record (shared: read only), each network's summary.
	shown  *dialect.Records
	slices *dialect.Memo[summary]
}

// statuses are Trema's: unacceptable parameters are 422.
var statuses = dialect.DefaultStatuses().With(resource.Invalid, http.StatusUnprocessableEntity)

// New returns the seed 001 handler over b, built on kit.
func New(b dialect.Backend, kit *dialect.Kit) http.Handler {
	a := &api{b: b, kit: kit, shown: dialect.NewMemo[*resource.Resource](2000), slices: dialect.NewMemo[summary](20000)}
	a.tenant, _ = b.Registry().Info(resource.KindTenant)
	rt := kit.NewRouter(render, statuses)
	authed := func(e dialect.Endpoint) dialect.Endpoint { return kit.Authed(dialect.XAuthToken, e) }
	admin := func(e dialect.Endpoint) dialect.Endpoint {
		return authed(dialect.AdminOnly("only administrators create, change or remove tenants", e))
	}
	rt.Handle("GET", "/tenants", authed(a.list))
	rt.Handle("POST", "/tenants", admin(a.create))
	rt.Handle("GET", "/tenants/{tenant_id}", authed(a.show))
	rt.Handle("PUT", "/tenants/{tenant_id}", admin(a.update))
	rt.Handle("DELETE", "/tenants/{tenant_id}", admin(a.remove))
	return rt.Serve()
}

// render writes a problem as Trema does: the status and a line of text.
func render(w http.ResponseWriter, _ *http.Request, p *dialect.Problem) {
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Keystone uri="/v3"`)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(p.Status)
	w.Write([]byte(strings.TrimSpace(p.Message) + "\n"))
}

// summary is a tenant, or a network (a slice), in a list.
type summary struct {
	ID          string `json:"id"`
	Description string `json:"description"`
}

// append appends s as encoding/json writes it.
func (s summary) append(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = dialect.AppendString(b, s.ID)
	b = append(b, `,"description":`...)
	b = dialect.AppendString(b, s.Description)
	return append(b, '}')
}

func describe(r *resource.Resource) summary {
	s := summary{ID: r.ID}
	if t, ok := r.Spec.(*resource.Tenant); ok {
		s.Description = t.Description
	}
	return s
}

func (a *api) list(w http.ResponseWriter, r *http.Request) error {
	tenants, err := dialect.Tenants(r.Context(), a.b)
	if err != nil {
		return err
	}
	out := make([]summary, 0, len(tenants))
	for _, t := range tenants {
		out = append(out, describe(t))
	}
	dialect.WriteJSON(w, http.StatusOK, out)
	return nil
}

// fetch gets the tenant in the path as the caller may see it: members
// their own only, others answering 404.
func (a *api) fetch(r *http.Request) (*resource.Resource, error) {
	return dialect.FetchTenant(r.Context(), a.b, r.PathValue("tenant_id"))
}

func (a *api) show(w http.ResponseWriter, r *http.Request) error {
	t, err := dialect.FetchTenantShared(r.Context(), a.b, a.shown, r.PathValue("tenant_id"))
	if err != nil {
		return err
	}
	networks, _, err := a.slices.List(r.Context(), a.b, store.Filter{Kind: resource.KindNetwork, Tenant: t.ID},
		func(n *resource.Resource) summary {
			return summary{ID: n.ID, Description: n.Spec.(*resource.Network).Description}
		})
	if err != nil {
		return err
	}
	// details, written without reflection: its fields in declaration
	// order, as encoding/json writes them.
	b := append(make([]byte, 0, 256+64*len(networks)), `{"id":`...)
	b = dialect.AppendString(b, t.ID)
	b = append(b, `,"description":`...)
	b = dialect.AppendString(b, describe(t).Description)
	b = append(b, `,"networks":[`...)
	for i, n := range networks {
		if i > 0 {
			b = append(b, ',')
		}
		b = n.append(b)
	}
	dialect.WriteJSONBytes(w, http.StatusOK, append(b, "]}"...))
	return nil
}

// input is a create or update body. Pointers tell absent from empty.
type input struct {
	ID          *string `json:"id"`
	Description *string `json:"description"`
}

// decode reads a body: not JSON at all is 400; JSON that is not an object
// of the known fields with string values is 422 (unacceptable parameters).
func (a *api) decode(w http.ResponseWriter, r *http.Request) (*input, error) {
	data, err := a.kit.ReadBody(w, r)
	if err != nil {
		return nil, err
	}
	if !json.Valid(data) {
		return nil, dialect.Status(http.StatusBadRequest, "the body is not valid JSON")
	}
	var in input
	if err := dialect.Strict(data, &in, "body"); err != nil {
		return nil, err
	}
	return &in, nil
}

func (a *api) create(w http.ResponseWriter, r *http.Request) error {
	in, err := a.decode(w, r)
	if err != nil {
		return err
	}
	t := &resource.Resource{Ref: resource.Ref{Kind: resource.KindTenant}, Spec: &resource.Tenant{}}
	if in.ID != nil {
		if err := resource.CheckID(*in.ID); err != nil {
			return resource.InvalidField("id", "%v", err)
		}
		t.ID = *in.ID
	} else {
		t.ID = resource.NewID()
	}
	t.Name = t.ID
	if in.Description != nil {
		t.Spec.(*resource.Tenant).Description = *in.Description
	}
	out, err := a.b.Create(r.Context(), t)
	if resource.CodeOf(err) == resource.Conflict {
		return resource.InvalidField("id", "failed to create a tenant: the id %q is taken", t.ID)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/tenants/"+out.ID)
	dialect.WriteJSON(w, http.StatusOK, describe(out))
	return nil
}

func (a *api) update(w http.ResponseWriter, r *http.Request) error {
	t, err := a.fetch(r)
	if err != nil {
		return err
	}
	in, err := a.decode(w, r)
	if err != nil {
		return err
	}
	if in.ID != nil && *in.ID != t.ID {
		return resource.InvalidField("id", "%q differs from the tenant in the path (%s); a tenant's id cannot change", *in.ID, t.ID)
	}
	if in.Description != nil {
		t.Spec = &resource.Tenant{Description: *in.Description}
	}
	t.Revision = 0 // whatever is stored: Trema has no conditional writes
	if _, err := a.b.Update(r.Context(), t); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (a *api) remove(w http.ResponseWriter, r *http.Request) error {
	t, err := a.fetch(r)
	if err != nil {
		return err
	}
	if err := a.b.Delete(r.Context(), t.Ref, 0); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

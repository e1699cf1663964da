package waldur

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// Waldur's bound on a name.
const maxName = 150

// createRequest is the body of a create: the seed's fields, and the
// tenant and service settings to create the group in.
type createRequest struct {
	Name            *string `json:"name"`
	Description     *string `json:"description"`
	Policy          *string `json:"policy"`
	Tenant          *string `json:"tenant"`
	ServiceSettings *string `json:"service_settings"`
}

// decode reads a JSON object body strictly into v.
func (a *api) decode(w http.ResponseWriter, r *http.Request, v any) error {
	data, err := a.kit.ReadBody(w, r)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		data = []byte("{}") // DRF takes an empty body as no fields
	}
	return dialect.Strict(data, v, "body")
}

// create serves POST on the collection: 201 with the group.
func (a *api) create(w http.ResponseWriter, r *http.Request) error {
	var req createRequest
	if err := a.decode(w, r, &req); err != nil {
		return err
	}
	p := dialect.Caller(r)
	g := &resource.Resource{Ref: resource.Ref{Kind: resource.KindServerGroup, ID: resource.NewID()}}
	switch {
	case req.Name == nil:
		return resource.InvalidField("name", "This field is required.")
	case strings.TrimSpace(*req.Name) == "":
		return resource.InvalidField("name", "This field may not be blank.")
	case utf8.RuneCountInString(*req.Name) > maxName:
		return resource.InvalidField("name", "Ensure this field has no more than %d characters.", maxName)
	}
	g.Name = *req.Name
	spec := &resource.ServerGroup{Policy: "affinity"} // Waldur's first and default policy
	if req.Description != nil {
		spec.Description = *req.Description
	}
	if req.Policy != nil {
		if !slices.Contains(resource.ServerGroupPolicies, *req.Policy) {
			return resource.InvalidField("policy", "%q is not a valid choice.", *req.Policy)
		}
		spec.Policy = *req.Policy
	}
	g.Spec = spec
	named := ""
	if req.Tenant != nil {
		id, err := hyperlinked(*req.Tenant, "/api/openstack-tenants/")
		if err != nil {
			return resource.InvalidField("tenant", "%v", err)
		}
		if !p.IsAdmin() && id != p.TenantID {
			// Another tenant is not the caller's to see.
			return resource.InvalidField("tenant", "Invalid hyperlink - Object does not exist.")
		}
		named = id
	}
	var err error
	if g.Tenant, err = dialect.OwnerTenant(p, a.info, named, "tenant"); err != nil {
		return err
	}
	if req.ServiceSettings != nil {
		id, err := hyperlinked(*req.ServiceSettings, "/api/service-settings/")
		if err != nil {
			return resource.InvalidField("service_settings", "%v", err)
		}
		if _, err := a.b.Get(r.Context(), resource.Ref{Kind: resource.KindLocation, ID: id}); resource.CodeOf(err) == resource.NotFound {
			return resource.InvalidField("service_settings", "Invalid hyperlink - Object does not exist.")
		} else if err != nil {
			return err
		}
		g.Placement = &resource.Placement{Locations: []string{id}}
	}
	// Waldur keeps names unique within a tenant.
	a.naming.Lock()
	defer a.naming.Unlock()
	if page, err := a.b.List(r.Context(), store.Filter{Kind: resource.KindServerGroup, Tenant: g.Tenant, Name: g.Name, Limit: 1}); err != nil {
		return err
	} else if page.Total > 0 {
		return resource.Errorf(resource.Invalid, "Server group name should be unique.")
	}
	out, err := a.b.Create(r.Context(), g)
	if err != nil {
		return err
	}
	body, err := a.lookups(r).appendView(nil, r, out, nil)
	if err != nil {
		return err
	}
	w.Header().Set("Location", a.base(r)+collection+out.ID+"/")
	dialect.WriteJSONBytes(w, http.StatusCreated, body)
	return nil
}

// requireState refuses (409, as Waldur's StateValidator) an operation on
// a group that is not OK or ERRED.
func requireState(g *resource.Resource) error {
	if s := stateOf(g); s != stateOK && s != stateErred {
		return resource.Errorf(resource.Conflict, "Valid states for operation: OK, ERRED.")
	}
	return nil
}

// destroy serves DELETE: the group is removed at every location, then
// forgotten. 204, as the seed says.
func (a *api) destroy(w http.ResponseWriter, r *http.Request) error {
	g, err := a.fetch(r)
	if err != nil {
		return err
	}
	if err := requireState(g); err != nil {
		return err
	}
	if err := a.b.Delete(r.Context(), g.Ref, 0); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pull schedules a reconciliation from the VIMs: 202.
func (a *api) pull(w http.ResponseWriter, r *http.Request) error {
	g, err := a.fetch(r)
	if err != nil {
		return err
	}
	if err := requireState(g); err != nil {
		return err
	}
	if primary(g, backends(g)).ID == "" {
		return resource.Errorf(resource.Invalid, "Resource does not have backend ID.")
	}
	if _, err := a.b.Act(r.Context(), g.Ref, resource.VerbPull, nil); err != nil {
		return err
	}
	dialect.WriteJSON(w, http.StatusAccepted, detail("Pull operation was successfully scheduled."))
	return nil
}

// unlink forgets the group without touching any VIM: 204.
func (a *api) unlink(w http.ResponseWriter, r *http.Request) error {
	g, err := a.fetch(r)
	if err != nil {
		return err
	}
	if _, err := a.b.Perform(r.Context(), g.Ref, resource.VerbUnlink, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// setErredRequest is set_erred's body.
type setErredRequest struct {
	ErrorMessage   string `json:"error_message"`
	ErrorTraceback string `json:"error_traceback"`
}

func (a *api) setErred(w http.ResponseWriter, r *http.Request) error {
	g, err := a.fetch(r)
	if err != nil {
		return err
	}
	var req setErredRequest
	if err := a.decode(w, r, &req); err != nil {
		return err
	}
	params := map[string]string{}
	if req.ErrorMessage != "" {
		params["message"] = req.ErrorMessage
	}
	if req.ErrorTraceback != "" {
		params["traceback"] = req.ErrorTraceback
	}
	if _, err := a.b.Perform(r.Context(), g.Ref, resource.VerbSetErred, params); err != nil {
		return renamed(err, map[string]string{"params.message": "error_message", "params.traceback": "error_traceback"})
	}
	dialect.WriteJSON(w, http.StatusOK, detail("Resource has been marked as ERRED."))
	return nil
}

func (a *api) setOK(w http.ResponseWriter, r *http.Request) error {
	g, err := a.fetch(r)
	if err != nil {
		return err
	}
	var req struct{}
	if err := a.decode(w, r, &req); err != nil {
		return err
	}
	if _, err := a.b.Perform(r.Context(), g.Ref, resource.VerbSetOK, nil); err != nil {
		return err
	}
	dialect.WriteJSON(w, http.StatusOK, detail("Resource has been marked as OK."))
	return nil
}

// renamed gives an Invalid error the wire name of its field.
func renamed(err error, names map[string]string) error {
	f := resource.FieldOf(err)
	if to, ok := names[f]; ok && resource.CodeOf(err) == resource.Invalid {
		msg, _ := strings.CutPrefix(err.Error(), f+": ")
		return resource.InvalidField(to, "%s", msg)
	}
	return err
}

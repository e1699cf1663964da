package mogan

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// listing reads the query of a list: all_tenants (administrators only)
// and, where allowed, fields. Other parameters are refused.
func (a *api) listing(r *http.Request, withFields bool) (tenant string, fields []string, err error) {
	q := r.URL.Query()
	for name := range q {
		if name != "all_tenants" && (name != "fields" || !withFields) {
			return "", nil, resource.InvalidField(name, "Unknown parameter %s.", name)
		}
	}
	all, err := dialect.Bool(q, "all_tenants")
	if err != nil {
		return "", nil, err
	}
	p := dialect.Caller(r)
	switch {
	case all && !p.IsAdmin():
		return "", nil, resource.Errorf(resource.Forbidden, "Access was denied to the following resource: all_tenants (administrators only)")
	case !all:
		tenant = p.TenantID // Mogan lists the project's own, admins too
	}
	if withFields {
		if fields, err = dialect.Fields(q, "fields", allFields); err != nil {
			return "", nil, err
		}
	}
	return tenant, fields, nil
}

func (a *api) list(w http.ResponseWriter, r *http.Request) error {
	tenant, fields, err := a.listing(r, true)
	if err != nil {
		return err
	}
	if fields == nil {
		fields = listFields
	}
	return a.many(w, r, tenant, fields)
}

func (a *api) detail(w http.ResponseWriter, r *http.Request) error {
	tenant, _, err := a.listing(r, false)
	if err != nil {
		return err
	}
	return a.many(w, r, tenant, nil)
}

// many answers {"instances": [...]}, oldest first.
func (a *api) many(w http.ResponseWriter, r *http.Request, tenant string, fields []string) error {
	page, err := a.b.List(r.Context(), store.Filter{Kind: resource.KindBaremetalInstance, Tenant: tenant, Sort: "created_at"})
	if err != nil {
		return err
	}
	f, err := a.gather(r.Context(), tenant, page.Items)
	if err != nil {
		return err
	}
	out := append(make([]byte, 0, 1024*(1+len(page.Items))), `{"instances":[`...)
	for i, inst := range page.Items {
		if i > 0 {
			out = append(out, ',')
		}
		out = a.appendView(out, r, inst, f.stateOf(inst), fields)
	}
	dialect.WriteJSONBytes(w, http.StatusOK, append(out, "]}"...))
	return nil
}

// one answers an instance in full (or the fields asked for).
func (a *api) one(w http.ResponseWriter, r *http.Request, status int, inst *resource.Resource, fields []string) error {
	f, err := a.gather(r.Context(), inst.Tenant, []*resource.Resource{inst})
	if err != nil {
		return err
	}
	dialect.WriteJSONBytes(w, status, a.appendView(make([]byte, 0, 1024), r, inst, f.stateOf(inst), fields))
	return nil
}

func (a *api) show(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for name := range q {
		if name != "fields" {
			return resource.InvalidField(name, "Unknown parameter %s.", name)
		}
	}
	fields, err := dialect.Fields(q, "fields", allFields)
	if err != nil {
		return err
	}
	inst, err := a.fetchShown(r)
	if err != nil {
		return err
	}
	return a.one(w, r, http.StatusOK, inst, fields)
}

// createRequest is Mogan's create body (its JSON schema, with
// additionalProperties false); metadata is taken as extra.
type createRequest struct {
	Name             *string           `json:"name"`
	Description      *string           `json:"description"`
	InstanceTypeUUID *string           `json:"instance_type_uuid"`
	ImageUUID        *string           `json:"image_uuid"`
	AvailabilityZone *string           `json:"availability_zone"`
	Networks         []networkRequest  `json:"networks"`
	Extra            map[string]string `json:"extra"`
	Metadata         map[string]string `json:"metadata"`
}

type networkRequest struct {
	NetID    *string `json:"net_id"`
	PortType string  `json:"port_type"`
}

// required names a missing member as Mogan's schema validation does.
func required(name string) error {
	return resource.Errorf(resource.Invalid, "Invalid create body: '%s' is a required property", name)
}

func (a *api) create(w http.ResponseWriter, r *http.Request) error {
	data, err := a.kit.ReadBody(w, r)
	if err != nil {
		return err
	}
	var req createRequest
	if err := dialect.Strict(data, &req, "body"); err != nil {
		return err
	}
	switch {
	case req.Name == nil:
		return required("name")
	case req.InstanceTypeUUID == nil:
		return required("instance_type_uuid")
	case req.ImageUUID == nil:
		return required("image_uuid")
	case req.Networks == nil:
		return required("networks")
	case strings.TrimSpace(*req.Name) == "":
		return resource.InvalidField("name", "Invalid create body: the name must not be empty")
	case len(*req.Name) > resource.MaxIDLen:
		return resource.InvalidField("name", "Invalid create body: the name is longer than %d characters", resource.MaxIDLen)
	case req.Extra != nil && req.Metadata != nil:
		return resource.InvalidField("metadata", "Invalid create body: give extra or metadata, not both")
	}
	p := dialect.Caller(r)
	spec := &resource.BaremetalInstance{FlavorID: *req.InstanceTypeUUID, ImageID: *req.ImageUUID, UserID: p.UserID, Extra: req.Extra}
	if req.Metadata != nil {
		spec.Extra = req.Metadata
	}
	if req.Description != nil {
		spec.Description = *req.Description
	}
	ctx := r.Context()
	// exists: the caller may boot from it (theirs, or shared with all);
	// another tenant's private one does not exist for them.
	reg := a.b.Registry()
	exists := func(k resource.Kind, id string) (bool, error) {
		if resource.CheckID(id) != nil {
			return false, nil
		}
		res, err := a.b.Get(ctx, resource.Ref{Kind: k, ID: id})
		if resource.CodeOf(err) == resource.NotFound {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		info, _ := reg.Info(k)
		shared, _ := res.Spec.(resource.Sharer)
		return dialect.Visible(p, info, res) || (shared != nil && shared.SharedWithAllTenants()), nil
	}
	if ok, err := exists(resource.KindFlavor, spec.FlavorID); err != nil {
		return err
	} else if !ok {
		return resource.Errorf(resource.Invalid, "InstanceType %s could not be found", spec.FlavorID)
	}
	if ok, err := exists(resource.KindImage, spec.ImageID); err != nil {
		return err
	} else if !ok {
		return resource.Errorf(resource.Invalid, "Requested image %s could not be found", spec.ImageID)
	}
	for i, n := range req.Networks {
		if n.NetID == nil {
			return required(fmt.Sprintf("networks[%d].net_id", i))
		}
		if ok, err := exists(resource.KindNetwork, *n.NetID); err != nil {
			return err
		} else if !ok {
			return resource.Errorf(resource.Invalid, "Network %s could not be found", *n.NetID)
		}
		spec.Networks = append(spec.Networks, resource.NetworkPort{NetworkID: *n.NetID, PortType: n.PortType})
	}
	inst := &resource.Resource{Ref: resource.Ref{Kind: resource.KindBaremetalInstance, ID: resource.NewID()},
		Tenant: p.TenantID, Name: *req.Name, Spec: spec}
	if req.AvailabilityZone != nil && *req.AvailabilityZone != "" {
		placement, err := a.zonePlacement(r, *req.AvailabilityZone)
		if err != nil {
			return err
		}
		inst.Placement = placement
	}
	out, err := a.b.Create(ctx, inst)
	if err != nil {
		return err
	}
	w.Header().Set("Location", a.base(r)+collection+"/"+out.ID)
	return a.one(w, r, http.StatusCreated, out, nil)
}

// zoneLabel is the location label naming its availability zone.
const zoneLabel = "availability_zone"

// zonePlacement places an instance in an availability zone: the location
// of that ID, or the locations labelled with it. A zone no location is in
// is refused, as Mogan refuses a zone that is not available.
func (a *api) zonePlacement(r *http.Request, az string) (*resource.Placement, error) {
	unavailable := resource.Errorf(resource.Invalid, "The requested availability zone is not available")
	if resource.CheckID(az) != nil || len(az) > 63 {
		return nil, unavailable
	}
	if _, err := a.b.Get(r.Context(), resource.Ref{Kind: resource.KindLocation, ID: az}); err == nil {
		return &resource.Placement{Locations: []string{az}}, nil
	} else if resource.CodeOf(err) != resource.NotFound {
		return nil, err
	}
	page, err := a.b.List(r.Context(), store.Filter{Kind: resource.KindLocation, Labels: map[string]string{zoneLabel: az}, Limit: 1})
	if err != nil {
		return nil, err
	}
	if page.Total == 0 {
		return nil, unavailable
	}
	return &resource.Placement{Selector: map[string]string{zoneLabel: az}}, nil
}

func (a *api) remove(w http.ResponseWriter, r *http.Request) error {
	inst, err := a.fetch(r)
	if err != nil {
		return err
	}
	if err := checkLock(r, inst); err != nil {
		return err
	}
	if err := a.b.Delete(r.Context(), inst.Ref, 0); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

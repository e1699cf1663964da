package waldur

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// Waldur's resource states (CoreStates), as the current Waldur renders
// them; the labels older Waldur rendered are accepted by the state filter.
const (
	stateCreationScheduled = "CREATION_SCHEDULED"
	stateCreating          = "CREATING"
	stateUpdateScheduled   = "UPDATE_SCHEDULED"
	stateUpdating          = "UPDATING"
	stateDeletionScheduled = "DELETION_SCHEDULED"
	stateDeleting          = "DELETING"
	stateOK                = "OK"
	stateErred             = "ERRED"
)

var stateLabels = map[string]string{
	stateCreationScheduled: "Creation Scheduled", stateCreating: "Creating",
	stateUpdateScheduled: "Update Scheduled", stateUpdating: "Updating",
	stateDeletionScheduled: "Deletion Scheduled", stateDeleting: "Deleting",
	stateOK: "OK", stateErred: "Erred",
}

// stateOf maps a resource's phase onto Waldur's state machine.
func stateOf(r *resource.Resource) string {
	switch {
	case r.Deleting && r.Status.Phase == resource.PhaseDeleting:
		return stateDeleting
	case r.Deleting:
		return stateDeletionScheduled
	}
	switch r.Status.Phase {
	case resource.PhaseReady:
		return stateOK
	case resource.PhaseFailed:
		return stateErred
	case resource.PhaseProvisioning:
		return stateCreating
	case resource.PhaseUpdating:
		return stateUpdating
	case resource.PhaseDeleting:
		return stateDeleting
	}
	if r.Generation > 1 {
		return stateUpdateScheduled
	}
	return stateCreationScheduled
}

// stateOfLocation is a location's state in Waldur's words: its service
// settings' state.
func stateOfLocation(l *resource.Resource) string {
	if l == nil {
		return ""
	}
	return stateOf(l)
}

// fieldNames are the seed's fields (OpenStackServerGroupFieldEnum), and
// orca's "backends", in the order field= may name them.
var fieldNames = []string{
	"access_url", "backend_id", "backends", "created", "customer", "customer_abbreviation", "customer_name",
	"customer_native_name", "customer_uuid", "description", "display_name", "error_message", "error_traceback",
	"instances", "is_limit_based", "is_usage_based", "marketplace_category_name", "marketplace_category_uuid",
	"marketplace_offering_name", "marketplace_offering_plugin_options", "marketplace_offering_type",
	"marketplace_offering_uuid", "marketplace_plan_uuid", "marketplace_resource_state", "marketplace_resource_uuid",
	"modified", "name", "policy", "project", "project_name", "project_uuid", "resource_type", "service_name",
	"service_settings", "service_settings_error_message", "service_settings_state", "service_settings_uuid",
	"state", "tenant", "tenant_name", "tenant_uuid", "url", "uuid",
}

// marketplaceFields belong to Waldur's marketplace, which orca has not.
var marketplaceFields = []string{
	"marketplace_category_name", "marketplace_category_uuid", "marketplace_offering_name",
	"marketplace_offering_plugin_options", "marketplace_offering_type", "marketplace_offering_uuid",
	"marketplace_plan_uuid", "marketplace_resource_state", "marketplace_resource_uuid",
}

// backend is a group's realization at one location.
type backend struct {
	Location string `json:"service_settings_uuid"`
	ID       string `json:"backend_id"`
	Phase    string `json:"state"`
}

// backends lists where r is realized, from its aggregated status, by
// location ID.
func backends(r *resource.Resource) []backend {
	per, _ := r.Status.Output["locations"].(map[string]any)
	out := make([]backend, 0, len(per))
	for loc, v := range per {
		e, _ := v.(map[string]any)
		b := backend{Location: loc}
		b.ID, _ = e["external_id"].(string)
		phase, _ := e["status"].(string)
		b.Phase = stateOf(&resource.Resource{Status: resource.Status{Phase: resource.Phase(phase)}, Generation: r.Generation})
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Location < out[j].Location })
	return out
}

// primary is the location that stands for a group's service settings:
// the one it is placed at, else the first it is realized at.
func primary(r *resource.Resource, bs []backend) backend {
	if p := r.Placement; p != nil && len(p.Locations) == 1 && len(p.Selector) == 0 {
		for _, b := range bs {
			if b.Location == p.Locations[0] {
				return b
			}
		}
		return backend{Location: p.Locations[0]}
	}
	if len(bs) > 0 {
		return bs[0]
	}
	return backend{}
}

// lookups caches what renderings of one request share: tenants' and
// locations' records, and the servers of each group.
type lookups struct {
	a         *api
	ctx       context.Context
	tenants   map[string]*resource.Resource
	locations map[string]*resource.Resource
}

func (a *api) lookups(r *http.Request) *lookups {
	return &lookups{a: a, ctx: r.Context(), tenants: map[string]*resource.Resource{}, locations: map[string]*resource.Resource{}}
}

// record returns a tenant's or location's record, nil if there is none.
func (l *lookups) record(cache map[string]*resource.Resource, kind resource.Kind, id string) *resource.Resource {
	if id == "" {
		return nil
	}
	if r, ok := cache[id]; ok {
		return r
	}
	r, err := l.a.b.Get(l.ctx, resource.Ref{Kind: kind, ID: id})
	if err != nil {
		r = nil
	}
	cache[id] = r
	return r
}

func (l *lookups) tenantName(id string) string {
	if t := l.record(l.tenants, resource.KindTenant, id); t != nil && t.Name != "" {
		return t.Name
	}
	return id
}

// instances are the servers in a group: {backend_id, name, uuid} sorted
// by name, backend_id being the server's VIM ID at the group's location.
func (l *lookups) instances(group, loc string) ([]map[string]any, error) {
	page, err := l.a.b.List(l.ctx, store.Filter{Kind: resource.KindServer, Fields: map[string]string{"server_group_id": group}})
	if err != nil {
		return nil, err
	}
	servers := page.Items
	sort.SliceStable(servers, func(i, j int) bool { return servers[i].Name < servers[j].Name })
	out := make([]map[string]any, 0, len(servers))
	for _, s := range servers {
		id := ""
		for _, b := range backends(s) {
			if b.Location == loc {
				id = b.ID
			}
		}
		out = append(out, map[string]any{"backend_id": id, "name": s.Name, "uuid": s.ID})
	}
	return out, nil
}

// timestamp is Django REST framework's rendering of a time.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// view renders a server group; fields selects (nil: every field).
func (l *lookups) view(r *http.Request, g *resource.Resource, fields []string) (map[string]any, error) {
	base := l.a.base(r)
	spec, _ := g.Spec.(*resource.ServerGroup)
	if spec == nil {
		spec = &resource.ServerGroup{}
	}
	bs := backends(g)
	p := primary(g, bs)
	state := stateOf(g)
	errMsg, errTrace := "", ""
	if state == stateErred {
		errMsg = g.Status.Message
		errTrace, _ = g.Status.Output[orca.ErrorTracebackKey].(string)
	}
	tenantName := l.tenantName(g.Tenant)
	v := map[string]any{
		"url":                            base + collection + g.ID + "/",
		"uuid":                           g.ID,
		"name":                           g.Name,
		"description":                    spec.Description,
		"policy":                         spec.Policy,
		"display_name":                   "Name: " + g.Name + ", Policy: " + spec.Policy,
		"state":                          state,
		"error_message":                  errMsg,
		"error_traceback":                errTrace,
		"resource_type":                  "OpenStack.ServerGroup",
		"created":                        timestamp(g.CreatedAt),
		"modified":                       timestamp(g.UpdatedAt),
		"backend_id":                     p.ID,
		"backends":                       bs,
		"access_url":                     nil,
		"customer":                       base + "/api/customers/" + g.Tenant + "/",
		"customer_uuid":                  g.Tenant,
		"customer_name":                  tenantName,
		"customer_native_name":           "",
		"customer_abbreviation":          "",
		"project":                        base + "/api/projects/" + g.Tenant + "/",
		"project_uuid":                   g.Tenant,
		"project_name":                   tenantName,
		"tenant":                         base + "/api/openstack-tenants/" + g.Tenant + "/",
		"tenant_uuid":                    g.Tenant,
		"tenant_name":                    tenantName,
		"service_settings":               nil,
		"service_settings_uuid":          nil,
		"service_name":                   nil,
		"service_settings_state":         nil,
		"service_settings_error_message": nil,
		"is_usage_based":                 false,
		"is_limit_based":                 false,
	}
	for _, f := range marketplaceFields {
		v[f] = nil // orca has no marketplace
	}
	if p.Location != "" {
		loc := l.record(l.locations, resource.KindLocation, p.Location)
		v["service_settings"] = base + "/api/service-settings/" + p.Location + "/"
		v["service_settings_uuid"] = p.Location
		if loc != nil {
			v["service_name"] = loc.Name
			v["service_settings_state"] = stateOfLocation(loc)
			msg := ""
			if loc.Status.Phase == resource.PhaseFailed {
				msg = loc.Status.Message
			}
			v["service_settings_error_message"] = msg
		}
	}
	if fields == nil || slices.Contains(fields, "instances") {
		inst, err := l.instances(g.ID, p.Location)
		if err != nil {
			return nil, err
		}
		v["instances"] = inst
	}
	if fields == nil {
		return v, nil
	}
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		out[f] = v[f]
	}
	return out, nil
}

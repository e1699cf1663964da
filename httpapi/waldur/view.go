package waldur

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/httpapi/dialect"
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

// location is what a group's rendering shows of its service settings.
type location struct {
	name, state, errMsg string
}

// member is what a group's rendering shows of a server in it.
type member struct {
	id, name string
	backends []backend
}

// memos keep, across requests, what renderings derive from the records
// they read alongside a group, by revision (dialect.Memo): a lookup reads
// keys alone and decodes only what changed.
type memos struct {
	groups      *dialect.Records // for show and list, which only read them
	tenantNames *dialect.Memo[string]
	locations   *dialect.Memo[location]
	members     *dialect.Memo[member]
}

// memoSize bounds each memo, recordsSize the memo of whole groups; a miss
// costs a decode, no more.
const (
	memoSize    = 10000
	recordsSize = 2000
)

func newMemos() memos {
	return memos{dialect.NewMemo[*resource.Resource](recordsSize), dialect.NewMemo[string](memoSize),
		dialect.NewMemo[location](memoSize), dialect.NewMemo[member](memoSize)}
}

// lookups caches what renderings of one request share: tenants' names and
// locations.
type lookups struct {
	a         *api
	ctx       context.Context
	tenants   map[string]string
	locations map[string]*location
}

func (a *api) lookups(r *http.Request) *lookups {
	return &lookups{a: a, ctx: r.Context()}
}

// tenantName is the name on a tenant's record, or its ID when it has none
// (or no record).
func (l *lookups) tenantName(id string) string {
	if name, ok := l.tenants[id]; ok {
		return name
	}
	name := id
	if id != "" {
		names, _, err := l.a.memos.tenantNames.List(l.ctx, l.a.b, store.Filter{Kind: resource.KindTenant, ID: id},
			func(t *resource.Resource) string { return t.Name })
		if err == nil && len(names) == 1 && names[0] != "" {
			name = names[0]
		}
	}
	if l.tenants == nil {
		l.tenants = map[string]string{}
	}
	l.tenants[id] = name
	return name
}

// location returns a location's record as the rendering shows it, nil if
// there is none.
func (l *lookups) location(id string) *location {
	if loc, ok := l.locations[id]; ok {
		return loc
	}
	var loc *location
	if id != "" {
		locs, _, err := l.a.memos.locations.List(l.ctx, l.a.b, store.Filter{Kind: resource.KindLocation, ID: id},
			func(r *resource.Resource) location {
				v := location{name: r.Name, state: stateOf(r)}
				if r.Status.Phase == resource.PhaseFailed {
					v.errMsg = r.Status.Message
				}
				return v
			})
		if err == nil && len(locs) == 1 {
			loc = &locs[0]
		}
	}
	if l.locations == nil {
		l.locations = map[string]*location{}
	}
	l.locations[id] = loc
	return loc
}

// instance is a server in a group as Waldur shows it.
type instance struct {
	backendID, name, uuid string
}

// instances are the servers in a group sorted by name, backend_id being
// the server's VIM ID at the group's location.
func (l *lookups) instances(group, loc string) ([]instance, error) {
	servers, _, err := l.a.memos.members.List(l.ctx, l.a.b,
		store.Filter{Kind: resource.KindServer, Fields: map[string]string{"server_group_id": group}},
		func(s *resource.Resource) member { return member{id: s.ID, name: s.Name, backends: backends(s)} })
	if err != nil {
		return nil, err
	}
	sort.SliceStable(servers, func(i, j int) bool { return servers[i].name < servers[j].name })
	out := make([]instance, 0, len(servers))
	for _, s := range servers {
		id := ""
		for _, b := range s.backends {
			if b.Location == loc {
				id = b.ID
			}
		}
		out = append(out, instance{backendID: id, name: s.name, uuid: s.id})
	}
	return out, nil
}

// timestamp is Django REST framework's rendering of a time.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// groupView is what a group's rendering shows, gathered before it is
// written.
type groupView struct {
	g                *resource.Resource
	spec             *resource.ServerGroup
	base             string
	backends         []backend
	primary          backend
	state            string
	errMsg, errTrace string
	tenantName       string
	loc              *location  // the primary location's record; nil: none
	instances        []instance // nil: not asked for
}

// gather reads what a group's rendering shows; fields selects (nil: every
// field), and the servers are read only when instances is among them.
func (l *lookups) gather(r *http.Request, g *resource.Resource, fields []string) (*groupView, error) {
	v := &groupView{g: g, base: l.a.base(r), state: stateOf(g)}
	v.spec, _ = g.Spec.(*resource.ServerGroup)
	if v.spec == nil {
		v.spec = &resource.ServerGroup{}
	}
	v.backends = backends(g)
	v.primary = primary(g, v.backends)
	if v.state == stateErred {
		v.errMsg = g.Status.Message
		v.errTrace, _ = g.Status.Output[orca.ErrorTracebackKey].(string)
	}
	v.tenantName = l.tenantName(g.Tenant)
	if v.primary.Location != "" {
		v.loc = l.location(v.primary.Location)
	}
	if fields == nil || slices.Contains(fields, "instances") {
		inst, err := l.instances(g.ID, v.primary.Location)
		if err != nil {
			return nil, err
		}
		v.instances = inst
	}
	return v, nil
}

// appendView appends a group's rendering; fields selects (nil: every
// field).
func (l *lookups) appendView(b []byte, r *http.Request, g *resource.Resource, fields []string) ([]byte, error) {
	v, err := l.gather(r, g, fields)
	if err != nil {
		return nil, err
	}
	return v.append(b, fields), nil
}

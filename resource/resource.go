package resource

import (
	"maps"
	"slices"
	"time"
)

// Kind names a type of resource in its singular snake_case spelling:
// "network", "local_network", "server", "tenant".
type Kind string

// Ref names one resource. IDs are unique across kinds in a store, but a Ref
// carries the kind so that a reference of the wrong kind is caught.
type Ref struct {
	Kind Kind   `json:"kind"`
	ID   string `json:"id"`
}

func (r Ref) String() string { return string(r.Kind) + "/" + r.ID }

// Spec is the desired state of one kind: one Go struct per kind, serialized
// as JSON with the seed's field names.
type Spec interface {
	// Validate reports every problem with the spec as one error with code
	// Invalid whose message names the fields. It must not modify the spec.
	Validate() error
	// Dependencies lists the resources this spec names and that must exist
	// (and, for the reconciler, be ready) before it can be realized.
	Dependencies() []Ref
}

// Defaulter is implemented by specs that have default values (an image's
// visibility is "public" unless said otherwise). Stores call Default on their
// own copy before Validate, so stored specs always carry their defaults.
type Defaulter interface {
	Default()
}

// Placement selects locations: those listed in Locations, and those whose
// labels include every pair in Selector. An empty Placement selects nothing
// explicitly, so it is refused; a nil one means all locations.
type Placement struct {
	Locations []string          `json:"locations,omitempty"`
	Selector  map[string]string `json:"selector,omitempty"`
}

// Clone returns a deep copy (nil for nil), empty lists and maps as nil.
func (p *Placement) Clone() *Placement {
	if p == nil {
		return nil
	}
	c := &Placement{}
	if len(p.Locations) > 0 {
		c.Locations = slices.Clone(p.Locations)
	}
	if len(p.Selector) > 0 {
		c.Selector = maps.Clone(p.Selector)
	}
	return c
}

// Matches reports whether the placement selects the location.
func (p *Placement) Matches(loc *Resource) bool {
	if p == nil {
		return true
	}
	for _, id := range p.Locations {
		if id == loc.ID {
			return true
		}
	}
	if len(p.Selector) == 0 {
		return false
	}
	for k, v := range p.Selector {
		if got, ok := loc.Labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// Sharer is implemented by specs that other tenants may refer to: a public
// image, a flavor. Stores refuse a reference from one tenant's resource to
// another tenant's unless the target is shared.
type Sharer interface {
	SharedWithAllTenants() bool
}

// Phase is where a resource stands in its lifecycle.
type Phase string

const (
	PhasePending      Phase = "Pending"      // accepted, nothing done yet
	PhaseProvisioning Phase = "Provisioning" // being created in a VIM
	PhaseReady        Phase = "Ready"        // realized and matching its spec
	PhaseUpdating     Phase = "Updating"     // being changed to match a new spec
	PhaseDeleting     Phase = "Deleting"     // being removed
	PhaseFailed       Phase = "Failed"       // stopped on an error that retrying will not fix; see Message
)

// Valid reports whether p is one of the defined phases.
func (p Phase) Valid() bool {
	switch p {
	case PhasePending, PhaseProvisioning, PhaseReady, PhaseUpdating, PhaseDeleting, PhaseFailed:
		return true
	}
	return false
}

// Status is the observed state, written by the reconciler.
type Status struct {
	Phase Phase `json:"phase,omitempty"`
	// ExternalID is the VIM's identifier of the realized object.
	ExternalID string `json:"external_id,omitempty"`
	// Message says why the resource is in its phase (the error when Failed).
	Message string `json:"message,omitempty"`
	// TaskStatus is the seed's task_status: the VIM's own progress word.
	TaskStatus string `json:"task_status,omitempty"`
	// Output holds values the VIM returned (stack outputs, addresses).
	Output map[string]any `json:"output,omitempty"`
	// ObservedGeneration is the Generation the status describes.
	ObservedGeneration int64 `json:"observed_generation,omitempty"`
	// CreatePendingSince is set before a VIM Create is attempted and cleared
	// when the object is observed, so a crash or a lost response is followed
	// by adoption of the object, never by a second Create.
	CreatePendingSince time.Time `json:"create_pending_since,omitzero"`
}

// Resource is one stored object: metadata, desired state (Spec) and observed
// state (Status). Values returned by a store are the caller's own: changing
// them never changes the store.
type Resource struct {
	Ref
	// Tenant owns the resource. Required for tenant-scoped kinds; immutable.
	Tenant string `json:"tenant_id,omitempty"`
	Name   string `json:"name,omitempty"`
	// Location is set on per-location (local_*) kinds only; immutable.
	Location string `json:"location_id,omitempty"`
	// Owner is the parent resource (a local_network's network, a rule's
	// security group); immutable. A resource with children cannot be deleted.
	Owner  *Ref              `json:"owner,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
	// Placement restricts a global resource to some locations; nil means
	// every location. Only kinds with a per-location counterpart take one.
	Placement *Placement `json:"placement,omitempty"`

	// Revision changes on every write; stores use it for compare-and-swap.
	Revision int64 `json:"revision"`
	// Generation changes when the Spec changes.
	Generation int64 `json:"generation"`
	// Deleting is set when deletion was requested and the reconciler is
	// removing the resource's children and VIM objects. It cannot be unset.
	Deleting bool `json:"deleting,omitempty"`

	Spec   Spec   `json:"spec"`
	Status Status `json:"status"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

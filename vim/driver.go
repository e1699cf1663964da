// Package vim defines the contract between orca and a VIM (a cloud's API at
// one location): the Driver interface every backend implements, the optional
// capabilities a driver may offer, and the values they exchange.
//
// The reconciler imports it to drive locations; drivers (vim/openstack,
// vim/contrail, the in-memory fake) implement it; vim/vimtest is the
// conformance suite they all pass.
//
// Rules every driver keeps:
//
//   - Observe of an object that does not exist returns Exists=false and a nil
//     error.
//   - Create tags what it creates with Object.Ref.ID (in the create call
//     itself, so the tag is atomic with the object), and when an object with
//     that tag already exists it adopts it and returns its ID: a Create
//     repeated after a crash or a lost response never makes a second object.
//   - Delete of an object that does not exist returns nil.
//   - Errors are classified with resource error codes at the driver's
//     boundary (resource.CodeOf works on everything a driver returns).
//   - Drivers never retry and never wait for an object to become ready: they
//     make one attempt and report. Retries, timeouts and pacing belong to the
//     reconciler.
//   - Drivers are safe for concurrent use.
package vim

import (
	"context"
	"fmt"

	"github.com/orca-nfv/orca/resource"
)

// Driver realizes objects of some kinds at one VIM endpoint.
type Driver interface {
	// Kinds lists the global kinds this driver realizes ("network",
	// "server", ...).
	Kinds() []resource.Kind

	// Observe reports the object's state in the VIM. An absent object is
	// Exists=false with a nil error.
	Observe(ctx context.Context, o *Object) (Observation, error)

	// Create makes the object, or adopts the one already tagged with
	// o.Ref.ID, and returns its VIM ID. It does not wait for readiness.
	// Errors: Unimplemented for a kind the driver does not serve; Invalid
	// when the VIM refuses the spec; NotFound when a dependency is missing
	// in the VIM; Forbidden for an exhausted quota.
	Create(ctx context.Context, o *Object) (externalID string, err error)

	// Update changes the VIM object to match the mutable fields of
	// o.Spec. Errors: NotFound if the object is gone; Invalid if a field
	// that cannot change in place differs (the caller must replace the
	// object).
	Update(ctx context.Context, o *Object) error

	// Delete removes the object; an absent object is not an error. Errors:
	// Conflict while other VIM objects still use it.
	Delete(ctx context.Context, o *Object) error

	// Close releases the driver's resources (connections, tokens).
	Close() error
}

// Object is what a driver is asked to realize: one global resource at the
// driver's location.
type Object struct {
	// Ref is the per-location resource (a local_network) this object
	// realizes. Drivers tag VIM objects with Ref.ID.
	Ref resource.Ref
	// Kind is the global kind: what to make in the VIM ("network").
	Kind resource.Kind
	// Global is the global resource this object realizes; a part naming it
	// (a rule allowing its own group) means this object itself.
	Global resource.Ref
	Tenant string
	Name   string
	// ExternalID is the VIM ID last recorded for the object, or "".
	ExternalID string
	// Spec is the desired state at this location: the global resource's
	// spec with per-location values in place (a network's CIDR is the
	// location's sub-CIDR).
	Spec resource.Spec
	// Deps resolves every reference in Spec.Dependencies(), and in the
	// parts' specs, at this location (except references to Global).
	Deps map[resource.Ref]Dep
	// Parts are sub-objects realized as part of this one: the rules of a
	// security group.
	Parts []Part
}

// Dep is a referenced resource as a driver needs it.
type Dep struct {
	// ExternalID is the referenced object's VIM ID at this location (""
	// for kinds without a per-location copy, such as heat templates).
	ExternalID string
	Name       string
	// Spec is the referenced resource's spec (a heat template's text).
	Spec resource.Spec
}

// Part is a sub-object of an Object.
type Part struct {
	Ref  resource.Ref
	Spec resource.Spec
}

// PartsField is the name Observation.Drift uses when an object's parts
// differ from the desired ones. Parts are always updatable in place.
const PartsField = "parts"

// LinksField is the name Observation.Drift uses when an object names the
// right objects but is not linked to them in the VIM (a Contrail policy
// missing from a remade network). Update restores links in place.
const LinksField = "links"

// InPlace reports whether drift of field is always repaired by Update
// rather than by replacing the object, whatever the spec's field rules.
func InPlace(field string) bool { return field == PartsField || field == LinksField }

// State is where a VIM object stands.
type State string

const (
	StateBuilding State = "Building" // accepted, not yet usable
	StateReady    State = "Ready"    // usable
	StateError    State = "Error"    // the VIM gave up on it; see Message
	StateDeleting State = "Deleting" // being removed by the VIM
)

// PowerState is a machine's power (a server's, a bare-metal instance's).
type PowerState string

const (
	PowerOn  PowerState = "on"
	PowerOff PowerState = "off"
)

// Observation is a driver's report on one object. Values are the caller's:
// drivers never keep references to what they return.
type Observation struct {
	Exists     bool
	ExternalID string
	State      State
	// TaskStatus is the VIM's own status word ("BUILD", "ACTIVE",
	// "CREATE_IN_PROGRESS").
	TaskStatus string
	// Message explains an Error state.
	Message string
	// Output carries what the VIM reports back (addresses, stack outputs).
	Output map[string]any
	// Drift names the desired spec fields (or PartsField, LinksField) the
	// VIM object does not match.
	Drift []string
	// Power is a machine's power state, "" for other kinds.
	Power PowerState
	// Busy names a task the VIM is carrying out on a usable object (a
	// machine powering on or rebooting: Nova's task_state), "" when none.
	// What the observation reports may change when it ends, so the
	// reconciler looks again soon.
	Busy string
}

// Unsupported returns the error a driver gives for a kind it does not
// serve.
func Unsupported(k resource.Kind) error {
	return resource.Errorf(resource.Unimplemented, "kind %s is not served by this driver", k)
}

// Serves reports whether d realizes kind k.
func Serves(d Driver, k resource.Kind) bool {
	for _, x := range d.Kinds() {
		if x == k {
			return true
		}
	}
	return false
}

// String identifies the object in logs and errors.
func (o *Object) String() string {
	if o.ExternalID != "" {
		return fmt.Sprintf("%s %s (%s)", o.Kind, o.Ref.ID, o.ExternalID)
	}
	return fmt.Sprintf("%s %s", o.Kind, o.Ref.ID)
}

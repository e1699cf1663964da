package vim

import (
	"context"

	"github.com/orca-nfv/orca/resource"
)

// Optional capabilities. A driver offers one by implementing its interface;
// callers find out with a type assertion. Each follows the Driver rules: one
// attempt, classified errors, no waiting for completion.

// Lister observes many objects of one kind in one VIM call (a list request),
// so a quiet resync costs one call per kind instead of one per object.
type Lister interface {
	// ObserveAll returns one Observation per object, in the order given,
	// as Observe would. All objects have the given kind.
	ObserveAll(ctx context.Context, kind resource.Kind, objs []*Object) ([]Observation, error)
}

// Pinger checks that the VIM endpoint answers and accepts the credentials.
type Pinger interface {
	Ping(ctx context.Context) error
}

// PowerAction is a change of a server's power.
type PowerAction string

const (
	ActionPowerOn    PowerAction = "on"
	ActionPowerOff   PowerAction = "off"         // hard: cut the power
	ActionSoftOff    PowerAction = "soft_off"    // ask the guest to shut down
	ActionReboot     PowerAction = "reboot"      // soft reboot
	ActionHardReboot PowerAction = "hard_reboot" // reset
)

// Valid reports whether a is a defined action.
func (a PowerAction) Valid() bool {
	switch a {
	case ActionPowerOn, ActionPowerOff, ActionSoftOff, ActionReboot, ActionHardReboot:
		return true
	}
	return false
}

// PowerController changes a server's power (bare-metal instances, ESC VM
// operations). It starts the change; Observe reports the result.
type PowerController interface {
	Power(ctx context.Context, o *Object, action PowerAction) error
}

// Snapshotter captures a server's disk as a new image and returns the
// image's VIM ID. The image may still be building when it returns.
//
// key names the request: the driver records it on the image, and a call
// with a key an existing image of o's carries returns that image instead of
// making another, so a retry after a lost response or a crash does not
// snapshot twice.
type Snapshotter interface {
	Snapshot(ctx context.Context, o *Object, imageName, key string) (imageID string, err error)
}

// ConsoleProvider returns a URL for a server's console (local_servers'
// console_url).
type ConsoleProvider interface {
	ConsoleURL(ctx context.Context, o *Object) (string, error)
}

// Host is a compute host of the VIM.
type Host struct {
	Name    string
	Enabled bool
	// State is the VIM's word for the host ("up", "down").
	State string
}

// HostLister lists the VIM's compute hosts.
type HostLister interface {
	Hosts(ctx context.Context) ([]Host, error)
}

// HostController enables or disables scheduling on a compute host.
type HostController interface {
	SetHostEnabled(ctx context.Context, host string, enabled bool) error
}

// MetricReader reports a machine's load, as a VIM's telemetry measures
// it (an ESC deployment's elastic groups scale on it). name is the
// VIM's metric name ("cpu_util", "CPU_LOAD_1", ...). Errors: NotFound when
// the VIM has no value of that name for the machine.
type MetricReader interface {
	Metric(ctx context.Context, o *Object, name string) (float64, error)
}

// CreateObserver is a driver whose create answers with the object's state
// (an OpenStack create response carries the object), so the orchestrator
// need not observe it again right after. Optional.
type CreateObserver interface {
	// CreateObserve is Create (the same adoption by tag, the same
	// errors), returning what Observe would report once it succeeded.
	CreateObserve(ctx context.Context, o *Object) (Observation, error)
}

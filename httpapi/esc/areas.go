package esc

import (
	"context"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// The API is served in areas, one per file (tenants.go, images.go, ...):
// each lists its routes, relative to a base ("/tenants/{tenant}"), and
// the outcomes of the transactions it begins.

// area is one part of the API.
type area struct {
	routes   []route
	outcomes map[string]outcome  // by transaction op
	progress map[string]progress // by transaction op, for long ones
}

// route is one endpoint of an area.
type route struct {
	method, path string
	endpoint     dialect.Endpoint
}

// outcome reports a transaction at one look at its target (nil when it no
// longer exists): nil while there is nothing to report yet, else the one
// callback that ends the transaction. It must be deterministic (see
// orca.Watcher): a look may be made again.
type outcome func(ctx context.Context, t transaction, watch *resource.Watch, target *resource.Resource) *report

// progress reports a long transaction (a deployment's, whose VMs each
// report as they come up) at one look at its target: the callbacks to
// send now, the state to keep for the next look (nil keeps it), and
// whether the transaction is over. Deterministic given watch.State.
type progress func(ctx context.Context, t transaction, watch *resource.Watch, target *resource.Resource) (step, error)

// step is what one look at a long transaction decided: callbacks to the
// request's Callback URL and events to its Callback-ESC-Events URL.
type step struct {
	reports []report
	events  []report
	state   map[string]string
	done    bool
}

// areas are every part of the API this package serves.
func (a *api) areas() []area {
	return []area{
		a.tenantArea(),
		a.imageArea(), a.flavorArea(), a.volumeArea(),
		a.vimArea(),
		a.networkArea(), a.subnetArea(),
		a.deploymentArea(), a.operationArea(),
		a.configArea(), a.opModeArea(), a.hostArea(), a.systemStateArea(), a.fileServerArea(), a.setPasswordArea(),
	}
}

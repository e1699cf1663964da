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
	outcomes map[string]outcome // by transaction op
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

// areas are every part of the API this package serves.
func (a *api) areas() []area {
	return []area{
		a.tenantArea(),
	}
}

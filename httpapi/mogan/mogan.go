// Package mogan serves seed 003, OpenStack Mogan's bare-metal instances
// (/v1/instances), over orca: a dialect of the same Backend as the seed
// 000 API, so an instance created here is the baremetal_instance of
// /v1.0, and the reverse. cmd/demo mounts it; an embedder can mount
// Handler anywhere.
//
// How Mogan maps onto orca:
//
//	Mogan                            orca
//	-------------------------------  ----------------------------------------------
//	instance {uuid, name, ...}       resource of kind baremetal_instance
//	instance_type_uuid, image_uuid   spec flavor_id, image_id (a flavor, an image)
//	networks [{net_id, port_type}]   spec networks [{network_id, port_type}]
//	extra (metadata on create)       spec extra: metadata carried on the machine
//	availability_zone                placement: the location of that ID, or those
//	                                 labelled availability_zone=<it>
//	project_id, user_id              the resource's tenant; spec user_id
//	network_info                     the NICs the VIM reports at the instance's
//	                                 location (the first, where it spans several)
//	status building / active /       the reconciler's phase and the machine's
//	stopped / error / deleting       observed power
//	powering-on / powering-off /     a power action of orca in flight, whose target
//	rebooting / soft-*               is target_power_state
//	power_state "power on"/"off"     the machine's observed power
//	PUT .../states/power             an orca power or reboot action (202)
//	locked                           the label mogan/locked ("true")
//
// Errors are Mogan's: the status, and {"error_message": "<JSON text of
// {faultcode, faultstring, debuginfo}>"} — error_message is a string
// holding JSON, as Mogan's ParsableErrorMiddleware writes it. A second
// power request while one is in flight finds no transition from the
// instance's "-ing" status: 400, as Mogan's InvalidState (two racing past
// that check: 409); an Accept header that excludes JSON is 406. Unlike
// Mogan, unknown names in fields= and all_tenants from a member are
// refused (400, 403) rather than ignored.
package mogan

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// Paths the handler serves, as http.ServeMux patterns.
var Paths = []string{"/v1/instances", "/v1/instances/"}

const collection = "/v1/instances"

// Options configure the handler; nil means defaults.
type Options struct {
	// BaseURL is the absolute URL links and Location headers start with
	// (Mogan's public_endpoint). Default: the request's scheme and Host.
	BaseURL string
}

type api struct {
	b    dialect.Backend
	kit  *dialect.Kit
	opts Options
	info resource.KindInfo
	// Memos keep, by revision, what the GETs read (dialect.Memo): the
	// instances show reads, the instances' copies (shared: read only),
	// and what an action says.
	shown, copies *dialect.Records
	actions       *dialect.Memo[action]
}

// New returns the seed 003 handler over b, built on kit.
func New(b dialect.Backend, kit *dialect.Kit, opts *Options) http.Handler {
	a := &api{b: b, kit: kit, shown: dialect.NewMemo[*resource.Resource](2000),
		copies: dialect.NewMemo[*resource.Resource](4000), actions: dialect.NewMemo[action](10000)}
	if opts != nil {
		a.opts = *opts
	}
	a.info, _ = b.Registry().Info(resource.KindBaremetalInstance)
	rt := kit.NewRouter(render, nil)
	authed := func(e dialect.Endpoint) dialect.Endpoint {
		return kit.Authed(dialect.XAuthToken, acceptJSON(e))
	}
	rt.Handle("GET", collection, authed(a.list))
	rt.Handle("POST", collection, authed(a.create))
	rt.Handle("GET", collection+"/detail", authed(a.detail))
	rt.Handle("GET", collection+"/{id}", authed(a.show))
	rt.Handle("PATCH", collection+"/{id}", authed(a.patch))
	rt.Handle("DELETE", collection+"/{id}", authed(a.remove))
	rt.Handle("GET", collection+"/{id}/states", authed(a.states))
	rt.Handle("PUT", collection+"/{id}/states/power", authed(a.power))
	rt.Handle("PUT", collection+"/{id}/states/lock", authed(a.lock))
	return rt.Serve()
}

// acceptJSON answers 406 to a client that will not take JSON.
func acceptJSON(e dialect.Endpoint) dialect.Endpoint {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !dialect.AcceptsJSON(r) {
			return dialect.Status(http.StatusNotAcceptable, "Request not acceptable: this API answers application/json only.")
		}
		return e(w, r)
	}
}

// fault is what Mogan (wsme) puts in error_message.
type fault struct {
	FaultCode   string  `json:"faultcode"`
	FaultString string  `json:"faultstring"`
	DebugInfo   *string `json:"debuginfo"`
}

// render writes a problem as Mogan does.
func render(w http.ResponseWriter, _ *http.Request, p *dialect.Problem) {
	f := fault{FaultCode: "Client", FaultString: p.Message}
	if p.Status >= 500 {
		f.FaultCode = "Server"
	}
	inner, _ := json.Marshal(f)
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Keystone uri="/v3"`)
	}
	dialect.WriteJSON(w, p.Status, map[string]string{"error_message": string(inner)})
}

// base is the absolute URL links start with.
func (a *api) base(r *http.Request) string { return dialect.BaseURL(r, a.opts.BaseURL) }

// fetch gets the instance in the path as the caller may see it; Mogan
// says so when it is not found.
func (a *api) fetch(r *http.Request) (*resource.Resource, error) {
	return a.fetchFrom(r, func(ctx context.Context, id string) (*resource.Resource, error) {
		return dialect.Fetch(ctx, a.b, a.info, id)
	})
}

// fetchShown is fetch for show, which only reads the instance: a shared
// record, decoded once per revision.
func (a *api) fetchShown(r *http.Request) (*resource.Resource, error) {
	return a.fetchFrom(r, func(ctx context.Context, id string) (*resource.Resource, error) {
		return dialect.FetchShared(ctx, a.b, a.shown, a.info, id)
	})
}

func (a *api) fetchFrom(r *http.Request, get func(context.Context, string) (*resource.Resource, error)) (*resource.Resource, error) {
	id := r.PathValue("id")
	res, err := get(r.Context(), id)
	if resource.CodeOf(err) == resource.NotFound {
		return nil, resource.Errorf(resource.NotFound, "Instance %s could not be found.", id)
	}
	return res, err
}

// lockedLabel marks a locked instance; lockedByLabel says who locked it
// ("admin" or "owner"): only an administrator lifts an administrator's
// lock.
const (
	lockedLabel   = "mogan/locked"
	lockedByLabel = "mogan/locked-by"
)

func locked(r *resource.Resource) bool { return r.Labels[lockedLabel] == "true" }

// checkLock refuses a change to a locked instance by anyone but an
// administrator, as Mogan's check_instance_lock does.
func checkLock(r *http.Request, inst *resource.Resource) error {
	if locked(inst) && !dialect.Caller(r).IsAdmin() {
		return resource.Errorf(resource.Invalid, "Instance %s is locked", inst.ID)
	}
	return nil
}

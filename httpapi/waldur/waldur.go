// Package waldur serves seed 002, Waldur's OpenStack server groups
// (/api/openstack-server-groups/), over orca: a dialect of the same
// Backend as the seed 000 API, so a server group created here is the
// server_group of /v1.0, and the reverse. cmd/demo mounts it; an embedder
// can mount Handler anywhere.
//
// How Waldur maps onto orca:
//
//	Waldur                            orca
//	--------------------------------  ---------------------------------------------
//	server group {uuid, name, ...}    resource of kind server_group (ID, Name, spec)
//	customer, project, tenant         the resource's tenant (one orca tenant is all
//	                                  three); names from the tenant's record
//	service settings                  a location the group is realized at; on
//	                                  create, service_settings places it there only
//	backend_id                        the Nova server group's ID at that location
//	backends (orca's addition)        every location's backend_id and state
//	instances                         the servers whose server_group_id names it
//	state CREATION_SCHEDULED          Pending, never realized (generation 1)
//	      UPDATE_SCHEDULED            Pending after a change
//	      CREATING / UPDATING         Provisioning / Updating
//	      OK / ERRED                  Ready / Failed (error_message = its message)
//	      DELETION_SCHEDULED/DELETING deletion asked / under way
//	pull                              an orca pull action (202)
//	unlink, set_erred, set_ok         Backend.Perform, done before the answer; an
//	                                  ERRED set by hand holds until set_ok or pull
//	staff                             the admin role
//
// Wire rules, as Waldur's: paths end in "/" (the form without it is served
// too); lists are bare arrays paged by page/page_size (default 10, at most
// 300) with Link (first, prev, next, last) and X-Result-Count headers;
// field= (repeated) selects fields; o= orders. Errors are Django REST
// framework's: {"detail": "..."}, or {"<field>": ["..."]} for bad input.
// Unlike Waldur, unknown fields, filters and field names are refused with
// 400 rather than ignored. Credentials: X-Auth-Token or
// "Authorization: Token <token>", resolving to the same users as every
// orca surface; members see and manage their tenant's groups, staff (admin)
// everything, and only staff may unlink, set_erred or set_ok.
package waldur

import (
	"net/http"
	"strings"
	"sync"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// Paths the handler serves, as http.ServeMux patterns.
var Paths = []string{"/api/openstack-server-groups", "/api/openstack-server-groups/"}

// collection is the seed's collection path.
const collection = "/api/openstack-server-groups/"

// Options configure the handler; nil means defaults.
type Options struct {
	// BaseURL is the absolute URL (scheme and host, and any prefix) the
	// handler's links start with. Default: taken from each request's
	// scheme and Host, as Django's build_absolute_uri does.
	BaseURL string
}

type api struct {
	b     dialect.Backend
	kit   *dialect.Kit
	opts  Options
	info  resource.KindInfo
	memos memos
	// naming serializes a create's name check with the create, so two
	// concurrent creates cannot both take a name. It holds within one
	// process; the store has no unique index on names to hold it across
	// replicas.
	naming sync.Mutex
}

// New returns the seed 002 handler over b, built on kit.
func New(b dialect.Backend, kit *dialect.Kit, opts *Options) http.Handler {
	a := &api{b: b, kit: kit, memos: newMemos()}
	if opts != nil {
		a.opts = *opts
	}
	a.info, _ = b.Registry().Info(resource.KindServerGroup)
	rt := kit.NewRouter(render, nil)
	authed := func(e dialect.Endpoint) dialect.Endpoint {
		return kit.Authed(dialect.XAuthToken|dialect.TokenAuthorization, e)
	}
	staff := func(e dialect.Endpoint) dialect.Endpoint {
		return authed(dialect.AdminOnly("You do not have permission to perform this action.", e))
	}
	rt.Handle("GET", collection, authed(a.list))
	rt.Handle("POST", collection, authed(a.create))
	rt.Handle("GET", collection+"{uuid}/", authed(a.show))
	rt.Handle("DELETE", collection+"{uuid}/", authed(a.destroy))
	rt.Handle("POST", collection+"{uuid}/pull/", authed(a.pull))
	rt.Handle("POST", collection+"{uuid}/unlink/", staff(a.unlink))
	rt.Handle("POST", collection+"{uuid}/set_erred/", staff(a.setErred))
	rt.Handle("POST", collection+"{uuid}/set_ok/", staff(a.setOK))
	return rt.Serve()
}

// render writes a problem as Django REST framework does.
func render(w http.ResponseWriter, r *http.Request, p *dialect.Problem) {
	var body any
	switch p.Status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", "Token")
		msg := "Invalid token."
		if p.Message == dialect.ErrNoCredentials.Error() {
			msg = "Authentication credentials were not provided."
		}
		body = detail(msg)
	case http.StatusNotFound:
		body = detail("Not found.")
	case http.StatusMethodNotAllowed:
		body = detail(`Method "` + r.Method + `" not allowed.`)
	case http.StatusBadRequest:
		body = fieldErrors(p)
	default:
		body = detail(p.Message)
	}
	dialect.WriteJSON(w, p.Status, body)
}

// fieldErrors is DRF's validation error: {"field": ["message"]}, or
// non_field_errors when no field is at fault.
func fieldErrors(p *dialect.Problem) map[string][]string {
	if p.Field == "" {
		return map[string][]string{"non_field_errors": {p.Message}}
	}
	msg, _ := strings.CutPrefix(p.Message, p.Field+": ")
	return map[string][]string{p.Field: {msg}}
}

func detail(msg string) map[string]string { return map[string]string{"detail": msg} }

// base is the absolute URL links start with.
func (a *api) base(r *http.Request) string { return dialect.BaseURL(r, a.opts.BaseURL) }

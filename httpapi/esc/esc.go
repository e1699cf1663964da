// Package esc serves seed 004, the northbound REST API of Cisco's Elastic
// Services Controller, at /v0 (and at /ESCManager/v0, the seed's base URL)
// over orca: a dialect of the same Backend as the seed 000 API. cmd/demo
// mounts it; an embedder can mount Handler anywhere.
//
// How ESC maps onto orca:
//
//	ESC                                 orca
//	----------------------------------  -------------------------------------------
//	tenant {internal_tenant_id, name}   resource of kind tenant (ID, Name); enabled
//	                                    and managed_resource as labels esc/*
//	external_tenant_id                  the tenant's ID (orca tenants live in orca)
//	POST/PUT/DELETE, answered at once   the orca write, then a watch (Backend.Watch)
//	with ESC_TRANSACTION_ID             that reports the outcome
//	the callback to the Callback URL    a webhook (durable, retried, in order per
//	                                    resource), sent through netguard's policy
//	HTTP basic authentication           the same users as every orca surface
//	VIM connector {id, type}            location (ID); type OPENSTACK only (FAKE and
//	                                    CONTRAIL: locations made through /v1.0);
//	                                    admin-only, GETs too
//	  property authUrl (os_auth_url)    keystone_endpoint, judged by Options.Fetches
//	  region (os_region_name)           region
//	  project, projectId,               labels esc/project, esc/project_id,
//	  projectDomain, userDomain         esc/project_domain, esc/user_domain; sealed
//	  (os_project_name, ...)            with the user's password when one is added
//	  os_identity_api_version           must be 3; not kept
//	  status, status_message (output)   the location's phase and message
//	VIM connector deletion              refused (409) while resources are placed there
//	PUT .../check_status                Backend.Health's view, answered at once
//	default_vim_connector               label esc/default=N on the location: the
//	                                    highest N wins (ties: the greater ID)
//	VIM user {id, credentials}          the location's credential (one per connector):
//	  id; password (os_password),       vim.Credentials{username, password, project,
//	  value or encrypted_value          domains}, sealed by Backend.SetCredentials
//	                                    under a new ID per write; esc/vim_user label;
//	                                    the password never returned nor logged
//	VIM callbacks                       once the location has reopened its drivers:
//	                                    Ready 200, Failed 500 with its message
//	image {name, src, visibility,       resource of kind image in the administrator's
//	disk/container format}              tenant, shared when public; src is its url,
//	                                    judged by Options.Fetches; disk_bus,
//	                                    e1000_net, virtio_net and properties are
//	                                    labels esc/... (kept, not passed to VIMs)
//	flavor {vcpus, memory_mb,           resource of kind flavor in the administrator's
//	root/ephemeral/swap_disk_mb}        tenant; disk MB rounded up to whole GB
//	volume of /{tenant}/volumes         resource of kind volume of that tenant;
//	{size, sizeunit, bus, type, image}  size in GiB, rounded up; volid a label
//	network of /{tenant}/networks       resource of kind network of that tenant, with
//	{name, locator, deployment}         no cidr; locator.vim_id is its placement (an
//	                                    unknown one 404), the rest must be the
//	                                    connector's; internal_deployment_id a label;
//	                                    shared, admin_state_up=false, router_external,
//	                                    provider_*, vlan_id, locators, switch_name,
//	                                    number_of_ports, vimNetName refused (400);
//	                                    subnet lists its subnets (rendered only); a
//	                                    network with subnets is not deleted (409)
//	subnet of /{tenant}/subnets         resource of kind subnet on that network, at
//	{cidr, gateway_ip, enable_dhcp,     its locations; ip_version must be the cidr's
//	allocation_pools, network}
//	external_{image,flavor,volume}_id   the VIM's ID of a copy (first location's)
//	external_{network,subnet}_id
//	what ESC created                    label esc/created: ESC sees nothing else
//	config {category, key, type,        setting esc:config ("CATEGORY/KEY" → value);
//	value}                              the documented five have defaults
//	operation mode                      setting esc:opmode; in MAINTENANCE writes are
//	                                    refused (503) and GETs go on
//	host enable/disable                 setting esc:host:NAME, for placement
//	system states                       callbacks (orca's webhooks), reconciler
//	                                    (orca's counters)
//	file server {base_url,              setting esc:fileserver:ID; user and password
//	server_type, user, password,        sealed in a credential (Backend.SetCredentials),
//	properties}                         the password never returned
//	/authentication/setpassword         Options.Passwords (the server's users)
//	/internal/ssl/reload                Options.TLSReload
//	deployment (esc_datamodel)          resource of kind deployment (dmodel.go has the
//	                                    datamodel's mapping), which orca expands into
//	                                    servers and server groups
//	VM_DEPLOYED, VM_ALIVE,              a watch of the deployment: the VM's machine
//	SERVICE_ALIVE / _UPDATED /          exists in the VIM / the VIM runs it / every VM
//	_UNDEPLOYED, VM_UNDEPLOYED          is up (devents.go)
//	VM_RECOVERY_INIT / _COMPLETE        orca's recoveries of monitored groups, to the
//	                                    Callback-ESC-Events URL
//	deployment and VM operations        orca actions on the VMs' servers (dops.go)
//
// Wire rules, as the seed's: XML by default (namespace
// urn:ietf:params:xml:ns:netconf:base:1.0), JSON by Content-Type and
// Accept; internal IDs of 1..72 characters from RFC 3986's unreserved set
// without "~", unique across every kind (orca's IDs are); tenant IDs that
// are words of the API's paths are refused. GETs are synchronous; a write
// answers 200 with its transaction ID in ESC_TRANSACTION_ID, and its
// outcome reaches the Callback header's URL with ESC-Status-Code,
// ESC-Status-Message and the resource. Errors carry the same two headers
// and a body in the client's format.
package esc

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
)

// Paths the handler serves, as http.ServeMux patterns.
var Paths = []string{"/v0/", "/ESCManager/v0/", "/ESCManger/v0/", "/internal/ssl/", "/ESCManager/internal/ssl/"}

// bases are the prefixes of the API: the seed's paths, its base URL, and
// the misspelling its own setpassword example uses.
var bases = []string{"/v0", "/ESCManager/v0", "/ESCManger/v0"}

// Options configure the handler; nil means defaults.
type Options struct {
	// Callbacks judges callback URLs when they are given (the same policy
	// must deliver them: orca.Options.Deliver = policy.Deliverer(...)).
	// Nil refuses loopback and private destinations.
	Callbacks *netguard.Policy
	// Fetches judges the URLs the server or its VIMs fetch (image src,
	// day-0 config files, file servers). Nil refuses loopback and private
	// destinations.
	Fetches *netguard.Policy
	// LogLevel is the server's log level, which LOG/LEVEL sets (TRACE and
	// DEBUG are slog.LevelDebug, INFO slog.LevelInfo) at once, and
	// Restore at start-up. Nil: LOG/LEVEL is only stored.
	LogLevel *slog.LevelVar
	// Passwords changes users' passwords (/authentication/setpassword).
	// Nil: the endpoint answers 403.
	Passwords Passwords
	// TLSReload reloads the server's TLS certificate, key and trust
	// material from where they were loaded (PUT /internal/ssl/reload).
	// Nil: the server has no TLS material, and a reload is refused with
	// 500, ESC's "failed to reload", saying so.
	TLSReload func(ctx context.Context) error
}

type api struct {
	b        dialect.Backend
	kit      *dialect.Kit
	opts     Options
	outcomes map[string]outcome // by transaction op
	progress map[string]progress
	fetcher  *http.Client // through opts.Fetches

	// reconciler is the orchestrator's counters at the last reset of
	// the system state "reconciler".
	reconciler reconcilerBase
}

// New returns the seed 004 handler over b, built on kit, and registers its
// watcher with the orchestrator (before Run, so that callbacks pending
// from a previous run are sent).
func New(b dialect.Backend, kit *dialect.Kit, opts *Options) http.Handler {
	a := &api{b: b, kit: kit}
	if opts != nil {
		a.opts = *opts
	}
	if a.opts.Callbacks == nil {
		a.opts.Callbacks = &netguard.Policy{}
	}
	if a.opts.Fetches == nil {
		a.opts.Fetches = &netguard.Policy{}
	}
	a.fetcher = a.opts.Fetches.Client(nil)
	b.RegisterWatcher(watchPurpose, a.watch)
	rt := kit.NewRouter(render, nil)
	authed := func(e dialect.Endpoint) dialect.Endpoint {
		return kit.Authed(dialect.Basic|dialect.XAuthToken, negotiated(e))
	}
	a.outcomes, a.progress = map[string]outcome{}, map[string]progress{}
	for _, ar := range a.areas() {
		for _, base := range bases {
			for _, rte := range ar.routes {
				rt.Handle(rte.method, base+rte.path, authed(rte.endpoint))
			}
		}
		for op, o := range ar.outcomes {
			a.outcomes[op] = o
		}
		for op, p := range ar.progress {
			a.progress[op] = p
		}
	}
	for _, rte := range a.sslRoutes() { // outside the bases
		rt.Handle(rte.method, rte.path, authed(rte.endpoint))
	}
	return rt.Serve()
}

// negotiated refuses, before anything else, a client whose Accept this API
// cannot answer (406) or whose body it cannot read (415).
func negotiated(e dialect.Endpoint) dialect.Endpoint {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := responseFormat(r); err != nil {
			return err
		}
		if r.ContentLength != 0 && r.Method != http.MethodGet {
			if _, err := requestFormat(r); err != nil {
				return err
			}
		}
		return e(w, r)
	}
}

// errorBody is an error in the client's format.
type errorBody struct {
	XMLName    struct{} `xml:"urn:ietf:params:xml:ns:netconf:base:1.0 error" json:"-"`
	StatusCode int      `xml:"status_code" json:"status_code"`
	Message    string   `xml:"message" json:"message"`
	Field      string   `xml:"field,omitempty" json:"field,omitempty"`
}

// render writes a problem as this API does: ESC's status headers and a
// body in the client's format (XML when it did not say).
func render(w http.ResponseWriter, r *http.Request, p *dialect.Problem) {
	f, _ := responseFormat(r)
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="ESC"`)
	}
	w.Header()[headerStatusCode] = []string{strconv.Itoa(p.Status)} // the seed's spelling
	w.Header()[headerStatusMessage] = []string{headerSafe(p.Message)}
	body := errorBody{StatusCode: p.Status, Message: p.Message, Field: p.Field}
	if f == formatJSON {
		write(w, p.Status, f, map[string]errorBody{"error": body})
		return
	}
	write(w, p.Status, f, body)
}

// headerSafe makes a message fit a header line.
func headerSafe(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(out) < 512; i++ {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			out = append(out, c)
		} else {
			out = append(out, ' ')
		}
	}
	return string(out)
}

// errNotFound is ESC's "not found" for a kind.
func errNotFound(what, id string) error {
	return resource.Errorf(resource.NotFound, "Invalid %s Id: %s not found", what, id)
}

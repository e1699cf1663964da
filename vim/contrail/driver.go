// Package contrail is the VIM driver for a Contrail (Tungsten Fabric)
// location: it realizes networks, network policies, security groups,
// service templates and service instances through the VNC config REST API,
// with net/http and encoding/json only. The orchestrator's driver factory
// builds one per location from its contrail_endpoint; it passes vim/vimtest
// against internal/testutil/contrailfake.
//
// What it promises, beyond the vim.Driver rules:
//
//   - Every object is named by its orca copy ID: its fq_name is the project's
//     (or, for service templates, the domain's) fq_name plus Object.Ref.ID,
//     unique per type in Contrail, so the tag is part of the create call. A
//     create answered 409 is looked up by that fq_name and adopted; a 409
//     for anything else stays a Conflict.
//   - An object is absent only when its fq_name is unknown too: a 404 for a
//     uuid the server still maps the name to is NotFound, not absence.
//   - Update refuses (Invalid) a change Contrail or orca cannot make in
//     place and sends one PUT of only the properties that differ.
//   - A network policy is attached to its two networks (a network_policy_refs
//     entry on each, added with /ref-update so concurrent attachments to the
//     same network cannot overwrite each other) after it is created, and
//     taken off every network that uses it before it is deleted, as the
//     reference's deletion order asks.
//   - One attempt per call: no retries but one, on a 401 when a TokenSource
//     is set, with a fresh token. Tokens are never logged or put in errors.
//
// What it does not do: create projects, IPAMs or route-target objects (the
// project, domain and default IPAM must exist); ports, instance IPs, virtual
// machines or floating IPs; service chaining rules (apply_service); route
// targets with an ASN other than 64512; security-group rules naming a remote
// group that is neither the group itself (Object.Global) nor in Object.Deps
// (Invalid); Keystone logins (a TokenSource supplies tokens); waiting for
// svc-monitor to launch service instances (config objects are Ready once
// created); setting network IDs unless Options.SetNetworkIDs says so.
package contrail

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// TokenSource supplies Keystone tokens. The driver asks for one before its
// first request and once more after a 401; it keeps the token in between.
// Errors keep their code; unclassified ones become Unauthorized.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// StaticToken is a pre-issued token (vim.Credentials.Token). A 401 cannot be
// cured by asking it again, so such a request fails Unauthorized.
type StaticToken string

func (t StaticToken) Token(context.Context) (string, error) { return string(t), nil }

// Options configure a Driver; nil means defaults.
type Options struct {
	// HTTPClient is used for every call; default: one with a 30s timeout.
	HTTPClient *http.Client
	// Tokens, when set, authenticates every request with X-Auth-Token.
	// Nil is Contrail's no-auth mode.
	Tokens TokenSource
	// Domain and Project place objects; defaults "default-domain" and
	// "admin". Service templates live in the domain, the rest in the
	// project.
	Domain, Project string
	// Kinds served; nil means every kind the driver knows.
	Kinds []resource.Kind
	// SetNetworkIDs sends a network's contrail_id as its
	// virtual_network_network_id. Only Contrail up to 3.2 accepts that
	// (later releases answer 403 and choose the ID themselves, reported in
	// the output), so it is off by default.
	SetNetworkIDs bool
}

// Driver talks to one Contrail config API. It is safe for concurrent use.
type Driver struct {
	base            string
	hc              *http.Client
	ownClient       bool
	tokens          TokenSource
	domain, project string
	setNetworkIDs   bool
	kinds           []resource.Kind
	impls           map[resource.Kind]*kindImpl

	tokMu sync.Mutex
	token string
}

var (
	_ vim.Driver = (*Driver)(nil)
	_ vim.Lister = (*Driver)(nil)
	_ vim.Pinger = (*Driver)(nil)
)

// knownKinds maps each kind the driver knows to its realization.
var knownKinds = map[resource.Kind]*kindImpl{
	resource.KindNetwork:         networkKind,
	resource.KindNetworkPolicy:   policyKind,
	resource.KindSecurityGroup:   securityGroupKind,
	resource.KindServiceTemplate: serviceTemplateKind,
	resource.KindServiceInstance: serviceInstanceKind,
}

// New returns a driver for the config API at endpoint (the location's
// contrail_endpoint, such as http://10.0.0.1:8082). It makes no request.
func New(endpoint string, opts *Options) (*Driver, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, resource.InvalidField("contrail_endpoint", "%q is not an http(s) URL", endpoint)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	d := &Driver{base: strings.TrimSuffix(u.String(), "/"), hc: o.HTTPClient, tokens: o.Tokens,
		domain: o.Domain, project: o.Project, setNetworkIDs: o.SetNetworkIDs, kinds: slices.Clone(o.Kinds), impls: map[resource.Kind]*kindImpl{}}
	if d.hc == nil {
		d.hc, d.ownClient = &http.Client{Timeout: 30 * time.Second}, true
	}
	if d.domain == "" {
		d.domain = "default-domain"
	}
	if d.project == "" {
		d.project = "admin"
	}
	if d.kinds == nil {
		for k := range knownKinds {
			d.kinds = append(d.kinds, k)
		}
		slices.Sort(d.kinds)
	}
	for _, k := range d.kinds {
		impl, ok := knownKinds[k]
		if !ok {
			return nil, vim.Unsupported(k)
		}
		d.impls[k] = impl
	}
	return d, nil
}

func (d *Driver) Kinds() []resource.Kind { return slices.Clone(d.kinds) }

// Close drops idle connections of the driver's own client.
func (d *Driver) Close() error {
	if d.ownClient {
		d.hc.CloseIdleConnections()
	}
	return nil
}

func (d *Driver) impl(k resource.Kind) (*kindImpl, error) {
	impl, ok := d.impls[k]
	if !ok {
		return nil, vim.Unsupported(k)
	}
	return impl, nil
}

// parentFQ is the fq_name of the parent of impl's objects.
func (d *Driver) parentFQ(impl *kindImpl) []string {
	if impl.parent == "domain" {
		return []string{d.domain}
	}
	return []string{d.domain, d.project}
}

// fqName is the fq_name o is tagged with.
func (d *Driver) fqName(impl *kindImpl, o *vim.Object) []string {
	return append(d.parentFQ(impl), o.Ref.ID)
}

// Ping checks that the API answers, accepts the credentials and holds the
// project (GET / would need no token).
func (d *Driver) Ping(ctx context.Context) error {
	_, err := d.fqToID(ctx, "project", []string{d.domain, d.project})
	return err
}

// Package drivers is the vim.Factory that turns a location's endpoints into
// drivers: fake://NAME into the in-memory fake VIM, an http(s)
// keystone_endpoint into the OpenStack driver, an http(s) contrail_endpoint
// into the Contrail driver. cmd/demo and embedders that want every built-in
// driver import it; the orchestrator itself knows only vim.Factory.
//
// A location with both endpoints gets the Contrail driver first, so it
// serves the kinds both know (networks, security groups) along with the
// kinds only Contrail knows (policies, service templates and instances,
// route targets), and OpenStack serves the rest (images, flavors, servers,
// server groups, stacks).
package drivers

import (
	"context"
	"net/http"
	"net/url"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
	"github.com/orca-nfv/orca/vim/contrail"
	"github.com/orca-nfv/orca/vim/openstack"
)

// Options configure the Factory.
type Options struct {
	// Fakes serves fake:// endpoints: an in-process *fake.Factory, or
	// fakewire's client of fake VIMs in another process; nil refuses them.
	Fakes vim.Factory
	// HTTPClient, CAFile and Insecure apply to every real VIM's calls
	// (see openstack.Options).
	HTTPClient *http.Client
	CAFile     string
	Insecure   bool
	// Interface selects OpenStack catalog endpoints; default "public".
	Interface string
}

// Factory builds drivers from endpoints. It is safe for concurrent use.
type Factory struct{ opts Options }

var _ vim.Factory = (*Factory)(nil)

// New returns a Factory.
func New(opts *Options) *Factory {
	f := &Factory{}
	if opts != nil {
		f.opts = *opts
	}
	return f
}

// Open returns the location's drivers, Contrail's first. Errors: Invalid
// for an endpoint no driver serves; the drivers' own errors (Unauthorized
// for refused credentials, Unavailable for an unreachable VIM).
func (f *Factory) Open(ctx context.Context, loc *resource.Resource, creds *vim.Credentials) ([]vim.Driver, error) {
	spec, ok := loc.Spec.(*resource.Location)
	if !ok {
		return nil, resource.Errorf(resource.Invalid, "%s is not a location", loc.Ref)
	}
	var out []vim.Driver
	closeAll := func() {
		for _, d := range out {
			d.Close()
		}
	}
	if spec.ContrailEndpoint != "" {
		d, err := f.contrail(ctx, spec, creds)
		if err != nil {
			return nil, err
		}
		out = append(out, d...)
	}
	if spec.KeystoneEndpoint != "" {
		d, err := f.keystone(ctx, loc, spec, creds)
		if err != nil {
			closeAll()
			return nil, err
		}
		out = append(out, d...)
	}
	return out, nil
}

func scheme(field, endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme == "" {
		return "", resource.InvalidField(field, "%q is not a URL", endpoint)
	}
	return u.Scheme, nil
}

func (f *Factory) keystone(ctx context.Context, loc *resource.Resource, spec *resource.Location, creds *vim.Credentials) ([]vim.Driver, error) {
	s, err := scheme("keystone_endpoint", spec.KeystoneEndpoint)
	if err != nil {
		return nil, err
	}
	switch s {
	case "fake":
		if f.opts.Fakes == nil {
			return nil, resource.InvalidField("keystone_endpoint", "fake:// endpoints are not served here")
		}
		return f.opts.Fakes.Open(ctx, loc, creds)
	case "http", "https":
		hc, err := f.httpClient()
		if err != nil {
			return nil, err
		}
		d, err := openstack.New(ctx, &openstack.Options{
			AuthURL: spec.KeystoneEndpoint, Credentials: creds, Region: spec.Region, Interface: f.opts.Interface, HTTPClient: hc,
		})
		if err != nil {
			return nil, err
		}
		return []vim.Driver{d}, nil
	}
	return nil, resource.InvalidField("keystone_endpoint", "no driver serves %s:// endpoints (want http, https or fake)", s)
}

func (f *Factory) contrail(ctx context.Context, spec *resource.Location, creds *vim.Credentials) ([]vim.Driver, error) {
	s, err := scheme("contrail_endpoint", spec.ContrailEndpoint)
	if err != nil {
		return nil, err
	}
	if s != "http" && s != "https" {
		return nil, resource.InvalidField("contrail_endpoint", "no driver serves %s:// endpoints (want http or https)", s)
	}
	hc, err := f.httpClient()
	if err != nil {
		return nil, err
	}
	opts := &contrail.Options{HTTPClient: hc}
	switch {
	case creds == nil: // Contrail's no-auth mode
	case creds.Token != "":
		opts.Tokens = contrail.StaticToken(creds.Token)
	case spec.KeystoneEndpoint != "":
		ks, err := scheme("keystone_endpoint", spec.KeystoneEndpoint)
		if err != nil {
			return nil, err
		}
		if ks != "http" && ks != "https" {
			return nil, resource.InvalidField("keystone_endpoint", "Contrail logs in to Keystone over http(s), not %s://", ks)
		}
		opts.Tokens = &keystoneTokens{url: spec.KeystoneEndpoint, creds: creds, hc: hc}
	default:
		return nil, resource.InvalidField("credential_id", "a Contrail location without keystone_endpoint takes a token credential")
	}
	if creds != nil && creds.ProjectName != "" {
		opts.Project = creds.ProjectName
	}
	d, err := contrail.New(spec.ContrailEndpoint, opts)
	if err != nil {
		return nil, err
	}
	return []vim.Driver{d}, nil
}

func (f *Factory) httpClient() (*http.Client, error) {
	if f.opts.HTTPClient != nil {
		return f.opts.HTTPClient, nil
	}
	return vim.NewHTTPClient(&vim.HTTPOptions{CAFile: f.opts.CAFile, Insecure: f.opts.Insecure})
}

// keystoneTokens logs in to Keystone for the Contrail driver. The driver
// asks once before its first call and again only after a 401, so every
// call is a fresh login.
type keystoneTokens struct {
	url   string
	creds *vim.Credentials
	hc    *http.Client
}

func (k *keystoneTokens) Token(ctx context.Context) (string, error) {
	return openstack.Login(ctx, k.url, k.creds, k.hc)
}

// Package openstack is the VIM driver for an OpenStack location, on
// gophercloud v2: networks, subnets and security groups (Neutron),
// images (Glance), flavors, server groups and machines (Nova servers, for
// servers and bare-metal instances alike), stacks (Heat) and volumes
// (Cinder). The orchestrator builds one per location from its keystone
// endpoint and credentials; it passes vim/vimtest against a stateful wire
// fake (internal/testutil/osfake) and, with the integration build tag,
// against a real OpenStack.
//
// Every object it creates is named "orca-<copy ID>" in the create call
// itself, so a Create repeated after a crash or a lost response finds and
// adopts it instead of making a second one; concurrent Creates of one
// object through one Driver are serialized, as OpenStack allows duplicate
// names (two Drivers for one location could still race: the orchestrator
// opens one per location). Parts of an object that need
// calls of their own (a network's subnet, a group's rules) are completed by
// the adopting Create or by Update, and an object missing them is reported
// as not existing yet, so the orchestrator calls Create again.
//
// What it does not do: attaching volumes after boot (a server's volumes
// are mapped in its create, bootvolumes.go), floating IPs, routers, ports of
// their own (so a bare-metal NIC's port type is recorded, not honoured),
// security-group names (Nova is given group IDs), Glance data
// uploads through orca (a URL is imported by Glance itself, with its
// web-download method), and host management.
package openstack

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gophercloud/gophercloud/v2"
	gopenstack "github.com/gophercloud/gophercloud/v2/openstack"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Options configure a Driver.
type Options struct {
	// AuthURL is Keystone's v3 endpoint (the location's keystone_endpoint).
	AuthURL string
	// Credentials: a user name and password with a project, or an
	// application credential.
	Credentials *vim.Credentials
	// Region and Interface select catalog endpoints; defaults: the first
	// region, "public".
	Region    string
	Interface string
	// HTTPClient is used for every call; default: 30s timeout with the TLS
	// settings below.
	HTTPClient *http.Client
	// CAFile adds a PEM CA bundle to trust; Insecure skips certificate
	// verification (never the default, never in production).
	CAFile   string
	Insecure bool
	// Kinds served; nil means every kind this driver knows, volumes only
	// when the catalog has a block-storage service. Volumes named here at
	// a location without one are answered Unimplemented, saying why.
	Kinds []resource.Kind
}

// KnownKinds are the kinds the driver can serve.
func KnownKinds() []resource.Kind {
	return []resource.Kind{
		resource.KindFlavor, resource.KindHeatInstance, resource.KindImage, resource.KindNetwork,
		resource.KindSecurityGroup, resource.KindServer, resource.KindServerGroup, resource.KindBaremetalInstance,
		resource.KindVolume, resource.KindSubnet,
	}
}

// computeMicroversion is the Nova API version spoken: 2.64 gives server
// groups a single "policy".
const computeMicroversion = "2.64"

// Driver talks to one OpenStack location. It is safe for concurrent use.
type Driver struct {
	provider                               *gophercloud.ProviderClient
	compute, network, image, orchestration *gophercloud.ServiceClient
	identity, volume                       *gophercloud.ServiceClient
	kinds                                  []resource.Kind
	ops                                    map[resource.Kind]*kind
	reg                                    *resource.Registry // field mutability
	stackCache                             stackCache
	netNames                               netNames
	ports                                  portCache // machines' ports (interfaces.go)

	// missing holds, for kinds served whose service the catalog lacks,
	// the error every call of theirs answers.
	missing map[resource.Kind]error

	// creating serializes Creates of one tag: OpenStack allows duplicate
	// names, so two concurrent Creates of one object would otherwise both
	// find nothing and both create.
	mu       sync.Mutex
	creating map[string]*tagLock
}

type tagLock struct {
	sync.Mutex
	users int
}

// lockTag holds the tag's create lock until the returned func is called.
func (d *Driver) lockTag(tag string) (unlock func()) {
	d.mu.Lock()
	if d.creating == nil {
		d.creating = map[string]*tagLock{}
	}
	l := d.creating[tag]
	if l == nil {
		l = &tagLock{}
		d.creating[tag] = l
	}
	l.users++
	d.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		d.mu.Lock()
		if l.users--; l.users == 0 {
			delete(d.creating, tag)
		}
		d.mu.Unlock()
	}
}

var (
	_ vim.Driver          = (*Driver)(nil)
	_ vim.Lister          = (*Driver)(nil)
	_ vim.Pinger          = (*Driver)(nil)
	_ vim.PowerController = (*Driver)(nil)
	_ vim.Snapshotter     = (*Driver)(nil)
	_ vim.ConsoleProvider = (*Driver)(nil)
)

// New authenticates against Keystone (one round trip, which also fetches
// the catalog) and returns the driver. Tokens are reused and renewed when
// they expire.
func New(ctx context.Context, opts *Options) (*Driver, error) {
	if opts == nil || opts.AuthURL == "" {
		return nil, resource.InvalidField("keystone_endpoint", "required")
	}
	if opts.Credentials == nil {
		return nil, resource.Errorf(resource.Unauthorized, "an OpenStack location needs credentials")
	}
	hc, err := httpClient(opts)
	if err != nil {
		return nil, err
	}
	provider, err := authenticate(ctx, opts.AuthURL, opts.Credentials, hc)
	if err != nil {
		return nil, err
	}
	eo := gophercloud.EndpointOpts{Region: opts.Region, Availability: gophercloud.Availability(orDefault(opts.Interface, "public"))}
	d := &Driver{provider: provider, kinds: slices.Clone(opts.Kinds), reg: resource.NewBuiltinRegistry()}
	if d.kinds == nil {
		d.kinds = KnownKinds()
	}
	for _, k := range d.kinds {
		if !slices.Contains(KnownKinds(), k) {
			return nil, resource.Errorf(resource.Invalid, "the OpenStack driver cannot serve %s", k)
		}
	}
	// Services are looked up only for the kinds served, so a cloud without
	// Heat can still serve networks.
	need := func(ks ...resource.Kind) bool {
		for _, k := range ks {
			if slices.Contains(d.kinds, k) {
				return true
			}
		}
		return false
	}
	if d.identity, err = gopenstack.NewIdentityV3(provider, eo); err != nil {
		return nil, classify(ctx, err, "identity endpoint")
	}
	if need(resource.KindFlavor, resource.KindServer, resource.KindServerGroup, resource.KindBaremetalInstance) {
		if d.compute, err = gopenstack.NewComputeV2(provider, eo); err != nil {
			return nil, classify(ctx, err, "compute endpoint")
		}
		d.compute.Microversion = computeMicroversion
	}
	if need(resource.KindNetwork, resource.KindSubnet, resource.KindSecurityGroup, resource.KindServer, resource.KindBaremetalInstance) {
		if d.network, err = gopenstack.NewNetworkV2(provider, eo); err != nil {
			return nil, classify(ctx, err, "network endpoint")
		}
	}
	if need(resource.KindImage, resource.KindServer, resource.KindBaremetalInstance) {
		if d.image, err = gopenstack.NewImageV2(provider, eo); err != nil {
			return nil, classify(ctx, err, "image endpoint")
		}
	}
	if need(resource.KindHeatInstance) {
		if d.orchestration, err = gopenstack.NewOrchestrationV1(provider, eo); err != nil {
			return nil, classify(ctx, err, "orchestration endpoint")
		}
	}
	if need(resource.KindVolume) {
		if err := d.blockStorage(ctx, provider, eo, opts.Kinds == nil); err != nil {
			return nil, err
		}
	}
	d.ops = map[resource.Kind]*kind{
		resource.KindNetwork:           networkKind(),
		resource.KindSecurityGroup:     securityGroupKind(),
		resource.KindImage:             imageKind(),
		resource.KindFlavor:            flavorKind(),
		resource.KindServer:            serverKind(),
		resource.KindBaremetalInstance: baremetalKind(),
		resource.KindServerGroup:       serverGroupKind(),
		resource.KindHeatInstance:      stackKind(),
		resource.KindVolume:            volumeKind(),
		resource.KindSubnet:            subnetKind(),
	}
	return d, nil
}

// blockStorage finds Cinder. Many clouds have none (the loopback test cloud
// does not), and that must not cost the other kinds: by default the driver
// then serves no volumes; when volumes were asked for by name, their calls
// answer Unimplemented, saying why.
func (d *Driver) blockStorage(ctx context.Context, provider *gophercloud.ProviderClient, eo gophercloud.EndpointOpts, byDefault bool) error {
	sc, err := gopenstack.NewBlockStorageV3(provider, eo)
	var none *gophercloud.ErrEndpointNotFound
	switch {
	case err == nil:
		d.volume = sc
	case !errors.As(err, &none):
		return classify(ctx, err, "block-storage endpoint")
	case byDefault:
		d.kinds = slices.DeleteFunc(d.kinds, func(k resource.Kind) bool { return k == resource.KindVolume })
	default:
		d.missing = map[resource.Kind]error{resource.KindVolume: resource.Errorf(resource.Unimplemented,
			"this OpenStack location has no block-storage (Cinder v3) service in its catalog, so it cannot make volumes")}
	}
	return nil
}

// authenticate logs in to Keystone v3 with a password (scoped to the
// credentials' project) or an application credential, and returns a
// provider that renews its token when it expires.
func authenticate(ctx context.Context, authURL string, c *vim.Credentials, hc *http.Client) (*gophercloud.ProviderClient, error) {
	ao := gophercloud.AuthOptions{
		IdentityEndpoint: authURL,
		Username:         c.Username,
		Password:         c.Password,
		DomainName:       orDefault(c.UserDomain, "Default"),
		AllowReauth:      true,
	}
	if c.ApplicationCredentialID != "" {
		ao = gophercloud.AuthOptions{IdentityEndpoint: authURL, AllowReauth: true,
			ApplicationCredentialID: c.ApplicationCredentialID, ApplicationCredentialSecret: c.ApplicationCredentialSecret}
	} else if c.ProjectID != "" {
		ao.Scope = &gophercloud.AuthScope{ProjectID: c.ProjectID}
	} else if c.ProjectName != "" {
		ao.Scope = &gophercloud.AuthScope{ProjectName: c.ProjectName, DomainName: orDefault(c.ProjectDomain, "Default")}
	}
	provider, err := gopenstack.NewClient(authURL)
	if err != nil {
		return nil, resource.InvalidField("keystone_endpoint", "%v", err)
	}
	provider.HTTPClient = *hc
	if err := gopenstack.Authenticate(ctx, provider, ao); err != nil {
		return nil, classify(ctx, err, "authenticating")
	}
	return provider, nil
}

// Login returns a fresh Keystone token for the credentials, for clients of
// other services in the same cloud (the Contrail driver). Errors as New's.
func Login(ctx context.Context, authURL string, c *vim.Credentials, hc *http.Client) (string, error) {
	if c == nil {
		return "", resource.Errorf(resource.Unauthorized, "a Keystone login needs credentials")
	}
	if hc == nil {
		var err error
		if hc, err = vim.NewHTTPClient(nil); err != nil {
			return "", err
		}
	}
	p, err := authenticate(ctx, authURL, c, hc)
	if err != nil {
		return "", err
	}
	return p.Token(), nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// httpClient is opts.HTTPClient, or one built with opts' TLS settings.
func httpClient(opts *Options) (*http.Client, error) {
	if opts.HTTPClient != nil {
		return opts.HTTPClient, nil
	}
	return vim.NewHTTPClient(&vim.HTTPOptions{CAFile: opts.CAFile, Insecure: opts.Insecure})
}

func (d *Driver) Kinds() []resource.Kind { return slices.Clone(d.kinds) }

// Close drops idle connections; tokens simply expire.
func (d *Driver) Close() error {
	if t, ok := d.provider.HTTPClient.Transport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
	return nil
}

// Ping checks that Keystone still accepts the token (and so the
// credentials, after a renewal).
func (d *Driver) Ping(ctx context.Context) error {
	resp, err := d.identity.Get(ctx, d.identity.ServiceURL("auth", "tokens"), nil, &gophercloud.RequestOpts{
		MoreHeaders: map[string]string{"X-Subject-Token": d.provider.Token()}, OkCodes: []int{200}, KeepResponseBody: false,
	})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	return classify(ctx, err, "ping")
}

// tag is the VIM-side name of an object: the copy's orca ID. Heat stack
// names must start with a letter, hence the prefix.
func tag(o *vim.Object) string { return "orca-" + o.Ref.ID }

// orcaID returns the copy ID a VIM name carries, or "".
func orcaID(name string) string {
	id, ok := strings.CutPrefix(name, "orca-")
	if !ok {
		return ""
	}
	return id
}

// kind is one kind's operations. v is the kind's VIM object, as get and all
// return it.
type kind struct {
	// get returns the object: by its recorded ID, else by its tag; nil if
	// absent (or only partly created, so that Create completes it).
	get func(ctx context.Context, d *Driver, o *vim.Object) (any, error)
	// all returns every object of the kind carrying an orca tag, by tag.
	all func(ctx context.Context, d *Driver) (map[string]any, error)
	// observe describes v against the desired object.
	observe func(d *Driver, o *vim.Object, v any) vim.Observation
	// create makes the object, or completes the partly created v (nil
	// when nothing exists), and returns its ID.
	create func(ctx context.Context, d *Driver, o *vim.Object, v any) (string, error)
	// update makes v match o's mutable fields (drift lists what differs).
	update func(ctx context.Context, d *Driver, o *vim.Object, v any, drift []string) error
	// delete removes v.
	delete func(ctx context.Context, d *Driver, o *vim.Object, v any) error
	// partial reports an object created only in part (no subnet yet,
	// when o asks for one).
	partial func(o *vim.Object, v any) bool
	// created, when set, makes the object (as create does) and returns
	// it as get would, from what the create calls answered, so that
	// CreateObserve needs no read back. Optional; create must be set too.
	created func(ctx context.Context, d *Driver, o *vim.Object, v any) (any, error)
	// finish completes, for an adopting Create, what a create that
	// stopped half way left undone but Observe shows as drift (a
	// network's subnet). Optional.
	finish func(ctx context.Context, d *Driver, o *vim.Object, v any) error
	// resolve, when set, fetches what observe needs besides the objects
	// themselves (the names of a machine's networks). Optional.
	resolve func(ctx context.Context, d *Driver, objs []*vim.Object) error
}

func (d *Driver) kind(k resource.Kind) (*kind, error) {
	if !slices.Contains(d.kinds, k) {
		return nil, vim.Unsupported(k)
	}
	if err := d.missing[k]; err != nil {
		return nil, err
	}
	return d.ops[k], nil
}

// current gets the object and tells whether it is complete.
func (d *Driver) current(ctx context.Context, o *vim.Object) (*kind, any, error) {
	k, err := d.kind(o.Kind)
	if err != nil {
		return nil, nil, err
	}
	v, err := k.get(ctx, d, o)
	if err != nil {
		return nil, nil, err
	}
	return k, v, nil
}

func (d *Driver) Observe(ctx context.Context, o *vim.Object) (vim.Observation, error) {
	k, v, err := d.current(ctx, o)
	if err != nil || v == nil || k.partial != nil && k.partial(o, v) {
		return vim.Observation{}, err
	}
	if k.resolve != nil {
		if err := k.resolve(ctx, d, []*vim.Object{o}); err != nil {
			return vim.Observation{}, err
		}
	}
	return k.observe(d, o, v), nil
}

func (d *Driver) ObserveAll(ctx context.Context, kindName resource.Kind, objs []*vim.Object) ([]vim.Observation, error) {
	k, err := d.kind(kindName)
	if err != nil {
		return nil, err
	}
	byTag, err := k.all(ctx, d)
	if err != nil {
		return nil, err
	}
	if k.resolve != nil {
		if err := k.resolve(ctx, d, objs); err != nil {
			return nil, err
		}
	}
	out := make([]vim.Observation, len(objs))
	for i, o := range objs {
		if v, ok := byTag[tag(o)]; ok && (k.partial == nil || !k.partial(o, v)) {
			out[i] = k.observe(d, o, v)
		}
	}
	return out, nil
}

func (d *Driver) Create(ctx context.Context, o *vim.Object) (string, error) {
	ext, _, err := d.create(ctx, o)
	return ext, err
}

// CreateObserve is Create answering with the object (vim.CreateObserver):
// from what the create calls answered, for kinds that keep it (networks),
// else read back at once. Either way the orchestrator need not come back
// after a poll interval for an object OpenStack made ready at once.
func (d *Driver) CreateObserve(ctx context.Context, o *vim.Object) (vim.Observation, error) {
	ext, obs, err := d.create(ctx, o)
	if err != nil || obs != nil {
		if obs == nil {
			return vim.Observation{}, err
		}
		return *obs, err
	}
	made := *o
	made.ExternalID = ext
	return d.Observe(ctx, &made)
}

// create is Create, with the object's observation when the create calls
// answered it whole (an adopted object's, or one made by a kind with
// created), else nil.
func (d *Driver) create(ctx context.Context, o *vim.Object) (string, *vim.Observation, error) {
	if err := o.Spec.Validate(); err != nil {
		return "", nil, err
	}
	defer d.lockTag(tag(o))()
	k, v, err := d.current(ctx, o)
	if err != nil {
		return "", nil, err
	}
	if v != nil && (k.partial == nil || !k.partial(o, v)) {
		if k.finish != nil {
			if err := k.finish(ctx, d, o, v); err != nil {
				return "", nil, err
			}
			return k.observe(d, o, v).ExternalID, nil, nil // finished: read it back
		}
		if k.resolve != nil {
			return k.observe(d, o, v).ExternalID, nil, nil // adopt; observing needs resolve
		}
		obs := k.observe(d, o, v)
		return obs.ExternalID, &obs, nil // adopt
	}
	if k.created != nil {
		made, err := k.created(ctx, d, o, v)
		if err != nil {
			return "", nil, err
		}
		obs := k.observe(d, o, made)
		return obs.ExternalID, &obs, nil
	}
	ext, err := k.create(ctx, d, o, v)
	return ext, nil, err
}

func (d *Driver) Update(ctx context.Context, o *vim.Object) error {
	if err := o.Spec.Validate(); err != nil {
		return err
	}
	k, v, err := d.current(ctx, o)
	if err != nil {
		return err
	}
	if v == nil {
		return resource.Errorf(resource.NotFound, "%s not found", o)
	}
	drift := k.observe(d, o, v).Drift
	for _, f := range drift {
		if vim.InPlace(f) {
			continue
		}
		if fld, ok := d.reg.Field(o.Kind, f); !ok || fld.Mutability != resource.Mutable {
			return resource.InvalidField(f, "cannot change in place on %s; replace it", o)
		}
	}
	if len(drift) == 0 {
		return nil
	}
	return k.update(ctx, d, o, v, drift)
}

func (d *Driver) Delete(ctx context.Context, o *vim.Object) error {
	k, v, err := d.current(ctx, o)
	if err != nil || v == nil {
		return err
	}
	return k.delete(ctx, d, o, v)
}
